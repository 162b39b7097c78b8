"""The PIN entry the resident uses (R-CARD-2, R-CARD-3): a separate dialog facing them.

Big type, digits masked as ●, the tries left, digits only and at most four. Enter submits
four digits, Backspace deletes, Esc cancels; the on-screen keys are for a touch screen and
never take the focus, so the keyboard alone always works. The PIN goes to the caller through
``pin_entered`` only: it is never logged, and the field is cleared as the dialog closes.
"""

from __future__ import annotations

from PySide6.QtCore import QRegularExpression, Qt, Signal
from PySide6.QtGui import QRegularExpressionValidator, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

PIN_LENGTH = 4
TEXT_PIN_PURPOSE = "券面事項入力補助用暗証番号（数字4桁）"
AUTH_PIN_PURPOSE = "利用者証明用電子証明書の暗証番号（数字4桁）"


class PinPad(QDialog):
    """Asks the resident for a 4-digit PIN; emits ``pin_entered(pin)`` and closes."""

    pin_entered = Signal(str)

    def __init__(self, purpose: str, tries_left: int | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pin_pad")
        self.setWindowTitle(self.tr("暗証番号の入力"))
        self.setStyleSheet("QWidget { font-size: 22px; }")
        self.purpose_label = QLabel(
            self.tr("{0}を入力して Enter を押してください").format(purpose), self
        )
        self.purpose_label.setObjectName("pin_purpose")
        self.purpose_label.setWordWrap(True)
        self.tries_label = QLabel(self)
        self.tries_label.setObjectName("pin_tries")
        self.tries_label.setStyleSheet("font-weight: bold")
        if tries_left is not None and tries_left > 0:
            self.tries_label.setText(self.tr("残り {0} 回").format(tries_left))
        self.pin_edit = QLineEdit(self)
        self.pin_edit.setObjectName("pin_edit")
        self.pin_edit.setEchoMode(QLineEdit.EchoMode.Password)
        # U+25CF ● as the mask, whatever the style's default.
        self.pin_edit.setStyleSheet("font-size: 40px; lineedit-password-character: 9679;")
        self.pin_edit.setMaxLength(PIN_LENGTH)
        self.pin_edit.setValidator(
            QRegularExpressionValidator(QRegularExpression(f"[0-9]{{0,{PIN_LENGTH}}}"), self)
        )
        self.pin_edit.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.pin_edit.setInputMethodHints(
            Qt.InputMethodHint.ImhDigitsOnly | Qt.InputMethodHint.ImhSensitiveData
        )
        self.pin_edit.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        self.pin_edit.textChanged.connect(self._typed)
        self.pin_edit.returnPressed.connect(self.submit)
        self.hint_label = QLabel(self.tr("Esc: 取消　Backspace: 1文字消去"), self)
        self.hint_label.setObjectName("pin_hint")
        self.hint_label.setStyleSheet("font-size: 14px; color: #555")
        layout = QVBoxLayout(self)
        layout.addWidget(self.purpose_label)
        layout.addWidget(self.tries_label)
        layout.addWidget(self.pin_edit)
        layout.addLayout(self._keys())
        layout.addWidget(self.hint_label)
        self.pin_edit.setFocus()

    def _keys(self) -> QGridLayout:
        grid = QGridLayout()
        labels = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "消去", "0", "決定"]
        for position, text in enumerate(labels):
            button = QPushButton(text, self)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setAutoDefault(False)
            button.setMinimumHeight(56)
            if text.isdigit():
                button.setObjectName(f"pin_key_{text}")
                button.clicked.connect(lambda _=False, digit=text: self.pin_edit.insert(digit))
            elif text == "消去":
                button.setObjectName("pin_key_backspace")
                button.clicked.connect(self.pin_edit.backspace)
            else:
                button.setObjectName("pin_key_submit")
                button.clicked.connect(self.submit)
            grid.addWidget(button, position // 3, position % 3)
        return grid

    def _typed(self, text: str) -> None:
        if len(text) < PIN_LENGTH and self.hint_label.property("warned"):
            self.hint_label.setProperty("warned", False)
            self.hint_label.setText(self.tr("Esc: 取消　Backspace: 1文字消去"))

    def showEvent(self, event: QShowEvent) -> None:
        """Focus the field whenever the pad appears."""
        super().showEvent(event)
        self.pin_edit.setFocus()

    def submit(self) -> None:
        """Hand four digits to the caller and close; fewer digits only show a hint."""
        pin = self.pin_edit.text()
        if len(pin) != PIN_LENGTH or not pin.isdigit():
            self.hint_label.setProperty("warned", True)
            self.hint_label.setText(self.tr("数字を4桁入力してください。"))
            return
        self.pin_edit.clear()
        self.accept()
        self.pin_entered.emit(pin)

    def done(self, result: int) -> None:
        """Closing for any reason leaves no PIN behind in the field."""
        self.pin_edit.clear()
        super().done(result)
