"""The auditor screen driven through the real widgets (pytest-qt, R-AUDIT-3)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import text

from madoguchi.app.domain.permissions import Role
from madoguchi.app.services.audit_review import OUT_OF_HOURS, AuditReviewService
from madoguchi.forms.audit_screen import FLAGGED_BACKGROUND, AuditScreen
from madoguchi.storage.audit import append_audit
from madoguchi.storage.models import StaffMember
from madoguchi.storage.store import LocalStore
from tests.helpers.stores import context
from tests.helpers.typing import type_text

MONDAY = dt.datetime(2026, 11, 2, 10, 0)
SUNDAY_NIGHT = dt.datetime(2026, 11, 1, 23, 0)
SEEDED = 4


@pytest.fixture
def store(tmp_path: Path) -> Iterator[LocalStore]:
    store = LocalStore.open(tmp_path / "a.db", create=True)
    with store.transaction() as session:
        session.add(
            StaffMember(
                staff_no="S0001",
                name="窓口 一郎",
                office="本庁舎 市民課",
                roles=["clerk"],
                valid_from=dt.date(2020, 4, 1),
            )
        )
        for at, staff_no, action, detail in (
            (MONDAY, "S0001", "view_person", {}),
            (SUNDAY_NIGHT, "S0002", "view_person", {}),
            (MONDAY, "S0001", "search", {"criteria": {"name": "サイトウ"}, "count": 1}),
            (MONDAY - dt.timedelta(days=30), "S0001", "login", {}),
        ):
            append_audit(
                session,
                at=at,
                terminal_id="T01",
                staff_no=staff_no,
                action=action,
                target_persons=["000000000000001"],
                detail=detail,
            )
    yield store
    store.close()


def make_screen(qtbot: QtBot, store: LocalStore, role: Role = Role.AUDITOR) -> AuditScreen:
    screen = AuditScreen(AuditReviewService(store), context(role, staff_no="A0001"))
    qtbot.addWidget(screen)
    screen.show()
    return screen


@pytest.fixture
def screen(qtbot: QtBot, store: LocalStore) -> AuditScreen:
    return make_screen(qtbot, store)


def search_with_enter(qtbot: QtBot, screen: AuditScreen, widget: QWidget | None = None) -> int:
    target = widget if widget is not None else screen.staff_edit
    with qtbot.waitSignal(screen.entries_loaded, timeout=10_000) as blocker:
        qtbot.keyClick(target, Qt.Key.Key_Return)
    count = blocker.args[0]
    assert isinstance(count, int)
    return count


def test_the_default_period_shows_last_weeks_entries_with_flags(
    qtbot: QtBot, qtmodeltester: object, screen: AuditScreen
) -> None:
    assert search_with_enter(qtbot, screen) == 3  # the login a month ago is outside the period
    model = screen.model
    qtmodeltester.check(model)  # type: ignore[attr-defined]
    flagged = [r for r in range(model.rowCount()) if model.row_at(r).at == SUNDAY_NIGHT]
    (row,) = flagged
    assert model.index(row, 0).data() == OUT_OF_HOURS
    assert model.index(row, 1).data() == "2026-11-01(日) 23:00:00"
    assert model.index(row, 3).data(Qt.ItemDataRole.BackgroundRole) == FLAGGED_BACKGROUND
    plain = next(r for r in range(model.rowCount()) if r != row)
    assert model.index(plain, 0).data() == ""
    assert model.index(plain, 3).data(Qt.ItemDataRole.BackgroundRole) is None
    assert "3 件（要注意 1 件）" in screen.message_label.text()


def test_filter_by_staff_and_action(qtbot: QtBot, screen: AuditScreen) -> None:
    type_text(qtbot, screen.staff_edit, "S0001")
    assert search_with_enter(qtbot, screen) == 2
    assert {screen.model.row_at(r).staff_name for r in range(2)} == {"窓口 一郎"}
    screen.action_combo.setCurrentIndex(screen.action_combo.findData("search"))
    screen.action_combo.setFocus()
    assert search_with_enter(qtbot, screen, screen.action_combo) == 1
    row = screen.model.row_at(0)
    assert (row.action_label, row.summary) == ("検索", "条件: 氏名=サイトウ / 1件")


def test_flagged_only_and_enter_in_the_period_field(qtbot: QtBot, screen: AuditScreen) -> None:
    screen.flagged_check.setFocus()
    qtbot.keyClick(screen.flagged_check, Qt.Key.Key_Space)
    assert screen.flagged_check.isChecked()
    screen.start_edit.setFocus()
    assert search_with_enter(qtbot, screen, screen.start_edit) == 1
    assert screen.model.row_at(0).flags == (OUT_OF_HOURS,)


def test_filter_by_person(qtbot: QtBot, screen: AuditScreen) -> None:
    type_text(qtbot, screen.atena_edit, "000000000000002")
    assert search_with_enter(qtbot, screen, screen.atena_edit) == 0
    assert screen.message_label.text() == "該当する記録はありません。"


def test_verify_button_shows_the_intact_message(qtbot: QtBot, screen: AuditScreen) -> None:
    with qtbot.waitSignal(screen.verify_finished, timeout=10_000) as blocker:
        qtbot.mouseClick(screen.verify_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [True]
    assert screen.verify_label.text() == f"改ざんなし（{SEEDED}件）"


def test_verify_button_names_the_broken_link(
    qtbot: QtBot, screen: AuditScreen, store: LocalStore
) -> None:
    with store.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER audit_log_no_update"))
        conn.execute(text("DROP TRIGGER audit_log_no_delete"))
        conn.execute(text("UPDATE audit_log SET staff_no = 'S0009' WHERE seq = 2"))
    screen.verify_button.setFocus()
    with qtbot.waitSignal(screen.verify_finished, timeout=10_000) as blocker:
        qtbot.keyClick(screen.verify_button, Qt.Key.Key_Return)
    assert blocker.args == [False]
    assert screen.verify_label.text() == "改ざんを検出: 端末 T01 の 2 番目の記録（記録内容の変更）"


def test_counts_per_staff_member(qtbot: QtBot, screen: AuditScreen) -> None:
    screen.count_combo.setCurrentIndex(screen.count_combo.findData("search"))
    with qtbot.waitSignal(screen.counts_loaded, timeout=10_000) as blocker:
        qtbot.mouseClick(screen.count_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [1]
    assert screen.count_model.row_at(0) == ("S0001", 1)


def test_a_clerk_is_told_the_log_is_not_theirs(qtbot: QtBot, store: LocalStore) -> None:
    screen = make_screen(qtbot, store, Role.CLERK)
    with qtbot.waitSignal(screen.failed, timeout=10_000) as blocker:
        qtbot.mouseClick(screen.search_button, Qt.MouseButton.LeftButton)
    assert "権限がありません" in blocker.args[0]
    assert screen.message_label.text() == blocker.args[0]
    assert screen.search_button.isEnabled()
    assert screen.model.rowCount() == 0
