"""Typing into widgets as a person at a Japanese counter does.

ASCII goes through key events; Japanese text arrives the way an IME delivers it: a
QInputMethodEvent with the committed string (QTest cannot send non-ASCII key clicks).
"""

from __future__ import annotations

from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication, QLineEdit
from pytestqt.qtbot import QtBot


def type_text(qtbot: QtBot, widget: QLineEdit, text: str, *, clear: bool = True) -> None:
    """Type ``text`` into ``widget``: ASCII runs as key clicks, the rest as IME commits."""
    if clear:
        widget.selectAll()
        widget.del_()
    run = ""
    for char in text:
        if char.isascii() == (run.isascii() if run else char.isascii()):
            run += char
            continue
        _send(qtbot, widget, run)
        run = char
    if run:
        _send(qtbot, widget, run)


def _send(qtbot: QtBot, widget: QLineEdit, text: str) -> None:
    if text.isascii():
        qtbot.keyClicks(widget, text)
        return
    event = QInputMethodEvent()
    event.setCommitString(text)
    QApplication.sendEvent(widget, event)
