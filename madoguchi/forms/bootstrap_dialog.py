"""初期取込: a new terminal's replica is filled from the centre, with progress and cancel
(R-SYNC-5, R-UI-3).

The copy runs on a thread of its own; the dialog shows the table, the rows done and the time
so far. Cancel stops between two chunks: what was copied stays, and the next start resumes
there. Losing the centre does the same, with the reason on screen.
"""

from __future__ import annotations

import threading

import shiboken6
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from madoguchi.app.services.sync_control import SyncControl
from madoguchi.storage.sync import BootstrapCancelled, BootstrapProgress, BootstrapReport
from madoguchi.widgets.background import post_to_gui

TABLE_NAMES = {
    "ref_change_reasons": "異動事由",
    "ref_towns": "町字",
    "households": "世帯",
    "persons": "住民",
    "change_history": "異動履歴",
    "individual_items": "個別事項",
    "alias_history": "通称履歴",
    "drafts": "仮登録",
    "staff": "職員",
    "terminals": "端末",
    "index": "検索用索引の作成",
}
STEPS = 1000


class BootstrapDialog(QDialog):
    """Runs one bootstrap; ``accepted`` when the replica is ready, ``rejected`` otherwise."""

    progressed = Signal(object)
    finished_with = Signal(object)

    def __init__(self, control: SyncControl, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("bootstrap_dialog")
        self.setWindowTitle(self.tr("センターからの初期取込"))
        self.setModal(True)
        self._control = control
        self._cancel = threading.Event()
        self._thread: threading.Thread | None = None
        self.report: BootstrapReport | None = None
        self.error: str | None = None
        self.explain = QLabel(
            self.tr(
                "この端末の住民記録の複製をセンターから取り込んでいます。中断しても、"
                "次回の起動時に続きから再開します。"
            ),
            self,
        )
        self.explain.setWordWrap(True)
        self.bar = QProgressBar(self)
        self.bar.setObjectName("bootstrap_progress")
        self.bar.setRange(0, STEPS)
        self.detail = QLabel(self.tr("センターに接続しています…"), self)
        self.detail.setObjectName("bootstrap_detail")
        self.cancel_button = QPushButton(self.tr("中断(&C)"), self)
        self.cancel_button.setObjectName("bootstrap_cancel")
        self.cancel_button.clicked.connect(self.cancel)
        layout = QVBoxLayout(self)
        layout.addWidget(self.explain)
        layout.addWidget(self.bar)
        layout.addWidget(self.detail)
        layout.addWidget(self.cancel_button)
        self.resize(560, 180)

    def start(self) -> None:
        """Begin the copy (once)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="madoguchi-bootstrap")
            self._thread.start()

    def exec(self) -> int:
        """Start and wait for the outcome."""
        self.start()
        return super().exec()

    def cancel(self) -> None:
        """Stop after the chunk being written; the copy resumes at the next start."""
        self._cancel.set()
        self.cancel_button.setEnabled(False)
        self.detail.setText(self.tr("中断しています…"))

    def reject(self) -> None:
        """Escape or closing the window cancel, and the dialog waits for the copy to stop."""
        if self._thread is not None and self._thread.is_alive():
            self.cancel()
            return
        super().reject()

    def wait(self, timeout: float | None = None) -> None:
        """Wait for the copy's thread (tests, shutdown)."""
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        try:
            report = self._control.bootstrap(progress=self._from_thread, cancel=self._cancel)
        except BootstrapCancelled as stopped:
            said = str(stopped)
            post_to_gui(lambda: self._done(None, said))
        except Exception as problem:  # CentreUnavailable and the rest: said on screen
            text = str(problem) or type(problem).__name__
            post_to_gui(lambda: self._done(None, text))
        else:
            post_to_gui(lambda: self._done(report, None))

    def _from_thread(self, progress: BootstrapProgress) -> None:
        post_to_gui(lambda: self._show(progress))

    def _show(self, progress: BootstrapProgress) -> None:
        if not shiboken6.isValid(self):
            return
        self.bar.setValue(int(progress.fraction * STEPS))
        name = TABLE_NAMES.get(progress.table, progress.table)
        self.detail.setText(
            self.tr("{0} {1:,}/{2:,}　全体 {3:.0%}　経過 {4:.0f} 秒").format(
                name,
                progress.table_done,
                progress.table_total,
                progress.fraction,
                progress.seconds,
            )
        )
        self.progressed.emit(progress)

    def _done(self, report: BootstrapReport | None, error: str | None) -> None:
        if not shiboken6.isValid(self):
            return
        self.report, self.error = report, error
        self.finished_with.emit(report if report is not None else error)
        if report is not None:
            self.bar.setValue(STEPS)
            self.accept()
        else:
            self.detail.setText(error or "")
            super().reject()
