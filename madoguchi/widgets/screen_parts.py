"""Small parts every screen uses: an action button and the screen's own message line.

A screen keeps its messages on a line of its own (``MessageLine``) and says a refusal there
in the error style, emitting its ``failed`` signal for tests; anything that is not a user
error is a bug and goes to the crash dialog (``report_failure``).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QLabel, QPushButton, QWidget

from madoguchi.widgets.messages import is_user_error, message_bridge

ERROR_STYLE = "color: #b00020; font-weight: bold"


def action_button(parent: QWidget, name: str, text: str, slot: Callable[[], object]) -> QPushButton:
    """A button named ``name`` (tests find it by it) that Enter presses when it has focus."""
    button = QPushButton(parent.tr(text), parent)
    button.setObjectName(name)
    button.setAutoDefault(True)
    button.clicked.connect(slot)
    return button


class MessageLine(QLabel):
    """The screen's message: neutral, or a refusal in the error style."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setWordWrap(True)

    def say(self, text: str) -> None:
        """A neutral message."""
        self.setStyleSheet("")
        self.setText(text)

    def refuse(self, text: str) -> None:
        """A refusal the user can act on."""
        self.setStyleSheet(ERROR_STYLE)
        self.setText(text)


def report_failure(
    exc: BaseException, refused: Callable[[str], None], line: QLabel | None = None
) -> None:
    """A failed background operation: a user error is ``refused`` with its text; anything
    else is a bug, reported (and ``line`` cleared)."""
    if is_user_error(exc):
        refused(str(exc))
        return
    if line is not None:
        line.clear()
    message_bridge().report_exception(exc)
