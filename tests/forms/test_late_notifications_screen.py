"""届出期間経過一覧 (R-INTAKE-2): a 転入 filed 15 days after the move is listed in the window and
written to a CSV file for the 簡易裁判所 report, all by keyboard."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from madoguchi.app.domain.intake import IntakeForm, Variant
from madoguchi.app.domain.permissions import Role
from madoguchi.app.services.intake import MoveInService
from madoguchi.forms.late_notifications_screen import CSV_HEADER
from madoguchi.storage.store import LocalStore
from tests.app.services.intake.conftest import TODAY, days_ago, identity, new_address, newcomer
from tests.forms.intake_support import TIMEOUT, key, open_window
from tests.helpers.stores import context, copy_store
from tests.helpers.typing import type_text


@pytest.fixture(scope="module")
def store(demo_store: LocalStore, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStore]:
    copy = copy_store(demo_store, tmp_path_factory.mktemp("late") / "late.db")
    yield copy
    copy.close()


def late_move_in(store: LocalStore) -> str:
    """A 転入 filed today, 15 days after the move, the alert confirmed."""
    form = IntakeForm(
        variant=Variant.DOMESTIC_MOVE_IN,
        moved_on=days_ago(15),
        notified_on=TODAY,
        movers=(newcomer(given_name="遅延", given_name_kana="チエン"),),
        destination=new_address(store, "7-7"),
        previous_address="東京都千代田区霞が関二丁目1番2号",
        identity_check=identity(),
    )
    saved = MoveInService(store).save(
        context(Role.CLERK, staff_no="S0001"), form, confirmed={"A01:"}
    )
    assert saved.late
    return saved.draft_id


def test_late_move_in_is_listed_and_exported(
    qtbot: QtBot, store: LocalStore, tmp_path: Path
) -> None:
    draft_id = late_move_in(store)
    window = open_window(qtbot, store, Role.CLERK, "S0002")
    screen = window.late_screen
    assert screen is not None
    with qtbot.waitSignal(screen.loaded, timeout=TIMEOUT):
        qtbot.keyClick(window, Qt.Key.Key_8, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentWidget() is screen
    [entry] = [e for e in screen.entries() if e.draft_id == draft_id]
    assert (entry.moved_on, entry.notified_on, entry.days_late) == (days_ago(15), TODAY, 15)
    assert entry.names == "試験　遅延"
    assert entry.status_label == "審査待ち"
    row = screen.entries().index(entry)
    assert screen.model.data(screen.model.index(row, 2)) == "15 日"

    target = tmp_path / "late.csv"
    screen.path_edit.setFocus()
    type_text(qtbot, screen.path_edit, str(target))
    with qtbot.waitSignal(screen.exported, timeout=TIMEOUT) as exported:
        key(qtbot, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert exported.args == [str(target)]
    assert str(target) in screen.message_label.text()
    with target.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert tuple(rows[0]) == CSV_HEADER
    assert [
        draft_id,
        "国内転入（転出証明書）",
        "試験　遅延",
        days_ago(15).isoformat(),
        TODAY.isoformat(),
        "15",
        "審査待ち",
    ] in rows[1:]


def test_a_period_outside_the_filing_lists_nothing_and_export_needs_a_listing(
    qtbot: QtBot, store: LocalStore
) -> None:
    window = open_window(qtbot, store, Role.CLERK, "S0002")
    screen = window.late_screen
    assert screen is not None
    with qtbot.waitSignal(screen.loaded, timeout=TIMEOUT):
        window.tabs.setCurrentWidget(screen)
    screen.until_edit.setFocus()
    key(qtbot, Qt.Key.Key_End)
    key(qtbot, Qt.Key.Key_Down)  # until yesterday: today's filings drop out
    with qtbot.waitSignal(screen.failed, timeout=TIMEOUT) as refused:
        key(qtbot, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert "一覧を表示" in refused.args[0]
    with qtbot.waitSignal(screen.loaded, timeout=TIMEOUT) as loaded:
        key(qtbot, Qt.Key.Key_Return)
    assert loaded.args == [0]
    assert "ありません" in screen.message_label.text()
