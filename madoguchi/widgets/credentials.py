"""The credential fields shared by the login dialog and the lock screen.

The password field never echoes and is cleared after every attempt; the one-time code field
appears when the service says the account needs it.
"""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QWidget


class CredentialsForm(QWidget):
    """Staff number (optional), password and one-time code, with an error line."""

    def __init__(self, *, with_staff_no: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QFormLayout(self)
        self.staff_edit = QLineEdit(self)
        self.staff_edit.setObjectName("staff_edit")
        self.staff_edit.setPlaceholderText(self.tr("例: S0001"))
        self.password_edit = QLineEdit(self)
        self.password_edit.setObjectName("password_edit")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.code_edit = QLineEdit(self)
        self.code_edit.setObjectName("code_edit")
        self.code_edit.setPlaceholderText(self.tr("6桁の数字"))
        self.code_edit.setMaxLength(6)
        self.code_label = QLabel(self.tr("ワンタイムパスワード(&O)"), self)
        self.code_label.setBuddy(self.code_edit)
        if with_staff_no:
            layout.addRow(self.tr("職員番号(&S)"), self.staff_edit)
        else:
            self.staff_edit.hide()
        layout.addRow(self.tr("パスワード(&P)"), self.password_edit)
        layout.addRow(self.code_label, self.code_edit)
        self.error_label = QLabel(self)
        self.error_label.setObjectName("credentials_error")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #b00020")
        layout.addRow(self.error_label)
        self.show_code(False)

    def show_code(self, visible: bool) -> None:
        """Show or hide the one-time code row."""
        self.code_label.setVisible(visible)
        self.code_edit.setVisible(visible)
        if visible:
            self.code_edit.setFocus()

    def code(self) -> str | None:
        """The typed code, or None when the row is hidden or empty."""
        text = self.code_edit.text().strip()
        return text if self.code_edit.isVisible() and text else None

    def clear_secrets(self) -> None:
        """Forget the typed password and code."""
        self.password_edit.clear()
        self.code_edit.clear()
