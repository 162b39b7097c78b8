"""The frame of a dialog that proposes a draft for a supervisor (修正, 取消): a message line,
起票 (F12) and 閉じる (Esc), Enter that advances field by field and saves in the last one, and
the background save that closes on success and shows the service's refusal otherwise."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QWidget

from madoguchi.widgets.background import Op
from madoguchi.widgets.messages import is_user_error, message_bridge

ERROR_STYLE = "color: #b00020; font-weight: bold"


class ProposalDialog(QDialog):
    """Base of the proposal dialogs; ``proposed(draft_id)`` once the service saved the draft.

    A subclass builds its fields, adds ``message`` and ``button_row()`` to its layout, names
    its last field with ``set_last_field`` (Enter there saves) and implements ``work``.
    """

    proposed = Signal(str)
    refused = Signal(str)

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self._last_field: QWidget | None = None
        self.message = QLabel(self)
        self.message.setObjectName(f"{name}_message")
        self.message.setWordWrap(True)
        self.submit_button = QPushButton(self.tr("起票 (F12)"), self)
        self.submit_button.setObjectName(f"{name}_submit")
        self.submit_button.clicked.connect(self.submit)
        self.close_button = QPushButton(self.tr("閉じる (Esc)"), self)
        self.close_button.setObjectName(f"{name}_close")
        self.close_button.clicked.connect(self.reject)
        for button in (self.submit_button, self.close_button):
            # Enter is handled below: no button is pressed by Enter in a text field.
            button.setAutoDefault(False)
        QShortcut(QKeySequence(Qt.Key.Key_F12), self, self.submit)

    def button_row(self) -> QHBoxLayout:
        """起票 and 閉じる, right-aligned."""
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.submit_button)
        row.addWidget(self.close_button)
        return row

    def set_last_field(self, field: QWidget) -> None:
        """The field in which Enter saves instead of moving on."""
        self._last_field = field

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Enter advances through the fields, saves in the last one, presses a button."""
        if event.key() not in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            super().keyPressEvent(event)
            return
        focused = self.focusWidget()
        if isinstance(focused, QPushButton):
            focused.click()
        elif focused is not None and focused is self._last_field:
            self.submit()
        else:
            self.focusNextChild()

    def work(self) -> Callable[[], str]:
        """The service call that saves the draft and returns its id (run off the GUI thread)."""
        raise NotImplementedError

    def submit(self) -> None:
        """Save the draft in the background."""
        if not self.submit_button.isEnabled():
            return
        work = self.work()
        self.submit_button.setEnabled(False)
        self.message.setStyleSheet("")
        self.message.setText(self.tr("起票しています…"))
        Op(self, work).success(self._saved).failure(self._failed).run()

    def _saved(self, draft_id: str) -> None:
        self.proposed.emit(draft_id)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.submit_button.setEnabled(True)
        if not is_user_error(exc):
            self.message.clear()
            message_bridge().report_exception(exc)
            return
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.setText(str(exc))
        self.refused.emit(str(exc))
