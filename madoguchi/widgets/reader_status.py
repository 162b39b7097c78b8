"""The card reader segment of the status bar (R-CARD-1): readers and cards as they come and go.

``ReaderWatch`` reports from its own thread; this object carries each snapshot to the GUI
thread, re-emits it as ``changed`` and keeps the status bar's label current. The watch stops
when the owner closes (``stop``) or the application quits.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Protocol

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, Signal
from PySide6.QtWidgets import QLabel

from madoguchi.smartcard.errors import NoPcscService
from madoguchi.smartcard.monitor import ReaderSnapshot, ReaderWatch
from madoguchi.widgets.background import post_to_gui

log = logging.getLogger(__name__)


class Watch(Protocol):
    """What ``ReaderStatus`` needs of a watch (``ReaderWatch``, or a fake in tests)."""

    def start(self) -> None: ...

    def stop(self) -> None: ...


WatchFactory = Callable[[Callable[[ReaderSnapshot], None]], Watch]


def describe(snapshot: ReaderSnapshot) -> str:
    """The status bar text for ``snapshot``."""
    if isinstance(snapshot.problem, NoPcscService):
        return "カードリーダー: PC/SCサービス停止中"
    if snapshot.problem is not None:
        return "カードリーダー: エラー"
    if not snapshot.readers:
        return "カードリーダー: 未接続"
    parts = []
    for reader in snapshot.readers:
        if reader.card_in_use:
            card = "カード使用中"
        elif reader.card_present:
            card = "カードあり"
        else:
            card = "カードなし"
        parts.append(f"{reader.name}（{card}）")
    return "カードリーダー: " + "、".join(parts)


class ReaderStatus(QObject):
    """Owns a reader watch; emits ``changed(ReaderSnapshot)`` on the GUI thread."""

    changed = Signal(object)

    def __init__(
        self,
        label: QLabel | None = None,
        parent: QObject | None = None,
        *,
        watch_factory: WatchFactory = ReaderWatch,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("reader_status")
        self._label = label
        self.snapshot: ReaderSnapshot | None = None
        self._running = False
        self._watch = watch_factory(self._from_watch_thread)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.stop)
        if label is not None:
            label.setText("カードリーダー: 確認中…")

    def start(self) -> None:
        """Begin watching (once)."""
        if not self._running:
            self._running = True
            self._watch.start()

    def stop(self) -> None:
        """Stop the watch and wait for its thread (idempotent)."""
        if self._running:
            self._running = False
            self._watch.stop()

    @property
    def running(self) -> bool:
        """True between ``start`` and ``stop``."""
        return self._running

    def _from_watch_thread(self, snapshot: ReaderSnapshot) -> None:
        post_to_gui(lambda: self._deliver(snapshot))

    def _deliver(self, snapshot: ReaderSnapshot) -> None:
        if not shiboken6.isValid(self) or not self._running:
            return
        problem = type(snapshot.problem).__name__ if snapshot.problem is not None else None
        last = self.snapshot.problem if self.snapshot is not None else None
        if problem is not None and problem != (type(last).__name__ if last else None):
            log.info("card reader problem: %s", problem)
        self.snapshot = snapshot
        if self._label is not None and shiboken6.isValid(self._label):
            self._label.setText(describe(snapshot))
            self._label.setToolTip(str(snapshot.problem) if snapshot.problem else "")
        self.changed.emit(snapshot)
