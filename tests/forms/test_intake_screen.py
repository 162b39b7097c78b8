"""The 異動届 screen through the real widgets (R-INTAKE-1…4, R-INTAKE-7): errors block and
say how to fix them, alerts need their tick, 転出・転居・世帯主変更 picked from the register,
and the contractor takes notifications without reading cards."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from madoguchi.app.domain.intake import NotifierKind, Variant
from madoguchi.app.domain.permissions import Role
from madoguchi.forms.intake_screen import IntakeScreen
from madoguchi.forms.main_window import MainWindow
from madoguchi.storage.models import Person
from madoguchi.storage.store import LocalStore
from tests.app.services.intake.conftest import family, new_number
from tests.forms.intake_support import (
    TIMEOUT,
    activate,
    drafts_by,
    enter,
    focused,
    intake_of,
    key,
    open_window,
)
from tests.helpers.stores import FIXED_NOW, copy_store
from tests.helpers.typing import type_text

TODAY = FIXED_NOW.date()


@pytest.fixture(scope="module")
def store(demo_store: LocalStore, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStore]:
    copy = copy_store(demo_store, tmp_path_factory.mktemp("intake-gui") / "intake.db")
    yield copy
    copy.close()


def window_and_screen(
    qtbot: QtBot, store: LocalStore, staff_no: str, role: Role = Role.CLERK
) -> tuple[MainWindow, IntakeScreen]:
    window = open_window(qtbot, store, role, staff_no)
    return window, intake_of(qtbot, window)


def choose(screen: IntakeScreen, variant: Variant) -> None:
    screen.variant_combo.setCurrentIndex(screen.variant_combo.findData(variant))


def date_text(value: dt.date) -> str:
    return value.isoformat()


def fill_dates(qtbot: QtBot, screen: IntakeScreen, moved_on: dt.date) -> None:
    type_text(qtbot, screen.moved_edit, date_text(moved_on))
    screen.moved_edit.revalidate()


def fill_identity(
    qtbot: QtBot,
    screen: IntakeScreen,
    *,
    kind: NotifierKind = NotifierKind.SELF,
    documents: tuple[str, ...] = ("P02",),
) -> None:
    identity = screen.identity
    identity.kind_combo.setCurrentIndex(identity.kind_combo.findData(kind.value))
    type_text(qtbot, identity.name_edit, "届出　太郎")
    for code in documents:
        identity.tick_document(code)


def fill_address(qtbot: QtBot, screen: IntakeScreen, postal: str, banchi: str) -> None:
    picker = screen.section().destination.address
    type_text(qtbot, picker.postal_edit, postal)
    picker.postal_edit.editingFinished.emit()
    type_text(qtbot, picker.banchi_edit, banchi)
    picker.banchi_edit.revalidate()


def fill_newcomer(qtbot: QtBot, screen: IntakeScreen, **items: str) -> None:
    row = screen.newcomers.rows.rows[0]
    type_text(qtbot, row.family_edit, items.get("family", "転入"))
    type_text(qtbot, row.given_edit, items.get("given", "花子"))
    type_text(qtbot, row.family_kana_edit, items.get("family_kana", "てんにゅう"))
    type_text(qtbot, row.given_kana_edit, items.get("given_kana", "はなこ"))
    type_text(qtbot, row.birth_edit, items.get("birth", "H2.4.1"))
    row.birth_edit.revalidate()
    row.sex_combo.setCurrentIndex(row.sex_combo.findData(items.get("sex", "2")))
    type_text(qtbot, row.relationship_edit, items.get("relationship", "世帯主"))
    row.relationship_edit.revalidate()
    type_text(qtbot, row.number_edit, items.get("number", new_number()))


def press_save(qtbot: QtBot, screen: IntakeScreen) -> tuple[object, ...]:
    activate(qtbot, screen)
    with qtbot.waitSignal(screen.findings_shown, timeout=TIMEOUT) as shown:
        key(qtbot, Qt.Key.Key_F12)
    return tuple(shown.args[0])


def codes(findings: tuple[object, ...]) -> list[str]:
    return [f.rule.code for f in findings]  # type: ignore[attr-defined]


def newcomer_form(qtbot: QtBot, screen: IntakeScreen, moved_on: dt.date, **items: str) -> None:
    fill_dates(qtbot, screen, moved_on)
    fill_identity(qtbot, screen)
    fill_address(qtbot, screen, "909-0102", "3-12")
    fill_newcomer(qtbot, screen, **items)


# -- errors and alerts ---------------------------------------------------------------------


def test_move_in_of_a_current_resident_is_an_error_with_cause_and_fix(
    qtbot: QtBot, store: LocalStore
) -> None:
    with store.transaction() as session:
        resident = session.scalars(
            select(Person).where(Person.status == "current", Person.individual_number.is_not(None))
        ).first()
        assert resident is not None and resident.individual_number
        number = resident.individual_number
    _window, screen = window_and_screen(qtbot, store, "IK301")
    newcomer_form(qtbot, screen, TODAY - dt.timedelta(days=3), number=number)
    findings = press_save(qtbot, screen)
    assert "E05" in codes(findings)
    texts = screen.findings.lines()
    line = next(t for t in texts if "E05" in t)
    assert "すでに本市の住民です" in line and "転入ではなく転居または世帯変更" in line
    assert "保存できません" in screen.findings.summary_label.text()
    assert drafts_by(store, "IK301") == []


def test_a_relationship_outside_the_vocabulary_is_flagged_as_typed_and_blocks(
    qtbot: QtBot, store: LocalStore
) -> None:
    _window, screen = window_and_screen(qtbot, store, "IK302")
    newcomer_form(qtbot, screen, TODAY - dt.timedelta(days=2), relationship="祖父")
    row = screen.newcomers.rows.rows[0]
    assert "「父の父」または「母の父」" in row.relationship_edit.problem
    assert "「父の父」または「母の父」" in screen.message_label.text()
    findings = press_save(qtbot, screen)
    assert "E09" in codes(findings)
    line = next(t for t in screen.findings.lines() if "E09" in t)
    assert "「祖父」は「父の父」または「母の父」と入力してください" in line
    assert drafts_by(store, "IK302") == []


def test_a_late_notification_is_saved_only_once_its_alert_is_ticked(
    qtbot: QtBot, store: LocalStore
) -> None:
    _window, screen = window_and_screen(qtbot, store, "IK303")
    newcomer_form(qtbot, screen, TODAY - dt.timedelta(days=15))
    assert codes(press_save(qtbot, screen)) == ["A01"]
    assert "未確認 1件" in screen.findings.summary_label.text()
    assert drafts_by(store, "IK303") == []
    with qtbot.waitSignal(screen.findings_shown, timeout=TIMEOUT):
        key(qtbot, Qt.Key.Key_F12)  # still not ticked: shown again, not saved
    assert drafts_by(store, "IK303") == []
    key(qtbot, Qt.Key.Key_F9)
    assert screen.findings.confirmed_keys() == {"A01:"}
    with qtbot.waitSignal(screen.draft_saved, timeout=TIMEOUT) as saved:
        key(qtbot, Qt.Key.Key_F12)
    assert saved.args[0].late
    [draft] = drafts_by(store, "IK303")
    assert draft.late and [a["code"] for a in draft.confirmed_alerts] == ["A01"]


def test_an_agent_needs_a_power_of_attorney(qtbot: QtBot, store: LocalStore) -> None:
    _window, screen = window_and_screen(qtbot, store, "IK304")
    newcomer_form(qtbot, screen, TODAY - dt.timedelta(days=1))
    identity = screen.identity
    identity.kind_combo.setCurrentIndex(identity.kind_combo.findData(NotifierKind.AGENT.value))
    findings = press_save(qtbot, screen)
    assert codes(findings) == ["E12"]
    assert "委任状を受け取り" in screen.findings.lines()[0]
    assert drafts_by(store, "IK304") == []
    identity.power_of_attorney_check.setFocus()
    key(qtbot, Qt.Key.Key_Space)
    assert identity.power_of_attorney_check.isChecked()
    with qtbot.waitSignal(screen.draft_saved, timeout=TIMEOUT):
        key(qtbot, Qt.Key.Key_F12)
    [draft] = drafts_by(store, "IK304")
    assert draft.form["identity_check"]["notifier_kind"] == "agent"
    assert draft.form["identity_check"]["power_of_attorney"] is True


def test_without_the_identity_check_the_service_says_it_is_missing(
    qtbot: QtBot, store: LocalStore
) -> None:
    _window, screen = window_and_screen(qtbot, store, "IK305")
    fill_dates(qtbot, screen, TODAY - dt.timedelta(days=1))
    fill_address(qtbot, screen, "909-0102", "3-12")
    fill_newcomer(qtbot, screen)
    assert codes(press_save(qtbot, screen)) == ["E13"]
    assert "本人確認が記録されていません" in screen.findings.lines()[0]


def test_an_unreadable_date_is_named_before_anything_is_asked(
    qtbot: QtBot, store: LocalStore
) -> None:
    _window, screen = window_and_screen(qtbot, store, "IK306")
    type_text(qtbot, screen.moved_edit, "令和8年2月30日")
    findings = press_save(qtbot, screen)
    assert len(findings) == 1 and "異動日" in screen.findings.lines()[0]
    assert "暦にない日付" in screen.findings.lines()[0]


# -- persons from the register ------------------------------------------------------------


def find_household(qtbot: QtBot, screen: IntakeScreen, person: Person) -> None:
    """Search by フリガナ and 生年月日 with the keyboard, take the first result with Enter."""
    finder = screen.registered.finder
    activate(qtbot, screen)
    key(qtbot, Qt.Key.Key_F3)  # empty criteria: F3 goes to the search fields
    assert focused() is finder.name_edit
    type_text(qtbot, finder.name_edit, f"{person.family_name_kana} {person.given_name_kana}")
    type_text(qtbot, finder.birth_edit, person.birth_date)
    with qtbot.waitSignal(finder.searched, timeout=TIMEOUT):
        key(qtbot, Qt.Key.Key_F3)
    rows = [finder.model.row_at(r).atena_no for r in range(finder.model.rowCount())]
    assert person.atena_no in rows
    finder.results.selectRow(rows.index(person.atena_no))
    assert focused() is finder.results
    with qtbot.waitSignal(screen.registered.household_loaded, timeout=TIMEOUT):
        enter(qtbot)


def test_move_out_of_a_whole_household_picked_from_the_register(
    qtbot: QtBot, store: LocalStore
) -> None:
    home = family(store, 2, offset=40)
    _window, screen = window_and_screen(qtbot, store, "IK311")
    choose(screen, Variant.MOVE_OUT)
    assert "転出届" in screen.title_label.text()
    find_household(qtbot, screen, home.householder)
    members = screen.registered.members
    assert {r.person.atena_no for r in members.rows} == {m.atena_no for m in home.members}
    assert [p.atena_no for p in members.checked()] == [home.householder.atena_no]
    assert (
        focused()
        is members.rows[
            [r.person.atena_no for r in members.rows].index(home.householder.atena_no)
        ].check
    )
    for row in members.rows:
        if not row.check.isChecked():
            row.check.setFocus()
            key(qtbot, Qt.Key.Key_Space)
    assert members.whole_household() and "全部" in members.selection_label.text()
    assert screen.title_label.text().endswith("［全部転出］")  # standard j390
    fill_dates(qtbot, screen, TODAY + dt.timedelta(days=10))  # 転出: a planned date
    fill_identity(qtbot, screen)
    type_text(qtbot, screen.registered.moving_to_edit, "東京都千代田区霞が関二丁目1番2号")
    with qtbot.waitSignal(screen.draft_saved, timeout=TIMEOUT):
        activate(qtbot, screen)
        key(qtbot, Qt.Key.Key_F12)
    [draft] = drafts_by(store, "IK311")
    assert draft.variant == "move_out" and draft.status == "draft"
    assert set(draft.target_persons) == {m.atena_no for m in home.members}
    assert draft.form["moving_to_address"] == "東京都千代田区霞が関二丁目1番2号"
    assert draft.form["source_household_no"] == home.household.household_no
    with store.transaction() as session:
        for member in home.members:
            assert session.get(Person, member.atena_no).status == "current"  # type: ignore[union-attr]


def test_move_within_to_a_new_address(qtbot: QtBot, store: LocalStore) -> None:
    home = family(store, 1, offset=41)
    person = home.members[0]
    _window, screen = window_and_screen(qtbot, store, "IK312")
    choose(screen, Variant.MOVE_WITHIN)
    assert screen.registered.destination_box.isVisible()
    assert not screen.registered.moving_to_box.isVisible()
    find_household(qtbot, screen, person)
    assert screen.registered.members.whole_household()
    assert screen.title_label.text().endswith("［全全転居］")
    fill_dates(qtbot, screen, TODAY - dt.timedelta(days=2))
    fill_identity(qtbot, screen)
    fill_address(qtbot, screen, "909-0103", "21-7")
    with qtbot.waitSignal(screen.draft_saved, timeout=TIMEOUT):
        activate(qtbot, screen)
        key(qtbot, Qt.Key.Key_F12)
    [draft] = drafts_by(store, "IK312")
    assert draft.variant == "move_within"
    assert draft.form["destination"]["banchi"] == "21-7"
    assert draft.form["destination"]["postal_code"] == "9090103"
    assert draft.form["movers"][0]["atena_no"] == person.atena_no


def spouse_household(store: LocalStore, offset: int) -> tuple[Person, Person]:
    """A household of two: the 世帯主 and a 妻 or 夫."""
    for index in range(offset, offset + 40):
        home = family(store, 2, offset=index)
        other = home.others[0]
        if other.relationship in ("妻", "夫"):
            return home.householder, other
    raise AssertionError("no married couple of two in the demo city")


def test_householder_change_by_typing_the_new_relationships(
    qtbot: QtBot, store: LocalStore
) -> None:
    head, spouse = spouse_household(store, 50)
    _window, screen = window_and_screen(qtbot, store, "IK313")
    choose(screen, Variant.HOUSEHOLDER_CHANGE)
    assert "世帯主" in screen.registered.hint_label.text()
    find_household(qtbot, screen, spouse)
    members = screen.registered.members
    by_atena = {r.person.atena_no: r for r in members.rows}
    type_text(qtbot, by_atena[spouse.atena_no].relationship_edit, "世帯主")
    old_head = "夫" if spouse.relationship == "妻" else "妻"
    type_text(qtbot, by_atena[head.atena_no].relationship_edit, old_head)
    assert by_atena[head.atena_no].check.isChecked()  # a new 続柄 ticks the member
    fill_dates(qtbot, screen, TODAY - dt.timedelta(days=1))
    fill_identity(qtbot, screen, kind=NotifierKind.HOUSEHOLDER)
    with qtbot.waitSignal(screen.draft_saved, timeout=TIMEOUT):
        activate(qtbot, screen)
        key(qtbot, Qt.Key.Key_F12)
    [draft] = drafts_by(store, "IK313")
    assert draft.variant == "householder_change"
    assert draft.form["new_householder_atena_no"] == spouse.atena_no
    assert draft.form["relationship_changes"] == {
        spouse.atena_no: "世帯主",
        head.atena_no: old_head,
    }


# -- roles --------------------------------------------------------------------------------


def test_the_contractor_takes_notifications_but_reads_no_card(
    qtbot: QtBot, store: LocalStore
) -> None:
    window, screen = window_and_screen(qtbot, store, "IK321", Role.CONTRACTOR)
    assert window.draft_list is not None
    assert not screen.may_read_card and "card" not in screen.action_buttons
    assert window.identity_check_action is None and window.reader_status is None
    activate(qtbot, screen)
    key(qtbot, Qt.Key.Key_F8)
    assert screen.prefill.dialog is None
    newcomer_form(qtbot, screen, TODAY - dt.timedelta(days=1))
    with qtbot.waitSignal(screen.draft_saved, timeout=TIMEOUT):
        activate(qtbot, screen)
        key(qtbot, Qt.Key.Key_F12)
    assert [d.status for d in drafts_by(store, "IK321")] == ["draft"]


def test_f8_belongs_to_the_intake_screen_on_its_tab(qtbot: QtBot, store: LocalStore) -> None:
    window, screen = window_and_screen(qtbot, store, "IK322")
    assert "card" in screen.action_buttons
    action = window.identity_check_action
    assert action is not None and not action.isEnabled()
    window.show_search()
    assert action.isEnabled()
    key(qtbot, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentWidget() is screen and not action.isEnabled()


def test_sheet_path_is_written_where_typed(qtbot: QtBot, store: LocalStore, tmp_path: Path) -> None:
    _window, screen = window_and_screen(qtbot, store, "IK323")
    newcomer_form(qtbot, screen, TODAY - dt.timedelta(days=1))
    with qtbot.waitSignal(screen.draft_saved, timeout=TIMEOUT):
        activate(qtbot, screen)
        key(qtbot, Qt.Key.Key_F12)
    sheet = screen.sheet_dialog
    assert sheet is not None
    type_text(qtbot, sheet.path_edit, str(tmp_path / "nested" / "確認票"))
    activate(qtbot, sheet)
    with qtbot.waitSignal(sheet.sheet_written, timeout=TIMEOUT) as written:
        enter(qtbot)
    assert written.args[0].endswith("確認票.pdf")
    assert Path(written.args[0]).read_bytes().startswith(b"%PDF")


def test_move_in_joining_an_existing_household_shows_its_members(
    qtbot: QtBot, store: LocalStore
) -> None:
    home = family(store, 2, offset=70)
    _window, screen = window_and_screen(qtbot, store, "IK314")
    picker = screen.newcomers.destination
    picker.mode_combo.setCurrentIndex(picker.mode_combo.findData("existing"))
    assert screen.title_label.text().endswith("［一部転入］")
    finder = picker.finder
    activate(qtbot, screen)
    picker.mode_combo.setFocus()
    key(qtbot, Qt.Key.Key_F3)  # nothing typed yet: to the household search
    assert focused() is finder.name_edit
    type_text(qtbot, finder.atena_edit, home.householder.atena_no)
    with qtbot.waitSignal(finder.searched, timeout=TIMEOUT):
        key(qtbot, Qt.Key.Key_F3)
    with qtbot.waitSignal(picker.household_shown, timeout=TIMEOUT):
        enter(qtbot)
    shown_members = {picker.members_model.row_at(r).atena_no for r in range(2)}
    assert shown_members == {m.atena_no for m in home.members}
    assert "入る世帯の世帯主" in screen.newcomers.householder_label.text()
    fill_dates(qtbot, screen, TODAY - dt.timedelta(days=4))
    fill_identity(qtbot, screen)
    fill_newcomer(qtbot, screen, relationship="同居人")
    with qtbot.waitSignal(screen.draft_saved, timeout=TIMEOUT):
        activate(qtbot, screen)
        key(qtbot, Qt.Key.Key_F12)
    [draft] = drafts_by(store, "IK314")
    assert draft.form["destination"]["household_no"] == home.household.household_no
