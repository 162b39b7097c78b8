"""The lock screen (R-ROLE-5): no personal data, only who is signed in and how to unlock."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from madoguchi.widgets.credentials import CredentialsForm


class LockScreen(QWidget):
    """Shows the signed-in staff member and asks for their password (and code)."""

    unlock_requested = Signal(str, object)  # password, code or None

    def __init__(self, staff_label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lock_screen")
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        title = QLabel(self.tr("画面をロックしています"), self)
        title.setStyleSheet("font-size: 22px; font-weight: bold")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        who = QLabel(
            self.tr("{0} がログイン中です。解除するにはパスワードを入力してください。").format(
                staff_label
            ),
            self,
        )
        who.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.form = CredentialsForm(with_staff_no=False, parent=self)
        self.form.setMaximumWidth(420)
        self.unlock_button = QPushButton(self.tr("ロック解除(&U)"), self)
        self.unlock_button.setObjectName("unlock_button")
        self.unlock_button.clicked.connect(self._request)
        self.form.password_edit.returnPressed.connect(self._request)
        self.form.code_edit.returnPressed.connect(self._request)
        layout.addWidget(title)
        layout.addWidget(who)
        layout.addWidget(self.form, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self.unlock_button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(2)

    def _request(self) -> None:
        self.unlock_button.setEnabled(False)
        self.unlock_requested.emit(self.form.password_edit.text(), self.form.code())

    def refused(self, text: str, *, ask_code: bool) -> None:
        """Show why unlocking failed."""
        self.unlock_button.setEnabled(True)
        self.form.error_label.setText(text)
        if ask_code:
            self.form.show_code(True)
        else:
            self.form.clear_secrets()
            self.form.password_edit.setFocus()

    def reset(self) -> None:
        """Empty state for the next lock."""
        self.unlock_button.setEnabled(True)
        self.form.clear_secrets()
        self.form.error_label.clear()
        self.form.show_code(False)
        self.form.password_edit.setFocus()
