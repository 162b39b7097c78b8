"""Shared parts of the certificate GUI tests: a clerk at the certificate screen of a person."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from madoguchi.forms.certificate_screen import CertificateScreen
from madoguchi.forms.main_window import MainWindow
from madoguchi.widgets.printing import PdfFilePrinter
from tests.forms.intake_support import TIMEOUT, activate, key

PHOTO_ID = "P02"


def certificate_screen_of(
    qtbot: QtBot, window: MainWindow, atena_no: str, folder: Path
) -> CertificateScreen:
    """Open the person, press F7 there; the screen prints to a PDF printer in ``folder``."""
    window.open_person(atena_no)
    qtbot.waitUntil(
        lambda: (
            window.person_screen.detail is not None
            and window.person_screen.detail.summary.atena_no == atena_no
        ),
        timeout=TIMEOUT,
    )
    screen = window.certificate_screen
    assert screen is not None
    activate(qtbot, window)
    with qtbot.waitSignal(screen.loaded, timeout=TIMEOUT):
        key(qtbot, Qt.Key.Key_F7)
    assert window.tabs.currentWidget() is screen
    screen.printer = PdfFilePrinter(folder)
    screen.inputs.check_document(PHOTO_ID)
    return screen


def press(qtbot: QtBot, pressed: Qt.Key, modifier: Qt.KeyboardModifier | None = None) -> None:
    """A screen key (F5, F12 …) where the focus is."""
    key(qtbot, pressed, modifier or Qt.KeyboardModifier.NoModifier)
