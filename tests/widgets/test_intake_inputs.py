"""The intake fields check what is typed as it is typed (R-INTAKE-5, R-INTAKE-7)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from madoguchi.app.demo_city.inbound import INCOMING_FAMILIES
from madoguchi.widgets.intake_inputs import (
    EnterAdvances,
    HalfWidthEdit,
    KanaEdit,
    RelationshipEdit,
    WarekiDateEdit,
    individual_number_edit,
)
from tests.helpers.typing import type_text


def shown(qtbot: QtBot, widget: QWidget) -> QWidget:
    qtbot.addWidget(widget)
    widget.show()
    return widget


def test_kana_becomes_full_width_katakana_as_typed(qtbot: QtBot) -> None:
    edit = KanaEdit()
    shown(qtbot, edit)
    assert not edit.inputMethodHints() & Qt.InputMethodHint.ImhLatinOnly
    type_text(qtbot, edit, "もりもと")
    assert edit.text() == "モリモト"
    type_text(qtbot, edit, "ｹﾝﾀ")
    assert edit.text() == "ケンタ"
    edit.revalidate()
    assert edit.problem == ""
    with qtbot.waitSignal(edit.problem_changed) as changed:
        type_text(qtbot, edit, "森本")
        edit.revalidate()
    assert "全角カタカナ" in changed.args[0] and edit.toolTip() == changed.args[0]


def test_dates_in_wareki_or_western_are_shown_normalised(qtbot: QtBot) -> None:
    edit = WarekiDateEdit()
    shown(qtbot, edit)
    for typed in ("R8.10.30", "令和8年10月30日", "2026-10-30", "２０２６／１０／３０"):
        type_text(qtbot, edit, typed)
        edit.revalidate()
        assert edit.text() == "令和8年10月30日" and edit.problem == ""
        assert edit.date() is not None and edit.date().isoformat() == "2026-10-30"
    type_text(qtbot, edit, "R8.2.30")
    edit.revalidate()
    assert "暦にない日付" in edit.problem and edit.date() is None
    assert edit.iso_or_text() == "R8.2.30"
    western = WarekiDateEdit(western=True)
    shown(qtbot, western)
    type_text(qtbot, western, "R8.10.30")
    western.revalidate()
    assert western.text() == "2026年10月30日"


def test_numbers_are_half_width_and_the_individual_number_is_checked_unseen(
    qtbot: QtBot,
) -> None:
    postal = HalfWidthEdit(allowed="-")
    shown(qtbot, postal)
    assert postal.inputMethodHints() & Qt.InputMethodHint.ImhDigitsOnly
    type_text(qtbot, postal, "９０９－０１０１")
    assert postal.text() == "909-0101"
    holder = QWidget()
    number = individual_number_edit(holder)
    shown(qtbot, holder)
    assert number.echoMode() == QLineEdit.EchoMode.Password
    valid = INCOMING_FAMILIES[0].members[0].individual_number
    wrong = valid[:-1] + str((int(valid[-1]) + 1) % 10)
    type_text(qtbot, number, wrong)
    number.revalidate()
    assert "チェックデジット" in number.problem and wrong not in number.problem
    type_text(qtbot, number, "".join(chr(ord(c) + 0xFEE0) for c in valid))  # full width
    number.revalidate()
    assert number.text() == valid and number.problem == ""


def test_relationship_outside_the_vocabulary_names_the_right_form(qtbot: QtBot) -> None:
    edit = RelationshipEdit()
    shown(qtbot, edit)
    type_text(qtbot, edit, "孫")
    edit.revalidate()
    assert "「子の子」" in edit.problem
    type_text(qtbot, edit, "子の妻")
    edit.revalidate()
    assert edit.problem == ""


@pytest.fixture
def three_fields(qtbot: QtBot) -> tuple[QWidget, list[QLineEdit]]:
    form = QWidget()
    layout = QVBoxLayout(form)
    edits = [QLineEdit(form) for _ in range(4)]
    for edit in edits:
        layout.addWidget(edit)
    edits[2].hide()
    handles_enter = edits[3]
    handles_enter.setProperty("enter_advances", False)
    shown(qtbot, form)
    with qtbot.waitActive(form):
        form.activateWindow()
    enter = EnterAdvances(form)
    enter.watch(form)
    return form, edits


def test_enter_moves_to_the_next_visible_field(
    qtbot: QtBot, three_fields: tuple[QWidget, list[QLineEdit]]
) -> None:
    _form, edits = three_fields
    edits[0].setFocus()
    qtbot.keyClick(edits[0], Qt.Key.Key_Return)
    assert edits[1].hasFocus()
    qtbot.keyClick(edits[1], Qt.Key.Key_Return)
    assert edits[3].hasFocus()  # the hidden one is skipped
    with qtbot.waitSignal(edits[3].returnPressed):
        qtbot.keyClick(edits[3], Qt.Key.Key_Return)  # a field that keeps Enter for itself
    assert edits[3].hasFocus()
