"""Sign-in: staff number, password, and the one-time code when the account has one.

The dialog asks the AuthService (on the database thread) and reacts to its answer: a
refusal shows its reason, a second factor shows the code field, an expired password opens
the change-password dialog. Only success closes the dialog.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from madoguchi.app.context import ServiceContext
from madoguchi.app.services.auth import AuthService, PasswordExpired, SecondFactorRequired
from madoguchi.app.services.passwords import MIN_LENGTH
from madoguchi.widgets.background import Op
from madoguchi.widgets.credentials import CredentialsForm
from madoguchi.widgets.messages import is_user_error, message_bridge


class ChangePasswordDialog(QDialog):
    """New password, twice."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("パスワードの変更"))
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(
                self.tr("新しいパスワードを{0}文字以上で入力してください。").format(MIN_LENGTH),
                self,
            )
        )
        self.new_edit = QLineEdit(self)
        self.new_edit.setObjectName("new_password_edit")
        self.new_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.repeat_edit = QLineEdit(self)
        self.repeat_edit.setObjectName("repeat_password_edit")
        self.repeat_edit.setEchoMode(QLineEdit.EchoMode.Password)
        layout.addWidget(self.new_edit)
        layout.addWidget(self.repeat_edit)
        self.error_label = QLabel(self)
        self.error_label.setStyleSheet("color: #b00020")
        layout.addWidget(self.error_label)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _check(self) -> None:
        if self.new_edit.text() != self.repeat_edit.text():
            self.error_label.setText(self.tr("2回入力したパスワードが一致しません。"))
            return
        self.accept()


class LoginDialog(QDialog):
    """Sign in; ``context`` holds the ServiceContext once accepted."""

    def __init__(
        self, auth: AuthService, parent: QWidget | None = None, *, hint: str | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("住民記録 窓口端末 — ログイン"))
        self.setObjectName("login_dialog")
        self._auth = auth
        self.context: ServiceContext | None = None
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("職員番号とパスワードを入力してください。"), self))
        if hint:
            hint_label = QLabel(hint, self)
            hint_label.setObjectName("login_hint")
            hint_label.setStyleSheet("color: #555")
            layout.addWidget(hint_label)
        self.form = CredentialsForm(with_staff_no=True, parent=self)
        layout.addWidget(self.form)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("ログイン"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("終了"))
        self.buttons.accepted.connect(self.attempt)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.error_label = self.form.error_label
        self.form.staff_edit.setFocus()

    def select_staff(self, staff_no: str) -> None:
        """Pre-fill the staff number (``--staff`` on the command line)."""
        self.form.staff_edit.setText(staff_no)
        self.form.password_edit.setFocus()

    def attempt(self) -> None:
        """Ask the service; the answer arrives on the GUI thread."""
        staff_no = self.form.staff_edit.text().strip()
        password = self.form.password_edit.text()
        code = self.form.code()
        self.buttons.setEnabled(False)
        auth = self._auth
        Op(self, lambda: auth.login(staff_no, password, code)).success(self._signed_in).failure(
            lambda exc: self._refused(exc, staff_no, password)
        ).run()

    def _signed_in(self, ctx: ServiceContext) -> None:
        self.form.clear_secrets()
        self.context = ctx
        self.buttons.setEnabled(True)
        self.accept()

    def _refused(self, exc: BaseException, staff_no: str, password: str) -> None:
        self.buttons.setEnabled(True)
        if not is_user_error(exc):
            self.form.clear_secrets()
            message_bridge().report_exception(exc)
            return
        self.form.error_label.setText(str(exc))
        if isinstance(exc, SecondFactorRequired):
            self.form.show_code(True)
            return
        if isinstance(exc, PasswordExpired):
            self._change_password(staff_no, password)
            return
        self.form.clear_secrets()
        self.form.password_edit.setFocus()

    def _change_password(self, staff_no: str, old_password: str) -> None:
        dialog = ChangePasswordDialog(self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            self.form.clear_secrets()
            return
        new_password = dialog.new_edit.text()
        code = self.form.code()
        auth = self._auth

        def changed(_: object) -> None:
            self.form.password_edit.setText(new_password)
            self.form.code_edit.clear()
            self.form.error_label.setText(self.tr("パスワードを変更しました。"))
            self.attempt()

        Op(self, lambda: auth.change_password(staff_no, old_password, new_password, code)).success(
            changed
        ).failure(lambda exc: self._refused(exc, staff_no, old_password)).run()
