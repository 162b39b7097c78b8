"""特例転入 of a family of three, by keyboard only (R-INTAKE-5, R-INTAKE-7, standard j400).

The householder's My Number card goes into the virtual reader; the clerk presses F8, the
resident types the PIN on the PIN pad, the card's items and the received 転出証明書情報 fill
the form, the clerk completes the rest and saves — a draft, the register untouched. No mouse
event is sent anywhere in the application.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from madoguchi.app.demo_city.cards import DEMO_TEXT_PIN
from madoguchi.app.demo_city.inbound import INCOMING_FAMILIES, incoming_cards
from madoguchi.app.domain.intake import Variant
from madoguchi.app.domain.permissions import Role
from madoguchi.storage.store import LocalStore
from tests.forms.intake_support import (
    TIMEOUT,
    MouseGuard,
    activate,
    drafts_by,
    enter,
    focused,
    intake_of,
    key,
    open_window,
    register_counts,
)
from tests.helpers.card_harness import CardStack
from tests.helpers.stores import FIXED_NOW, copy_store
from tests.helpers.typing import type_text

CARD_TIMEOUT = 20_000


def test_card_move_in_of_a_family_of_three_by_keyboard_only(
    qtbot: QtBot, demo_store: LocalStore, card: CardStack, tmp_path: Path
) -> None:
    store = copy_store(demo_store, tmp_path / "intake.db")
    family = INCOMING_FAMILIES[0]
    numbers = [m.individual_number for m in family.members]
    before = register_counts(store, numbers)
    assert before.numbers_found == 0
    guard = MouseGuard()
    app = QApplication.instance()
    assert app is not None
    app.installEventFilter(guard)
    try:
        window = open_window(qtbot, store, Role.CLERK, "IK201")
        screen = intake_of(qtbot, window)
        assert focused() is screen.variant_combo
        assert screen.moved_edit.text() == ""  # standard j480: 異動日 starts empty
        assert screen.notified_edit.date() == FIXED_NOW.date()  # j570: 届出日 is today

        # F8: the card of the householder, the PIN typed by the resident on the pad.
        card.insert(incoming_cards()[0])
        key(qtbot, Qt.Key.Key_F8)
        reader = screen.prefill
        qtbot.waitUntil(lambda: reader.dialog is not None, timeout=CARD_TIMEOUT)
        dialog = reader.dialog
        assert dialog is not None
        qtbot.waitUntil(lambda: dialog.pin_pad is not None, timeout=CARD_TIMEOUT)
        pad = dialog.pin_pad
        assert pad is not None
        activate(qtbot, pad)
        assert focused() is pad.pin_edit
        for digit in DEMO_TEXT_PIN:
            key(qtbot, digit)
        key(qtbot, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: dialog.comparison is not None, timeout=CARD_TIMEOUT)
        activate(qtbot, dialog)
        key(qtbot, Qt.Key.Key_Escape)  # 閉じて入力に反映

        # The certificate received for this card's number, beside the card: take it (Enter).
        qtbot.waitUntil(lambda: reader.proposal_dialog is not None, timeout=CARD_TIMEOUT)
        proposal = reader.proposal_dialog
        assert proposal is not None
        assert family.certificate_id in proposal.title_label.text()
        rows = {proposal.model.row_at(r).label: proposal.model.row_at(r) for r in range(5)}
        assert all(row.agreement == "一致" for row in rows.values())
        assert family.members[0].individual_number not in str(rows)
        activate(qtbot, proposal)
        key(qtbot, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: screen.variant() == Variant.SPECIAL_MOVE_IN, timeout=TIMEOUT)
        assert screen.title_label.text().endswith("特例転入（マイナンバーカード）［全部転入］")
        qtbot.waitUntil(lambda: screen.identity.card_read is not None, timeout=TIMEOUT)
        movers = screen.newcomers.rows.movers()
        assert [(m.name, m.relationship) for m in movers] == [
            ("森本　健太", "世帯主"),
            ("森本　美咲", "妻"),
            ("森本　陽向", "子"),
        ]
        assert [m.individual_number for m in movers] == numbers
        assert screen.newcomers.previous_edit.text() == family.former_address
        assert "世帯主: 森本　健太" in screen.newcomers.householder_label.text()
        assert screen.identity.name_edit.text() == "森本　健太"
        assert "P01" in screen.identity.documents()  # the card was seen

        # The clerk completes the form, Enter from field to field.
        activate(qtbot, screen)
        assert focused() is screen.moved_edit
        moved_on = FIXED_NOW.date() - dt.timedelta(days=15)
        type_text(qtbot, screen.moved_edit, f"R8.{moved_on.month}.{moved_on.day}")
        enter(qtbot)
        assert screen.moved_edit.text() == f"令和8年{moved_on.month}月{moved_on.day}日"
        assert focused() is screen.identity.kind_combo  # 本人
        enter(qtbot, 2)  # 氏名 came from the card
        assert focused() is screen.identity.documents_list
        key(qtbot, Qt.Key.Key_Down)  # 運転免許証, seen as well
        key(qtbot, Qt.Key.Key_Space)
        assert screen.identity.documents() == ("P01", "P02")
        enter(qtbot)  # 委任状 is for agents only: skipped
        assert focused() is screen.identity.notes_edit
        enter(qtbot)
        picker = screen.newcomers.destination
        assert focused() is picker.mode_combo  # 新しい世帯を作る（全部）
        enter(qtbot)
        assert focused() is picker.address.postal_edit
        type_text(qtbot, picker.address.postal_edit, "９０９０１０１")  # full width folds
        enter(qtbot)
        assert focused() is picker.address.town_combo
        assert picker.address.postal_edit.text() == "909-0101"
        assert picker.address.town_combo.count() == 5  # 本町一〜五丁目
        key(qtbot, Qt.Key.Key_Down)
        assert picker.address.town() is not None
        assert picker.address.town().name_without_prefecture().endswith("本町二丁目")
        enter(qtbot)
        assert focused() is picker.address.banchi_edit
        type_text(qtbot, picker.address.banchi_edit, "16番3号")
        enter(qtbot)
        assert picker.address.banchi_edit.text() == "16-3"
        assert focused() is picker.address.katagaki_edit
        enter(qtbot)
        assert focused() is screen.newcomers.previous_edit

        # F12: the late notification is an alert; nothing is saved until it is ticked.
        key(qtbot, Qt.Key.Key_F12)
        qtbot.waitUntil(lambda: bool(screen.findings.findings), timeout=TIMEOUT)
        assert [f.rule.code for f in screen.findings.findings] == ["A01"]
        assert "14日を過ぎた" in screen.findings.lines()[0]
        assert drafts_by(store, "IK201") == []
        assert focused() is screen.findings.list
        key(qtbot, Qt.Key.Key_Space)
        assert screen.findings.confirmed_keys() == {"A01:"}
        with qtbot.waitSignal(screen.draft_saved, timeout=TIMEOUT) as saved:
            key(qtbot, Qt.Key.Key_F12)
        draft_id = saved.args[0].draft_id

        # The saved dialog names the draft; its sheet goes to a file typed in.
        sheet = screen.sheet_dialog
        assert sheet is not None and draft_id in sheet.number_label.text()
        activate(qtbot, sheet)
        assert focused() is sheet.path_edit
        target = tmp_path / "sheet.pdf"
        type_text(qtbot, sheet.path_edit, str(target))
        with qtbot.waitSignal(sheet.sheet_written, timeout=TIMEOUT):
            enter(qtbot)
        assert target.read_bytes().startswith(b"%PDF")
        key(qtbot, Qt.Key.Key_Escape)
        assert screen.newcomers.rows.movers() == ()  # the form starts over
    finally:
        app.removeEventFilter(guard)

    assert guard.clicks == []
    [draft] = drafts_by(store, "IK201")
    assert draft.draft_id == draft_id
    assert draft.status == "draft"
    assert draft.variant == Variant.SPECIAL_MOVE_IN.value
    assert draft.late is True
    assert draft.form["move_out_certificate_id"] == family.certificate_id
    assert draft.form["moved_on"] == moved_on.isoformat()
    assert [m["given_name"] for m in draft.form["movers"]] == ["健太", "美咲", "陽向"]
    assert draft.form["destination"]["banchi"] == "16-3"
    assert draft.form["identity_check"]["card_read"] == {
        "individual_number_checked": True,
        "individual_number_matches": True,
        "genuine": None,
        "certificate_serial": None,
    }
    assert draft.form["identity_check"]["documents"] == ["P01", "P02"]
    assert [a["code"] for a in draft.confirmed_alerts] == ["A01"]
    assert register_counts(store, numbers) == before  # a draft, not the register
    window.close()
    store.close()
