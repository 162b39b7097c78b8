"""Masking through the real widgets (R-MASK-1…3): a clerk never sees the numbers anywhere;
a supervisor reveals one for one person with a reason, and it masks itself again."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QApplication,
    QInputDialog,
    QWidget,
)
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from madoguchi.app.context import ServiceContext
from madoguchi.app.demo_city.credentials import DEMO_PASSWORD
from madoguchi.app.domain.individual_number import MASK
from madoguchi.app.domain.permissions import Role
from madoguchi.app.services.counter import CounterServices
from madoguchi.app.services.masking import REVEAL_SECONDS
from madoguchi.forms.login_dialog import LoginDialog
from madoguchi.forms.main_window import MainWindow
from madoguchi.storage.audit import audit_entries
from madoguchi.storage.models import Person
from madoguchi.storage.store import LocalStore
from tests.helpers.stores import context
from tests.helpers.typing import type_text
from tests.helpers.widgets import all_visible_text


def person_with_family(store: LocalStore) -> Person:
    with store.transaction() as session:
        return session.scalars(
            select(Person).where(
                Person.individual_number.is_not(None),
                Person.resident_code.is_not(None),
                Person.status == "current",
                Person.relationship == "世帯主",
            )
        ).first()  # type: ignore[return-value]


def open_person_and_household(qtbot: QtBot, window: MainWindow, person: Person) -> None:
    assert window.search_screen is not None
    window.search_screen.atena_edit.setText(person.atena_no)
    with qtbot.waitSignal(window.search_screen.search_finished, timeout=10_000):
        window.search_screen.run_search()
    window.open_person(person.atena_no)
    qtbot.waitUntil(lambda: window.tabs.currentWidget() is window.person_screen, timeout=10_000)
    window.open_household(person.household_no)
    qtbot.waitUntil(lambda: window.tabs.currentWidget() is window.household_screen, timeout=10_000)


def log_in(qtbot: QtBot, services: CounterServices, staff_no: str) -> ServiceContext:
    """Sign in through the real login dialog with the demo password."""
    dialog = LoginDialog(services.auth)
    qtbot.addWidget(dialog)
    dialog.show()
    type_text(qtbot, dialog.form.staff_edit, staff_no)
    type_text(qtbot, dialog.form.password_edit, DEMO_PASSWORD)
    with qtbot.waitSignal(dialog.accepted, timeout=10_000):
        qtbot.keyClick(dialog.form.password_edit, Qt.Key.Key_Return)
    assert dialog.context is not None
    return dialog.context


def test_a_clerk_never_sees_the_numbers(qtbot: QtBot, demo_store: LocalStore) -> None:
    person = person_with_family(demo_store)
    services = CounterServices.build(demo_store, "TEST-T01")
    ctx = log_in(qtbot, services, "S0001")
    assert ctx.actor.roles == {Role.CLERK}
    window = MainWindow(services, ctx)
    qtbot.addWidget(window)
    window.show()
    open_person_and_household(qtbot, window, person)
    with demo_store.transaction() as session:
        members = session.scalars(
            select(Person).where(Person.household_no == person.household_no)
        ).all()
    text = all_visible_text(window)
    assert person.family_name in text  # the walk does see the screens' contents
    for member in members:
        for secret in (member.individual_number, member.resident_code):
            if secret:
                assert secret not in text, f"a restricted number of {member.atena_no} is on screen"
    assert window.person_screen.findChildren(QWidget, "reveal_individual_number") == []
    assert window.search_screen is not None
    assert not window.search_screen.individual_number_edit.isVisible()


def answer_next_input_dialog(text: str) -> None:
    def fill() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, QInputDialog)
        dialog.setTextValue(text)
        dialog.accept()

    QTimer.singleShot(0, fill)


def test_a_supervisor_reveals_one_number_which_masks_again(
    qtbot: QtBot, demo_store: LocalStore
) -> None:
    assert REVEAL_SECONDS == 30
    person = person_with_family(demo_store)
    services = CounterServices.build(demo_store, "TEST-T01")
    ctx = log_in(qtbot, services, "S0005")
    assert ctx.actor.roles == {Role.SUPERVISOR}
    window = MainWindow(services, ctx)
    qtbot.addWidget(window)
    window.show()
    open_person_and_household(qtbot, window, person)
    window.tabs.setCurrentWidget(window.person_screen)
    window.person_screen.reveal_seconds = 0.5  # the real timeout is 30 s (asserted above)
    label = window.person_screen.masked_labels["individual_number"]
    assert label.text() == MASK

    answer_next_input_dialog("本人からの申出の確認")
    button = window.person_screen.findChild(QWidget, "reveal_individual_number")
    button.click()  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: label.text() == person.individual_number, timeout=10_000)
    assert person.resident_code not in all_visible_text(window)  # only the one item
    with qtbot.waitSignal(label.remasked, timeout=5_000):
        pass
    assert label.text() == MASK
    with demo_store.transaction() as session:
        entry = [e for e in audit_entries(session, action="reveal") if e.staff_no == "S0005"][-1]
    assert entry.target_persons == [person.atena_no] and entry.purpose == "本人からの申出の確認"


def test_leaving_the_person_masks_again(qtbot: QtBot, demo_store: LocalStore) -> None:
    person = person_with_family(demo_store)
    window = MainWindow(CounterServices.build(demo_store, "TEST-T01"), context(Role.SUPERVISOR))
    qtbot.addWidget(window)
    window.show()
    open_person_and_household(qtbot, window, person)
    window.tabs.setCurrentWidget(window.person_screen)
    label = window.person_screen.masked_labels["individual_number"]
    answer_next_input_dialog("窓口での本人確認")
    window.person_screen.findChild(QWidget, "reveal_individual_number").click()  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: label.revealed, timeout=10_000)
    window.show_search()
    assert label.text() == MASK
