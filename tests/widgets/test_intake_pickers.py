"""Address, persons, household members and findings of the intake screen, as widgets."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from madoguchi.app.demo_city.towns import domain_town, town_rows
from madoguchi.app.domain import intake_rules as rules
from madoguchi.app.domain.intake import CardReadRecord, Mover
from madoguchi.app.domain.intake_rules import Finding
from madoguchi.app.services.register_view import HouseholdView
from madoguchi.app.services.search import PersonSummary
from madoguchi.widgets.address_picker import AddressPicker, canonical_banchi
from madoguchi.widgets.findings_panel import FindingsPanel, InputProblem
from madoguchi.widgets.identity_panel import IdentityCheckPanel, card_read_text
from madoguchi.widgets.member_picker import MemberPicker
from madoguchi.widgets.mover_rows import MoverRowsEditor
from tests.helpers.typing import type_text

TOWNS = [domain_town(row) for row in town_rows()]


def test_a_postal_code_narrows_the_towns_and_a_town_gives_its_postal_code(
    qtbot: QtBot,
) -> None:
    picker = AddressPicker()
    qtbot.addWidget(picker)
    picker.set_towns(TOWNS)
    assert picker.town_combo.count() == len(TOWNS) + 1  # （町字を選択） first
    type_text(qtbot, picker.postal_edit, "9090101")
    picker.postal_edit.editingFinished.emit()
    assert picker.postal_edit.text() == "909-0101"
    assert picker.town_combo.count() == 5
    assert picker.town() is not None and picker.town().town_name == "本町"
    type_text(qtbot, picker.postal_edit, "909-9999")
    picker.postal_edit.editingFinished.emit()
    assert "住所辞書にありません" in picker.problem
    assert picker.town_combo.count() == len(TOWNS) + 1
    picker.town_combo.setCurrentIndex(picker.town_combo.findData(TOWNS[7].code.value))
    assert picker.postal_edit.text() == TOWNS[7].postal_code.formatted()
    assert picker.problem == ""
    type_text(qtbot, picker.banchi_edit, "１２番地の３")
    picker.banchi_edit.revalidate()
    address = picker.address()
    assert (address.address_code, address.banchi) == (TOWNS[7].code.value, "12-3")
    assert address.postal_code == TOWNS[7].postal_code.value
    type_text(qtbot, picker.banchi_edit, "東側")
    picker.banchi_edit.revalidate()
    assert "数字で" in picker.problem


def test_banchi_forms() -> None:
    assert canonical_banchi("16番3号") == "16-3"
    assert canonical_banchi("1234番地5") == "1234-5"
    assert canonical_banchi("16-3-201") == "16-3-201"
    assert canonical_banchi("") == ""


def test_person_lines_are_added_removed_and_read(qtbot: QtBot) -> None:
    rows = MoverRowsEditor()
    qtbot.addWidget(rows)
    rows.show()
    assert rows.movers() == ()
    rows.set_movers(
        [
            Mover(family_name="森本", given_name="健太", relationship="世帯主", honseki="大阪府"),
            Mover(family_name="森本", given_name="美咲", relationship="妻"),
        ]
    )
    assert rows.householder_name() == "森本　健太"
    rows.add_row()
    assert len(rows.rows) == 3 and len(rows.movers()) == 2  # a blank line is not a person
    third = rows.rows[2]
    type_text(qtbot, third.family_edit, "森本")
    type_text(qtbot, third.family_kana_edit, "もりもと")
    qtbot.keyClick(third.foreign_check, Qt.Key.Key_Space)
    assert third.foreign_line.isVisible()
    type_text(qtbot, third.status_edit, "家族滞在")
    mover = rows.movers()[2]
    assert (mover.family_name_kana, mover.is_foreign, mover.residence_status) == (
        "モリモト",
        True,
        "家族滞在",
    )
    assert rows.movers()[0].honseki == "大阪府"  # what the prefill brought stays
    rows.rows[1].given_edit.setFocus()
    rows.remove_current()
    assert [m.given_name for m in rows.movers()] == ["健太", ""]


def person(atena_no: str, name: str, relationship: str) -> PersonSummary:
    return PersonSummary(
        atena_no=atena_no,
        household_no="H1",
        name=name,
        kana="",
        birth_date="昭和59年6月3日",
        sex="男",
        address="架空県みどり市本町一丁目1番1号",
        relationship=relationship,
        status="current",
        status_label="現存",
        is_foreign=False,
        alias_name=None,
        card_status="",
    )


def test_members_ticked_are_all_or_part_and_carry_their_new_relationship(qtbot: QtBot) -> None:
    picker = MemberPicker()
    qtbot.addWidget(picker)
    picker.show()
    view = HouseholdView(
        household_no="H1",
        address="架空県みどり市本町一丁目1番1号",
        householder="試験　一郎",
        members=(
            person("A1", "試験　一郎", "世帯主"),
            person("A2", "試験　花子", "妻"),
            person("A3", "試験　次郎", "子"),
        ),
        history=(),
    )
    picker.set_household(view)
    assert "世帯主 試験　一郎" in picker.title_label.text()
    picker.set_checked({"A3"})
    assert "一部（3人中 1人）" in picker.selection_label.text()
    type_text(qtbot, picker.rows[2].relationship_edit, "世帯主")
    assert picker.movers() == (
        Mover(atena_no="A3", family_name="試験", given_name="次郎", relationship="世帯主"),
    )
    assert picker.relationship_changes() == {"A3": "世帯主"}
    picker.auto_check = True
    type_text(qtbot, picker.rows[1].relationship_edit, "祖父")
    picker.rows[1].relationship_edit.revalidate()
    assert picker.rows[1].check.isChecked() and "「父の父」" in picker.problem
    picker.set_checked({"A1", "A2", "A3"})
    assert "全部" in picker.selection_label.text() and picker.whole_household()


def test_alerts_are_ticked_one_by_one_and_stay_ticked(qtbot: QtBot) -> None:
    panel = FindingsPanel()
    qtbot.addWidget(panel)
    panel.show()
    late = Finding(rules.LATE_NOTIFICATION)
    draft = Finding(rules.OPEN_DRAFT_EXISTS, "試験　一郎", "転出 …")
    error = Finding(rules.BAD_RELATIONSHIP, "試験　一郎", "続柄「祖父」は使えません。")
    panel.show_findings([error, late, draft])
    texts = panel.lines()
    assert texts[0].startswith("【エラー E09】") and "続柄を住民票の表記で" in texts[0]
    assert panel.errors() and len(panel.unconfirmed_alerts()) == 2
    panel.list.setFocus()
    panel.list.setCurrentIndex(panel.model.index(1, 0))
    qtbot.keyClick(panel.list, Qt.Key.Key_Space)
    assert panel.confirmed_keys() == {late.key}
    panel.show_findings([draft])  # a later save lists only what is still open
    assert panel.confirmed_keys() == {late.key}
    panel.confirm_all()
    assert panel.confirmed_keys() == {late.key, draft.key} and not panel.unconfirmed_alerts()
    panel.show_problems([InputProblem("異動日", "入力された日付を読み取れません。")])
    assert "【入力】異動日" in panel.lines()[0] and panel.errors()
    panel.clear()
    assert panel.confirmed_keys() == set()


def test_identity_panel_records_nothing_until_filled(qtbot: QtBot) -> None:
    panel = IdentityCheckPanel()
    qtbot.addWidget(panel)
    panel.set_documents([("P01", "個人番号カード", True), ("N01", "健康保険証", False)])
    assert panel.record() is None
    assert not panel.power_of_attorney_check.isEnabled()  # 本人: no 委任状
    panel.kind_combo.setCurrentIndex(panel.kind_combo.findData("agent"))
    assert panel.power_of_attorney_check.isEnabled()
    panel.tick_document("N01")
    record = panel.record()
    assert record is not None and record.documents == ("N01",)
    assert card_read_text(None) == "カード読取: なし"
    read = CardReadRecord(
        individual_number_checked=True, individual_number_matches=True, genuine=None
    )
    panel.set_card_read(read)
    assert panel.card_label.text() == "カード読取: 個人番号 一致／真正性 未確認"
    assert panel.documents() == ("P01", "N01")  # the card was a document seen
    assert panel.record().card_read == read  # type: ignore[union-attr]
