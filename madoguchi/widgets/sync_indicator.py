"""The sync segment of the status bar (R-SYNC-3, R-UI-2): online or offline, how many ops wait
and since when, and whether anything needs a supervisor.

The sync worker reports from its own thread after every cycle; this object carries each
report to the GUI thread, re-emits it as ``changed`` and keeps the label current. A timer
re-describes the last report every few seconds, so the age of the oldest unsent op keeps
growing on screen while the centre stays away.
"""

from __future__ import annotations

from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal
from PySide6.QtWidgets import QLabel

from madoguchi.app.context import Clock
from madoguchi.app.services.sync_control import SyncControl
from madoguchi.app.services.sync_status import SyncStatusLine, describe
from madoguchi.storage.sync import SyncStatus
from madoguchi.widgets.background import Op, post_to_gui

REDESCRIBE_MS = 15_000
WARN_STYLE = "color: #a30000; font-weight: bold;"


class SyncIndicator(QObject):
    """Shows ``control``'s status in ``label``; emits ``changed(SyncStatusLine)``."""

    changed = Signal(object)

    def __init__(
        self,
        control: SyncControl,
        clock: Clock,
        label: QLabel | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("sync_indicator")
        self._control = control
        self._clock = clock
        self._label = label
        self.status: SyncStatus | None = None
        self.line: SyncStatusLine | None = None
        self._unsubscribe: Callable[[], None] | None = control.subscribe(self._from_worker)
        self._timer = QTimer(self)
        self._timer.setInterval(REDESCRIBE_MS)
        self._timer.timeout.connect(self._redescribe)
        self._timer.start()
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.stop)
        if label is not None:
            label.setText(self.tr("同期: 確認中…"))
        Op(self, control.status).success(self._deliver).run()

    def stop(self) -> None:
        """Stop listening to the worker (idempotent); the worker itself is the owner's."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if shiboken6.isValid(self._timer):
            self._timer.stop()

    def refresh(self) -> None:
        """Read the status now (after a local write, before the next cycle)."""
        Op(self, self._control.status).success(self._deliver).run()

    def _from_worker(self, status: SyncStatus) -> None:
        post_to_gui(lambda: self._deliver(status))

    def _redescribe(self) -> None:
        if self.status is not None:
            self._show(self.status)

    def _deliver(self, status: SyncStatus) -> None:
        if not shiboken6.isValid(self) or self._unsubscribe is None:
            return
        self.status = status
        self._show(status)

    def _show(self, status: SyncStatus) -> None:
        line = describe(status, self._clock.now().replace(tzinfo=None))
        self.line = line
        if self._label is not None and shiboken6.isValid(self._label):
            self._label.setText(self.tr("同期: {0}").format(line.text))
            self._label.setToolTip(line.tooltip)
            self._label.setStyleSheet(WARN_STYLE if line.warn else "")
        self.changed.emit(line)
