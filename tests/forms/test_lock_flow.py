"""Idle lock and the lock shortcut (R-ROLE-5), and the login dialog's refusals (R-ROLE-4)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from madoguchi.app.demo_city.credentials import DEMO_PASSWORD
from madoguchi.app.domain.permissions import Role
from madoguchi.app.services.counter import CounterServices
from madoguchi.forms.login_dialog import LoginDialog
from madoguchi.forms.main_window import MainWindow
from madoguchi.storage.models import Person
from madoguchi.storage.store import LocalStore
from tests.helpers.stores import TEST_PASSWORD, add_staff
from tests.helpers.typing import type_text
from tests.helpers.widgets import all_visible_text


def signed_in_window(qtbot: QtBot, store: LocalStore, idle_seconds: float = 300) -> MainWindow:
    services = CounterServices.build(store, "TEST-T01")
    ctx = services.auth.login("S0001", DEMO_PASSWORD)
    window = MainWindow(services, ctx, idle_seconds=idle_seconds)
    qtbot.addWidget(window)
    window.show()
    return window


def visible_text(window: MainWindow) -> str:
    return "\n".join(all_visible_text(w) for w in [window.stack.currentWidget()] if w is not None)


def test_idle_lock_hides_all_personal_data_and_unlocks_with_the_password(
    qtbot: QtBot, demo_store: LocalStore
) -> None:
    with demo_store.transaction() as session:
        person = session.scalars(select(Person).where(Person.status == "current")).first()
    assert person is not None
    window = signed_in_window(qtbot, demo_store, idle_seconds=1.0)
    window.open_person(person.atena_no)
    qtbot.waitUntil(lambda: window.tabs.currentWidget() is window.person_screen, timeout=10_000)
    assert person.family_name in visible_text(window)

    qtbot.waitUntil(lambda: window.locked, timeout=5_000)
    assert window.stack.currentWidget() is window.lock_screen
    assert not window.tabs.isVisible()
    shown = visible_text(window)
    assert person.family_name not in shown and person.atena_no not in shown

    form = window.lock_screen.form
    type_text(qtbot, form.password_edit, "not-the-password-1")
    qtbot.keyClick(form.password_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "あと4回" in form.error_label.text(), timeout=10_000)
    assert window.locked
    type_text(qtbot, form.password_edit, DEMO_PASSWORD)
    qtbot.keyClick(form.password_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not window.locked, timeout=10_000)
    assert window.stack.currentWidget() is window.tabs


def test_ctrl_l_locks_at_once(qtbot: QtBot, demo_store: LocalStore) -> None:
    window = signed_in_window(qtbot, demo_store)
    with qtbot.waitActive(window):
        window.activateWindow()
    assert window.search_screen is not None
    window.search_screen.name_edit.setFocus()
    qtbot.keyClick(
        window.search_screen.name_edit, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier
    )
    qtbot.waitUntil(lambda: window.locked, timeout=5_000)


def test_login_dialog_shows_refusals_and_locks_after_five(qtbot: QtBot, tmp_path: Path) -> None:
    store = LocalStore.open(tmp_path / "login.db", create=True)
    add_staff(store, "S0100", Role.CLERK)
    services = CounterServices.build(store, "TEST-T01")
    dialog = LoginDialog(services.auth)
    qtbot.addWidget(dialog)
    dialog.show()
    type_text(qtbot, dialog.form.staff_edit, "S0100")
    for attempt in range(5):
        type_text(qtbot, dialog.form.password_edit, f"wrong-password-{attempt}")
        qtbot.keyClick(dialog.form.password_edit, Qt.Key.Key_Return)
        qtbot.waitUntil(
            lambda: dialog.buttons.isEnabled() and dialog.form.error_label.text() != "",
            timeout=10_000,
        )
        assert dialog.form.password_edit.text() == ""  # never left in the field
        assert dialog.context is None
        if attempt < 4:
            dialog.form.error_label.clear()
    assert "ロック" in dialog.form.error_label.text()
    type_text(qtbot, dialog.form.password_edit, TEST_PASSWORD)
    dialog.form.error_label.clear()
    qtbot.keyClick(dialog.form.password_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.form.error_label.text() != "", timeout=10_000)
    assert "ロックされています" in dialog.form.error_label.text()
    assert dialog.context is None
    store.close()


def test_right_credentials_sign_in(qtbot: QtBot, tmp_path: Path) -> None:
    store = LocalStore.open(tmp_path / "login.db", create=True)
    add_staff(store, "S0100", Role.CLERK)
    dialog = LoginDialog(CounterServices.build(store, "TEST-T01").auth)
    qtbot.addWidget(dialog)
    dialog.show()
    type_text(qtbot, dialog.form.staff_edit, "S0100")
    type_text(qtbot, dialog.form.password_edit, TEST_PASSWORD)
    with qtbot.waitSignal(dialog.accepted, timeout=10_000):
        qtbot.keyClick(dialog.form.password_edit, Qt.Key.Key_Return)
    assert dialog.context is not None and dialog.context.actor.staff_no == "S0100"
    assert not dialog.findChildren(QWidget, "password_edit")[0].property("text")
    store.close()
