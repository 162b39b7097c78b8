"""The admin screen driven through its widgets (pytest-qt) on a fresh store (R-ROLE-2, 3)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from madoguchi.app.domain.permissions import PERMISSIONS, ROLE_LABELS, Action, Role
from madoguchi.app.services.admin import AdminService
from madoguchi.app.services.passwords import verify_password
from madoguchi.forms.admin_screen import AdminDialog, AdminScreen
from madoguchi.storage.models import StaffMember, Terminal
from madoguchi.storage.store import LocalStore
from madoguchi.widgets.background import database_executor
from tests.helpers.stores import context, copy_store
from tests.helpers.typing import type_text

ADMIN = "A001"
PASSWORD = "Kaisatsu-Sakura-2026"


def account(staff_no: str, role: Role) -> StaffMember:
    return StaffMember(
        staff_no=staff_no,
        name=f"職員 {staff_no}",
        office="本庁舎 市民課",
        roles=[role.value],
        valid_from=dt.date(2020, 4, 1),
        valid_until=None,
        disabled=False,
        failed_logins=0,
        row_version=1,
    )


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStore]:
    store = LocalStore.open(tmp_path_factory.mktemp("admin-gui") / "template.db", create=True)
    with store.transaction() as session:
        session.add_all(
            [
                account(ADMIN, Role.ADMIN),
                account("C001", Role.CLERK),
                account("K001", Role.CONTRACTOR),
                account("S001", Role.SUPERVISOR),
                Terminal(terminal_id="TEST-T01", office="本庁舎", description="1番窓口"),
            ]
        )
    yield store
    store.close()


@pytest.fixture
def store(template: LocalStore, tmp_path: Path) -> Iterator[LocalStore]:
    store = copy_store(template, tmp_path / "admin.db")
    yield store
    database_executor().submit(lambda: None).result()  # let queued work finish first
    store.close()


def open_screen(qtbot: QtBot, store: LocalStore, *roles: Role) -> AdminScreen:
    screen = AdminScreen(AdminService(store), context(*(roles or (Role.ADMIN,)), staff_no=ADMIN))
    qtbot.addWidget(screen)
    screen.show()
    return screen


@pytest.fixture
def screen(qtbot: QtBot, store: LocalStore) -> AdminScreen:
    screen = open_screen(qtbot, store)
    qtbot.waitUntil(lambda: screen.accounts_model.rowCount() == 4)
    qtbot.waitUntil(lambda: screen.matrix_model.rowCount() > 0)
    return screen


def roles_of(store: LocalStore, staff_no: str) -> list[str]:
    with store.transaction() as session:
        member = session.get(StaffMember, staff_no)
        assert member is not None
        return list(member.roles)


def select_account(screen: AdminScreen, staff_no: str) -> None:
    model = screen.accounts_model
    row = next(r for r in range(model.rowCount()) if model.row_at(r).staff_no == staff_no)
    screen.accounts_table.selectRow(row)


def open_dialog(qtbot: QtBot, screen: AdminScreen, button_name: str) -> AdminDialog:
    qtbot.mouseClick(screen.buttons[button_name], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: screen.active_dialog is not None and screen.active_dialog.isVisible())
    assert screen.active_dialog is not None
    return screen.active_dialog


def test_matrix_shows_permissions_exactly(screen: AdminScreen, qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    model = screen.matrix_model
    qtmodeltester.check(model)
    assert screen.findChild(type(screen.matrix_table), "matrix_table") is screen.matrix_table
    assert model.rowCount() == len(Action)
    assert model.columnCount() == len(Role)
    for c, role in enumerate(Role):
        assert model.headerData(c, Qt.Orientation.Horizontal) == ROLE_LABELS[role]
    for r, action in enumerate(Action):
        for c, role in enumerate(Role):
            expected = "○" if action in PERMISSIONS[role] else "—"
            assert model.data(model.index(r, c)) == expected, (action, role)


def test_accounts_table_lists_accounts(screen: AdminScreen, qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    qtmodeltester.check(screen.accounts_model)
    model = screen.accounts_model
    assert [model.row_at(r).staff_no for r in range(model.rowCount())] == [
        ADMIN,
        "C001",
        "K001",
        "S001",
    ]
    assert model.data(model.index(1, 3)) == "窓口職員"
    assert screen.terminals_model.rowCount() == 1


def test_role_change_through_the_dialog(
    qtbot: QtBot, screen: AdminScreen, store: LocalStore
) -> None:
    select_account(screen, "C001")
    dialog = open_dialog(qtbot, screen, "roles_button")
    assert dialog.roles() == [Role.CLERK]
    qtbot.keyClick(dialog.role_checks[Role.SUPERVISOR], Qt.Key.Key_Space)
    with qtbot.waitSignal(screen.changed), qtbot.waitSignal(screen.refreshed):
        qtbot.keyClick(dialog, Qt.Key.Key_Return)
    assert roles_of(store, "C001") == ["clerk", "supervisor"]
    assert "C001 の権限を変更しました" in screen.message_label.text()
    assert screen.active_dialog is None
    select_account(screen, "C001")
    row = screen.accounts_model.row_at(screen.accounts_table.currentIndex().row())
    assert row.roles == (Role.CLERK, Role.SUPERVISOR)


def test_buttons_have_mnemonics_and_work_from_the_keyboard(
    qtbot: QtBot, screen: AdminScreen
) -> None:
    for name in (
        "new_account_button",
        "roles_button",
        "validity_button",
        "disable_button",
        "enable_button",
        "unlock_button",
        "reset_password_button",
        "enroll_totp_button",
        "register_terminal_button",
        "toggle_terminal_button",
    ):
        assert screen.findChild(QPushButton, name) is screen.buttons[name]
        assert "(&" in screen.buttons[name].text(), name
    select_account(screen, "K001")
    screen.activateWindow()
    qtbot.waitUntil(screen.isActiveWindow)
    screen.accounts_table.setFocus()
    qtbot.keyClick(screen.accounts_table, Qt.Key.Key_V, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: screen.active_dialog is not None)
    assert screen.active_dialog is not None
    assert "K001" in screen.active_dialog.windowTitle()
    assert screen.active_dialog.period() == (dt.date(2020, 4, 1), None)
    screen.active_dialog.reject()


def test_own_roles_change_is_refused_with_the_reason(
    qtbot: QtBot, screen: AdminScreen, store: LocalStore
) -> None:
    select_account(screen, ADMIN)
    dialog = open_dialog(qtbot, screen, "roles_button")
    dialog.set_roles([Role.ADMIN, Role.SUPERVISOR])
    with qtbot.waitSignal(screen.refused) as refused, qtbot.assertNotEmitted(screen.changed):
        dialog.accept()
    assert "自分自身の権限は変更できません" in refused.args[0]
    assert screen.message_label.text() == refused.args[0]
    assert dialog.isVisible() and dialog.error_label.text() == refused.args[0]
    assert roles_of(store, ADMIN) == ["admin"]
    dialog.reject()


def test_contractor_and_supervisor_together_is_refused(
    qtbot: QtBot, screen: AdminScreen, store: LocalStore
) -> None:
    select_account(screen, "K001")
    dialog = open_dialog(qtbot, screen, "roles_button")
    dialog.set_roles([Role.CONTRACTOR, Role.SUPERVISOR])
    with qtbot.waitSignal(screen.refused) as refused:
        dialog.accept()
    assert "委託事業者オペレーターは審査・決裁者を兼ねられません。" in refused.args[0]
    assert roles_of(store, "K001") == ["contractor"]
    dialog.reject()


def test_new_account_typed_in_japanese(
    qtbot: QtBot, screen: AdminScreen, store: LocalStore
) -> None:
    dialog = open_dialog(qtbot, screen, "new_account_button")
    type_text(qtbot, dialog.lines["staff_no"], "C009")
    type_text(qtbot, dialog.lines["name"], "窓口 花子")
    type_text(qtbot, dialog.lines["password"], PASSWORD)
    type_text(qtbot, dialog.lines["confirm"], PASSWORD + "?")
    with qtbot.assertNotEmitted(screen.changed, wait=50):
        dialog.accept()
    assert "一致しません" in dialog.error_label.text()
    type_text(qtbot, dialog.lines["confirm"], PASSWORD)
    with qtbot.waitSignal(screen.refreshed), qtbot.waitSignal(screen.changed):
        dialog.accept()
    with store.transaction() as session:
        created = session.get(StaffMember, "C009")
        assert created is not None
        assert created.name == "窓口 花子" and created.roles == ["clerk"]
        assert created.valid_until is None and created.password_changed_on is None
        assert verify_password(created.password_hash, PASSWORD)
    assert screen.accounts_model.rowCount() == 5
    assert PASSWORD not in screen.message_label.text()


def test_disable_with_a_reason_and_unlock(
    qtbot: QtBot, screen: AdminScreen, store: LocalStore
) -> None:
    select_account(screen, "S001")
    dialog = open_dialog(qtbot, screen, "disable_button")
    type_text(qtbot, dialog.lines["reason"], "退職")
    with qtbot.waitSignal(screen.refreshed):
        dialog.accept()
    with store.transaction() as session:
        member = session.get(StaffMember, "S001")
        assert member is not None and member.disabled
    select_account(screen, "C001")
    with qtbot.waitSignal(screen.refused) as refused:
        qtbot.mouseClick(screen.buttons["unlock_button"], Qt.MouseButton.LeftButton)
    assert "ロックされていません" in refused.args[0]


def test_totp_enrolment_shows_the_secret_once(
    qtbot: QtBot, screen: AdminScreen, store: LocalStore
) -> None:
    select_account(screen, "C001")
    with qtbot.waitSignal(screen.changed):
        qtbot.mouseClick(screen.buttons["enroll_totp_button"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: screen.findChild(QMessageBox, "totp_enrolment") is not None)
    box = screen.findChild(QMessageBox, "totp_enrolment")
    assert box is not None
    with store.transaction() as session:
        member = session.get(StaffMember, "C001")
        assert member is not None and member.totp_secret
    assert member.totp_secret in box.text()
    assert member.totp_secret not in screen.message_label.text()
    box.close()


def test_register_and_deactivate_a_terminal(
    qtbot: QtBot, screen: AdminScreen, store: LocalStore
) -> None:
    screen.tabs.setCurrentIndex(1)
    dialog = open_dialog(qtbot, screen, "register_terminal_button")
    type_text(qtbot, dialog.lines["terminal_id"], "KITA-T01")
    type_text(qtbot, dialog.lines["office"], "北支所")
    with qtbot.waitSignal(screen.refreshed):
        dialog.accept()
    assert screen.terminals_model.rowCount() == 2
    screen.terminals_table.selectRow(0)  # KITA-T01 sorts first
    with qtbot.waitSignal(screen.refreshed):
        qtbot.mouseClick(screen.buttons["toggle_terminal_button"], Qt.MouseButton.LeftButton)
    with store.transaction() as session:
        terminal = session.get(Terminal, "KITA-T01")
        assert terminal is not None and not terminal.active


def test_a_clerk_sees_the_refusal(qtbot: QtBot, store: LocalStore) -> None:
    screen = open_screen(qtbot, store, Role.CLERK)
    qtbot.waitUntil(lambda: "権限がありません" in screen.message_label.text())
    assert screen.accounts_model.rowCount() == 0
