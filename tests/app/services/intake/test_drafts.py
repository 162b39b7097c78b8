"""Drafts from the maker's side: edit, withdraw, the late list, the sheet (R-INTAKE-6)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from madoguchi.app.domain.intake import IntakeForm, Variant
from madoguchi.app.domain.permissions import Role
from madoguchi.app.services.intake import DraftNotEditable, MoveInService
from madoguchi.app.services.intake.drafts import DraftService
from madoguchi.storage.models import AuditEntry, Draft, OutboxEntry
from tests.app.services.intake.conftest import TODAY, days_ago, identity, new_address, newcomer
from tests.helpers.stores import context


def form(store, **changes) -> IntakeForm:
    fields = {
        "variant": Variant.DOMESTIC_MOVE_IN,
        "moved_on": days_ago(3),
        "notified_on": TODAY,
        "movers": (newcomer(),),
        "destination": new_address(store, "7-7", "サンプル荘101"),
        "previous_address": "東京都千代田区霞が関二丁目1番2号",
        "identity_check": identity(documents=("P01",)),
    }
    fields.update(changes)
    return IntakeForm(**fields)


def test_saving_writes_audit_and_outbox_in_the_same_transaction(store, ctx) -> None:
    saved = MoveInService(store).save(ctx, form(store))
    with store.transaction() as session:
        audit = session.query(AuditEntry).filter(AuditEntry.action == "intake_draft_saved").all()
        assert saved.draft_id in {a.detail["draft_id"] for a in audit}
        ops = session.query(OutboxEntry).filter(OutboxEntry.op_type == "submit_draft").all()
        assert saved.draft_id in {o.payload["draft_id"] for o in ops}


def test_the_maker_reopens_edits_and_saves_a_new_revision(store, ctx) -> None:
    drafts, service = DraftService(store), MoveInService(store)
    saved = service.save(ctx, form(store))
    view = drafts.open(ctx, saved.draft_id)
    assert view.form == form(store, movers=view.form.movers)
    edited = replace(view.form, moved_on=days_ago(4))
    again = service.save(ctx, edited, draft_id=saved.draft_id)
    assert (again.draft_id, again.revision) == (saved.draft_id, 2)
    assert drafts.open(ctx, saved.draft_id).form.moved_on == days_ago(4)
    assert saved.draft_id in {d.draft_id for d in drafts.mine(ctx)}


def test_someone_else_cannot_edit_or_withdraw_the_draft(store, ctx) -> None:
    saved = MoveInService(store).save(ctx, form(store))
    other = context(Role.CLERK, staff_no="S0002")
    with pytest.raises(DraftNotEditable):
        MoveInService(store).save(other, form(store), draft_id=saved.draft_id)
    with pytest.raises(DraftNotEditable):
        DraftService(store).withdraw(other, saved.draft_id, "間違い")
    with pytest.raises(DraftNotEditable):
        DraftService(store).open(other, saved.draft_id)


def test_withdraw_needs_a_reason_and_closes_the_draft(store, ctx) -> None:
    drafts = DraftService(store)
    saved = MoveInService(store).save(ctx, form(store))
    with pytest.raises(ValueError, match="理由"):
        drafts.withdraw(ctx, saved.draft_id, "  ")
    drafts.withdraw(ctx, saved.draft_id, "届出人の申出により取下げ")
    with store.transaction() as session:
        draft = session.get(Draft, saved.draft_id)
        assert draft is not None
        assert (draft.status, draft.status_reason) == ("withdrawn", "届出人の申出により取下げ")
    assert saved.draft_id not in {d.draft_id for d in drafts.mine(ctx)}
    assert saved.draft_id in {d.draft_id for d in drafts.mine(ctx, include_closed=True)}
    with pytest.raises(DraftNotEditable):
        MoveInService(store).save(ctx, form(store), draft_id=saved.draft_id)
    with pytest.raises(DraftNotEditable):
        drafts.withdraw(ctx, saved.draft_id, "二度目")


def test_withdrawn_late_notifications_leave_the_late_list(store, ctx) -> None:
    late_form = form(store, moved_on=days_ago(30))
    service, drafts = MoveInService(store), DraftService(store)
    saved = service.save(ctx, late_form, confirmed={"A01:"})
    assert saved.draft_id in {e.draft_id for e in drafts.late_notifications(ctx, TODAY, TODAY)}
    drafts.withdraw(ctx, saved.draft_id, "重複受付")
    assert saved.draft_id not in {e.draft_id for e in drafts.late_notifications(ctx, TODAY, TODAY)}


def test_sheet_facts_show_the_form_without_the_number(store, ctx) -> None:
    person = newcomer()
    saved = MoveInService(store).save(ctx, form(store, movers=(person,)))
    facts = DraftService(store).sheet_data(ctx, saved.draft_id)
    assert facts.title == "住民異動届（転入届）確認票"
    assert facts.municipality == "架空県みどり市"
    assert facts.persons[0].name == "試験　一郎"
    assert facts.persons[0].birth_date == "昭和55年2月17日"
    assert facts.previous_address_label == "転入前住所"
    assert facts.new_address.endswith("7番7号　サンプル荘101") or facts.new_address.endswith(
        "7番地7　サンプル荘101"
    )
    assert facts.documents == ("個人番号カード",)
    assert person.individual_number not in repr(facts)


def test_confirmation_sheet_is_a_pdf_with_the_form_and_no_number(store, ctx, tmp_path) -> None:
    import subprocess

    from tests.helpers.system import require_executable

    person = newcomer()
    saved = MoveInService(store).save(ctx, form(store, movers=(person,)))
    pdf = tmp_path / "sheet.pdf"
    pdf.write_bytes(DraftService(store).confirmation_sheet(ctx, saved.draft_id))
    text = subprocess.run(
        [str(require_executable("pdftotext")), "-layout", str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "住民異動届（転入届）確認票" in text
    assert "試験" in text and "シケン" in text
    assert "届出人署名" in text
    assert "●●●● ●●●● ●●●●" in text
    assert person.individual_number not in text.replace(" ", "")
    with store.transaction() as session:
        printed = session.query(AuditEntry).filter(AuditEntry.action == "intake_sheet_printed")
        assert saved.draft_id in {a.detail["draft_id"] for a in printed}
