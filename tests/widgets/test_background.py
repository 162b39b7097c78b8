"""The background helper's two worker threads: card work apart from database work."""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, QThread
from pytestqt.qtbot import QtBot

from madoguchi.widgets import background
from madoguchi.widgets.background import Op, card_executor, database_executor


def test_a_blocked_card_wait_does_not_hold_up_database_work(qtbot: QtBot) -> None:
    owner = QObject()
    release = threading.Event()
    threads: dict[str, str] = {}
    callbacks_on_gui: list[bool] = []

    def card_wait() -> str:
        threads["card"] = threading.current_thread().name
        release.wait(10)
        return "card"

    def search() -> str:
        threads["db"] = threading.current_thread().name
        return "db"

    def done(result: str) -> None:
        callbacks_on_gui.append(QThread.currentThread() is owner.thread())
        results.append(result)

    results: list[str] = []
    card_future = Op(owner, card_wait, executor=card_executor()).success(done).run()
    Op(owner, search).success(done).run()
    qtbot.waitUntil(lambda: results == ["db"], timeout=5_000)
    assert not card_future.done()
    release.set()
    qtbot.waitUntil(lambda: results == ["db", "card"], timeout=5_000)
    assert threads["card"].startswith("card") and threads["db"].startswith("db")
    assert callbacks_on_gui == [True, True]


def test_shutdown_stops_both_workers() -> None:
    card, database = card_executor(), database_executor()
    background.shutdown_executor()
    assert card._shutdown and database._shutdown  # type: ignore[attr-defined]
    assert card_executor() is not card and database_executor() is not database
