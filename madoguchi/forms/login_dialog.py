"""Sign-in dialog (demo staff for now: pick an account; passwords come with staff accounts)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from madoguchi.app.services.staff import StaffChoice


class LoginDialog(QDialog):
    """Choose a staff account; Enter signs in."""

    def __init__(self, choices: list[StaffChoice], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("住民記録 窓口端末 — ログイン"))
        self.setObjectName("login_dialog")
        self._choices = choices
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("職員を選択してログインしてください。"), self))
        form = QFormLayout()
        self.staff_combo = QComboBox(self)
        self.staff_combo.setObjectName("staff_combo")
        for choice in choices:
            self.staff_combo.addItem(
                f"{choice.staff_no}  {choice.name}  [{choice.role_labels}]  {choice.office}",
                choice.staff_no,
            )
        form.addRow(self.tr("職員(&S)"), self.staff_combo)
        layout.addLayout(form)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("ログイン"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("終了"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.error_label = QLabel(self)
        self.error_label.setObjectName("login_error")
        self.error_label.setStyleSheet("color: #b00020")
        layout.addWidget(self.error_label)

    def select_staff(self, staff_no: str) -> None:
        """Pre-select an account (tests, ``--staff`` on the command line)."""
        index = self.staff_combo.findData(staff_no)
        if index >= 0:
            self.staff_combo.setCurrentIndex(index)

    def selected_staff_no(self) -> str:
        """The chosen account's staff number."""
        return str(self.staff_combo.currentData())
