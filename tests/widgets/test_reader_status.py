"""The status bar's card reader segment (R-CARD-1): it follows the real reader through pcscd,
and says so when the PC/SC service is missing."""

from __future__ import annotations

import threading
from collections.abc import Callable

from PySide6.QtCore import QThread
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from madoguchi.smartcard.errors import NoPcscService
from madoguchi.smartcard.monitor import ReaderSnapshot
from madoguchi.smartcard.transport import ReaderState
from madoguchi.widgets.reader_status import ReaderStatus, describe
from tests.helpers.card_harness import CardStack

READER = "Virtual PCD 00 00"


class ThreadedFakeWatch:
    """Reports fixed snapshots from its own thread, as ``ReaderWatch`` does."""

    def __init__(self, on_change: Callable[[ReaderSnapshot], None]) -> None:
        self.on_change = on_change
        self.snapshots = [
            ReaderSnapshot((), NoPcscService()),
            ReaderSnapshot((ReaderState(READER, True),)),
        ]
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, name="fake-reader-watch")

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join(2)

    def _run(self) -> None:
        self.on_change(self.snapshots[0])
        self.stopped.wait()


def test_a_missing_pcsc_service_is_shown_from_the_watch_thread(qtbot: QtBot) -> None:
    label = QLabel()
    qtbot.addWidget(label)
    fakes: list[ThreadedFakeWatch] = []

    def factory(on_change: Callable[[ReaderSnapshot], None]) -> ThreadedFakeWatch:
        fakes.append(ThreadedFakeWatch(on_change))
        return fakes[-1]

    status = ReaderStatus(label, watch_factory=factory)
    threads: list[bool] = []
    status.changed.connect(lambda _: threads.append(QThread.currentThread() is status.thread()))
    with qtbot.waitSignal(status.changed, timeout=5_000) as changed:
        status.start()
    assert isinstance(changed.args[0].problem, NoPcscService)
    assert threads == [True]
    assert label.text() == "カードリーダー: PC/SCサービス停止中"
    assert "pcscd" in label.toolTip()
    status.stop()
    assert fakes[0].stopped.is_set() and not fakes[0].thread.is_alive()
    assert not status.running


def test_texts() -> None:
    assert describe(ReaderSnapshot(())) == "カードリーダー: 未接続"
    assert (
        describe(ReaderSnapshot((ReaderState(READER, True),)))
        == "カードリーダー: Virtual PCD 00 00（カードあり）"
    )
    assert (
        describe(ReaderSnapshot((ReaderState(READER, True, card_in_use=True),)))
        == "カードリーダー: Virtual PCD 00 00（カード使用中）"
    )


def test_the_label_follows_the_virtual_card(qtbot: QtBot, card: CardStack) -> None:
    label = QLabel()
    qtbot.addWidget(label)
    status = ReaderStatus(label)
    status.start()  # vpcd offers two readers; the card goes into the first
    try:
        qtbot.waitUntil(lambda: f"{READER}（カードなし）" in label.text(), timeout=10_000)
        card.insert(0)
        qtbot.waitUntil(lambda: f"{READER}（カードあり）" in label.text(), timeout=10_000)
        card.remove()
        qtbot.waitUntil(lambda: f"{READER}（カードなし）" in label.text(), timeout=10_000)
    finally:
        status.stop()
