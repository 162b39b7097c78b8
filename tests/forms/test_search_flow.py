"""The search → person → household flow driven through the real widgets (pytest-qt)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from madoguchi.app.domain.permissions import Role
from madoguchi.app.domain.wareki import RegisterDate
from madoguchi.app.services.counter import CounterServices
from madoguchi.forms.main_window import MainWindow
from madoguchi.storage.models import Person
from madoguchi.storage.store import LocalStore
from madoguchi.widgets.register_tables import person_table_model
from tests.helpers.stores import (
    context,
    household_with_removed_member,
    saito_birth_with_most_spellings,
)
from tests.helpers.typing import type_text


@pytest.fixture
def window(qtbot: QtBot, demo_store: LocalStore) -> MainWindow:
    services = CounterServices.build(demo_store, "TEST-T01")
    main = MainWindow(services, context(Role.CLERK))
    qtbot.addWidget(main)
    main.show()
    main.show_search()
    return main


def type_into(qtbot: QtBot, widget: QLineEdit, text: str) -> None:
    type_text(qtbot, widget, text)


def names_in_results(window: MainWindow) -> list[str]:
    model = window.search_screen.model
    return [model.row_at(r).name for r in range(model.rowCount())]


def search(qtbot: QtBot, window: MainWindow, **fields: str) -> None:
    screen = window.search_screen
    for name, text in fields.items():
        type_into(qtbot, getattr(screen, f"{name}_edit"), text)
    with qtbot.waitSignal(screen.search_finished, timeout=10_000):
        qtbot.keyClick(screen.name_edit, Qt.Key.Key_Return)


def test_one_item_search_is_refused_with_its_reason(qtbot: QtBot, window: MainWindow) -> None:
    screen = window.search_screen
    type_into(qtbot, screen.name_edit, "サイトウ")
    with qtbot.waitSignal(screen.search_refused, timeout=10_000) as blocker:
        qtbot.keyClick(screen.name_edit, Qt.Key.Key_Return)
    assert "2項目以上" in blocker.args[0]
    assert screen.message_label.text() == blocker.args[0]
    assert screen.model.rowCount() == 0


def test_saito_and_birth_date_finds_every_spelling(
    qtbot: QtBot, window: MainWindow, demo_store: LocalStore
) -> None:
    birth, expected = saito_birth_with_most_spellings(demo_store)
    search(qtbot, window, name="サイトウ", birth=RegisterDate.from_iso(birth).display())
    found = {name.split("　")[0] for name in names_in_results(window)}
    assert expected <= found


def test_hamada_finds_both_spellings(
    qtbot: QtBot, window: MainWindow, demo_store: LocalStore
) -> None:
    with demo_store.transaction() as session:
        hamadas = session.scalars(select(Person).where(Person.family_name_kana == "ハマダ")).all()
    seen: set[str] = set()
    for person in hamadas:
        search(
            qtbot, window, name="ハマダ", birth=RegisterDate.from_iso(person.birth_date).display()
        )
        seen |= {n.split("　")[0] for n in names_in_results(window)}
    assert {"浜田", "濱田"} <= seen


def test_removed_persons_are_marked_and_household_shows_them(
    qtbot: QtBot, window: MainWindow, demo_store: LocalStore
) -> None:
    household_no = household_with_removed_member(demo_store)
    with demo_store.transaction() as session:
        removed = session.scalars(
            select(Person).where(Person.household_no == household_no, Person.status == "removed")
        ).first()
    assert removed is not None
    search(qtbot, window, atena=removed.atena_no)
    model = window.search_screen.model
    assert model.rowCount() == 1
    assert model.data(model.index(0, 0)) == "除票"
    assert model.data(model.index(0, 0), Qt.ItemDataRole.ForegroundRole) is not None

    # Enter opens the person; F6 opens the household, which lists the removed member.
    with qtbot.waitSignal(window.search_screen.person_requested):
        qtbot.keyClick(window.search_screen.results, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.tabs.currentWidget() is window.person_screen, timeout=10_000)
    assert window.person_screen.status_badge.text().strip() == "除票"
    qtbot.keyClick(window.person_screen, Qt.Key.Key_F6)
    qtbot.waitUntil(lambda: window.tabs.currentWidget() is window.household_screen, timeout=10_000)
    members = window.household_screen.members_model
    statuses = {
        members.row_at(r).atena_no: members.row_at(r).status_label
        for r in range(members.rowCount())
    }
    assert statuses[removed.atena_no] == "除票"
    assert "現" not in statuses.values()
    assert any(label == "住民" for label in statuses.values())


def test_person_table_model_passes_the_model_tester(
    qtmodeltester, window: MainWindow, qtbot: QtBot, demo_store: LocalStore
) -> None:  # type: ignore[no-untyped-def]
    with demo_store.transaction() as session:
        atena_no = session.scalars(select(Person.atena_no)).first()
    assert atena_no is not None
    search(qtbot, window, atena=atena_no)
    model = person_table_model(window)
    qtmodeltester.check(model)
    model.set_rows(
        [window.search_screen.model.row_at(r) for r in range(window.search_screen.model.rowCount())]
    )
    qtmodeltester.check(model)
