"""仮登録一覧 (R-INTAKE-6): print a draft's sheet, withdraw it with a reason, open one to
correct it (a new revision of the same draft), all from the keyboard."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

from madoguchi.app.domain.intake import IntakeForm, IntakeKind, Variant
from madoguchi.app.domain.permissions import Role
from madoguchi.forms.intake_drafts import DraftListScreen
from madoguchi.forms.main_window import MainWindow
from madoguchi.storage.store import LocalStore
from tests.app.services.intake.conftest import family, identity, mover_of
from tests.forms.intake_support import (
    TIMEOUT,
    activate,
    counter_services,
    drafts_by,
    enter,
    focused,
    key,
    open_window,
)
from tests.helpers.stores import FIXED_NOW, context, copy_store
from tests.helpers.typing import type_text


@pytest.fixture(scope="module")
def store(demo_store: LocalStore, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStore]:
    copy = copy_store(demo_store, tmp_path_factory.mktemp("intake-drafts") / "drafts.db")
    yield copy
    copy.close()


def saved_move_out(store: LocalStore, staff_no: str, offset: int) -> str:
    """A 転出 draft of a one-person household, saved through the service."""
    home = family(store, 1, offset=offset)
    form = IntakeForm(
        variant=Variant.MOVE_OUT,
        moved_on=FIXED_NOW.date() + dt.timedelta(days=7),
        notified_on=FIXED_NOW.date(),
        movers=(mover_of(home.members[0]),),
        source_household_no=home.household.household_no,
        moving_to_address="大阪府大阪市北区中之島一丁目3番20号",
        identity_check=identity(),
    )
    service = counter_services(store).intake[IntakeKind.MOVE_OUT]
    return service.save(context(Role.CLERK, staff_no=staff_no), form).draft_id


def drafts_tab(qtbot: QtBot, window: MainWindow) -> DraftListScreen:
    screen = window.draft_list
    assert screen is not None
    with qtbot.waitSignal(screen.loaded, timeout=TIMEOUT):
        qtbot.keyClick(window, Qt.Key.Key_5, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentWidget() is screen
    return screen


def test_print_then_withdraw_from_the_list(qtbot: QtBot, store: LocalStore, tmp_path: Path) -> None:
    draft_id = saved_move_out(store, "IK401", 60)
    window = open_window(qtbot, store, Role.CLERK, "IK401")
    screen = drafts_tab(qtbot, window)
    assert screen.model.rowCount() == 1
    assert screen.selected() is not None and screen.selected().draft_id == draft_id
    assert screen.selected().status_label == "審査待ち"

    key(qtbot, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    sheet = screen.sheet_dialog
    assert sheet is not None and sheet.draft_id == draft_id
    activate(qtbot, sheet)
    target = tmp_path / "withdrawn-sheet.pdf"
    type_text(qtbot, sheet.path_edit, str(target))
    with qtbot.waitSignal(sheet.sheet_written, timeout=TIMEOUT):
        enter(qtbot)
    assert target.read_bytes().startswith(b"%PDF")
    key(qtbot, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: screen.sheet_dialog is None, timeout=TIMEOUT)

    activate(qtbot, screen)
    key(qtbot, Qt.Key.Key_F9)
    reason_dialog = screen.reason_dialog
    assert reason_dialog is not None
    activate(qtbot, reason_dialog)
    assert isinstance(focused(), QLineEdit)
    type_text(qtbot, focused(), "届出人の申出により取下げ")  # type: ignore[arg-type]
    with qtbot.waitSignal(screen.withdrawn, timeout=TIMEOUT):
        enter(qtbot)
    qtbot.waitUntil(lambda: screen.model.rowCount() == 0, timeout=TIMEOUT)
    [draft] = drafts_by(store, "IK401")
    assert draft.status == "withdrawn"
    assert draft.status_reason == "届出人の申出により取下げ"

    activate(qtbot, screen)
    screen.closed_check.setFocus()
    with qtbot.waitSignal(screen.loaded, timeout=TIMEOUT):
        key(qtbot, Qt.Key.Key_Space)
    assert screen.model.row_at(0).status_label == "取下げ"


def test_open_a_draft_to_correct_it_saves_its_next_revision(
    qtbot: QtBot, store: LocalStore
) -> None:
    draft_id = saved_move_out(store, "IK402", 61)
    window = open_window(qtbot, store, Role.CLERK, "IK402")
    drafts_tab(qtbot, window)
    intake = window.intake_screen
    assert intake is not None
    with qtbot.waitSignal(intake.registered.household_loaded, timeout=TIMEOUT):
        enter(qtbot)  # Enter on the highlighted draft opens it
    assert window.tabs.currentWidget() is intake
    assert intake.variant() == Variant.MOVE_OUT and intake.draft_id == draft_id
    assert "修正中" in intake.title_label.text()
    assert len(intake.registered.members.checked()) == 1
    moving_to = intake.registered.moving_to_edit
    assert moving_to.text() == "大阪府大阪市北区中之島一丁目3番20号"
    type_text(qtbot, moving_to, "京都府京都市中京区寺町通御池上る上本能寺前町488番地")
    with qtbot.waitSignal(intake.draft_saved, timeout=TIMEOUT) as saved:
        activate(qtbot, intake)
        key(qtbot, Qt.Key.Key_F12)
    assert (saved.args[0].draft_id, saved.args[0].revision) == (draft_id, 2)
    [draft] = drafts_by(store, "IK402")
    assert draft.revision == 2
    assert draft.form["moving_to_address"].startswith("京都府京都市")
    assert intake.draft_id is None  # the form started over
