"""Shared parts of the intake GUI tests: a window on a private store, keys, what was saved."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from madoguchi.app.context import FixedClock
from madoguchi.app.domain.permissions import Role
from madoguchi.app.services.counter import CounterServices
from madoguchi.forms.intake_screen import IntakeScreen
from madoguchi.forms.main_window import MainWindow
from madoguchi.storage.models import Draft, Household, Person
from madoguchi.storage.store import LocalStore
from tests.helpers.stores import FIXED_NOW, context

TIMEOUT = 10_000
MOUSE_EVENTS = frozenset(
    {
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseButtonRelease,
        QEvent.Type.MouseButtonDblClick,
    }
)


class MouseGuard(QObject):
    """Installed on the application: records every mouse click anywhere (there must be none)."""

    def __init__(self) -> None:
        super().__init__()
        self.clicks: list[str] = []

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in MOUSE_EVENTS:
            self.clicks.append(f"{event.type().name} on {watched.objectName() or watched}")
        return False


def counter_services(store: LocalStore) -> CounterServices:
    """The counter's services on ``store`` with the clock fixed at FIXED_NOW."""
    return CounterServices.build(store, "TEST-T01", FixedClock(FIXED_NOW))


def open_window(qtbot: QtBot, store: LocalStore, role: Role, staff_no: str) -> MainWindow:
    """The main window of a staff member with ``role``, shown and active."""
    window = MainWindow(counter_services(store), context(role, staff_no=staff_no))
    qtbot.addWidget(window)
    window.show()
    activate(qtbot, window)
    return window


def activate(qtbot: QtBot, widget: QWidget) -> None:
    """Make ``widget``'s window the active one (what the window manager does)."""
    window = widget.window()
    with qtbot.waitActive(window):
        window.activateWindow()
    # The platform window is active first; QApplication learns it on the next events.
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=TIMEOUT)


def intake_of(qtbot: QtBot, window: MainWindow) -> IntakeScreen:
    """Ctrl+4, then wait for the screen's reference data."""
    qtbot.keyClick(window, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
    screen = window.intake_screen
    assert screen is not None and window.tabs.currentWidget() is screen
    qtbot.waitUntil(lambda: bool(screen.towns), timeout=TIMEOUT)
    return screen


def focused() -> QWidget:
    """The widget with the keyboard focus."""
    widget = QApplication.focusWidget()
    assert widget is not None, "nothing has the focus"
    return widget


def key(
    qtbot: QtBot,
    pressed: Qt.Key | str,
    modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier,
) -> None:
    """Press a key where the focus is."""
    qtbot.keyClick(focused(), pressed, modifier)


def enter(qtbot: QtBot, times: int = 1) -> None:
    """Press Enter where the focus is, ``times`` times."""
    for _ in range(times):
        key(qtbot, Qt.Key.Key_Return)


@dataclass(frozen=True)
class RegisterCounts:
    """How big the register is, and whether a number is in it."""

    persons: int
    households: int
    numbers_found: int


def register_counts(store: LocalStore, numbers: list[str]) -> RegisterCounts:
    """Persons, households and how many of ``numbers`` are 個人番号 in ``persons``."""
    with store.transaction() as session:
        return RegisterCounts(
            session.scalar(select(func.count()).select_from(Person)) or 0,
            session.scalar(select(func.count()).select_from(Household)) or 0,
            session.scalar(
                select(func.count())
                .select_from(Person)
                .where(Person.individual_number.in_(numbers))
            )
            or 0,
        )


def drafts_by(store: LocalStore, staff_no: str) -> list[Draft]:
    """Every draft a staff member made, oldest first (detached copies)."""
    with store.transaction() as session:
        drafts = list(
            session.scalars(
                select(Draft).where(Draft.maker_staff_no == staff_no).order_by(Draft.created_at)
            )
        )
        session.expunge_all()
        return drafts
