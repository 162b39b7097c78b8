"""照合（前日分） in the main window (R-REVIEW-4): the day after, a supervisor lists yesterday's
approvals, signs them off by keyboard, sees who signed, and is refused a second sign-off."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from madoguchi.app.context import FixedClock, ServiceContext
from madoguchi.app.domain.intake import IntakeForm, Variant
from madoguchi.app.domain.permissions import Role
from madoguchi.app.services.counter import CounterServices
from madoguchi.app.services.intake import MoveInService
from madoguchi.app.services.review.service import ReviewService
from madoguchi.forms.main_window import MainWindow
from madoguchi.storage.store import LocalStore
from tests.app.services.intake.conftest import TODAY, days_ago, identity, new_address, newcomer
from tests.forms.intake_support import TIMEOUT, activate, focused, key
from tests.helpers.stores import FIXED_NOW, context, copy_store
from tests.helpers.typing import type_text

NEXT_DAY = FIXED_NOW + dt.timedelta(days=1)


@pytest.fixture(scope="module")
def store(demo_store: LocalStore, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStore]:
    copy = copy_store(demo_store, tmp_path_factory.mktemp("reconciliation") / "recon.db")
    yield copy
    copy.close()


def approved_move_in(store: LocalStore) -> str:
    """A 転入 saved by a clerk and approved by a supervisor, both at FIXED_NOW."""
    form = IntakeForm(
        variant=Variant.DOMESTIC_MOVE_IN,
        moved_on=days_ago(2),
        notified_on=TODAY,
        movers=(newcomer(),),
        destination=new_address(store, "6-6"),
        previous_address="東京都千代田区霞が関二丁目1番2号",
        identity_check=identity(),
    )
    saved = MoveInService(store).save(context(Role.CLERK, staff_no="S0001"), form)
    ReviewService(store).approve(context(Role.SUPERVISOR, staff_no="S0005"), saved.draft_id)
    return saved.draft_id


def next_day_window(qtbot: QtBot, store: LocalStore) -> MainWindow:
    """A supervisor's window the day after the approvals."""
    clock = FixedClock(NEXT_DAY)
    actor = context(Role.SUPERVISOR, staff_no="S0006").actor
    ctx = ServiceContext(actor=actor, terminal_id="TEST-T01", clock=clock)
    window = MainWindow(CounterServices.build(store, "TEST-T01", clock), ctx)
    qtbot.addWidget(window)
    window.show()
    activate(qtbot, window)
    return window


def test_yesterdays_approvals_are_listed_and_signed_off(qtbot: QtBot, store: LocalStore) -> None:
    draft_id = approved_move_in(store)
    window = next_day_window(qtbot, store)
    screen = window.reconciliation_screen
    assert screen is not None
    with qtbot.waitSignal(screen.loaded, timeout=TIMEOUT):
        qtbot.keyClick(window, Qt.Key.Key_7, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentWidget() is screen
    assert screen.day_edit.date().toPython() == TODAY, "yesterday by the clock"
    assert screen.office_edit.text() == "本庁舎 市民課"
    lines = [screen.model.row_at(row) for row in range(screen.model.rowCount())]
    line = next(line for line in lines if line.draft_id == draft_id)
    assert (line.maker_staff_no, line.reviewer_staff_no) == ("S0001", "S0005")
    row = lines.index(line)
    assert screen.model.data(screen.model.index(row, 6)) == "国内転入"
    assert "未確認" in screen.status_label.text()

    screen.note_edit.setFocus()
    type_text(qtbot, screen.note_edit, "全件を届書と照合")
    with qtbot.waitSignal(screen.signed, timeout=TIMEOUT):
        key(qtbot, Qt.Key.Key_F9)
    qtbot.waitUntil(lambda: "S0006" in screen.status_label.text(), timeout=TIMEOUT)
    assert "照合確認済み" in screen.status_label.text()

    with qtbot.waitSignal(screen.failed, timeout=TIMEOUT) as refused:
        qtbot.keyClick(screen, Qt.Key.Key_F9)
    assert "確認済み" in refused.args[0]
    assert "確認済み" in screen.message_label.text()


def test_the_current_day_cannot_be_signed_off(qtbot: QtBot, store: LocalStore) -> None:
    window = next_day_window(qtbot, store)
    screen = window.reconciliation_screen
    assert screen is not None
    with qtbot.waitSignal(screen.loaded, timeout=TIMEOUT):
        window.tabs.setCurrentWidget(screen)
    screen.day_edit.setFocus()
    key(qtbot, Qt.Key.Key_End)  # the day part of yyyy-MM-dd
    key(qtbot, Qt.Key.Key_Up)  # the day moves on to today
    assert screen.day_edit.date().toPython() == NEXT_DAY.date()
    with qtbot.waitSignal(screen.failed, timeout=TIMEOUT) as changed:
        key(qtbot, Qt.Key.Key_F9)
    assert "表示し直して" in changed.args[0]
    with qtbot.waitSignal(screen.loaded, timeout=TIMEOUT):
        key(qtbot, Qt.Key.Key_Return)  # Enter in the date lists the day
    assert focused() is screen.day_edit or screen.day_edit.isAncestorOf(focused())
    with qtbot.waitSignal(screen.failed, timeout=TIMEOUT) as refused:
        key(qtbot, Qt.Key.Key_F9)
    assert "翌日以降" in refused.args[0]
