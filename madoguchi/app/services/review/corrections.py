"""Corrections (職権修正, 誤記修正) and cancellation (取消) of registered data (R-REVIEW-3,
standard/j980.txt). Both are drafts too: proposed by staff, approved by a supervisor with the
correction right, never by their maker. A cancellation is a new history entry on top of the
old one that restores the state before the cancelled change, household included (R-DATA-3).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from madoguchi.app.context import ServiceContext
from madoguchi.app.domain.change_reason import (
    CANCEL_CORRECTION,
    CANCEL_ENTRY,
    CANCEL_REMOVAL,
    CLERICAL_CORRECTION,
    EX_OFFICIO_CORRECTION,
)
from madoguchi.app.domain.permissions import Action
from madoguchi.app.domain.relationship import InvalidRelationship, validate_relationship
from madoguchi.app.services.review.apply import set_name_keys
from madoguchi.app.services.review.changes import RegisteredChange
from madoguchi.app.services.review.recorder import ApplyError, Recorder, Stamp
from madoguchi.storage.audit import append_audit
from madoguchi.storage.models import ChangeHistory, Draft, Household, Person
from madoguchi.storage.outbox import enqueue_op
from madoguchi.storage.store import LocalStore

CORRECTABLE: Final[dict[str, str]] = {
    "family_name": "氏",
    "given_name": "名",
    "family_name_kana": "氏（フリガナ）",
    "given_name_kana": "名（フリガナ）",
    "birth_date": "生年月日",
    "sex": "性別",
    "relationship": "続柄",
    "honseki": "本籍",
    "hittosha": "筆頭者",
    "katagaki": "方書",
    "former_surname": "旧氏",
    "alias_name": "通称",
}
CORRECTION_KINDS: Final = {
    "ex_officio": EX_OFFICIO_CORRECTION,
    "clerical": CLERICAL_CORRECTION,
}
# Columns a cancellation puts back; stamps and row versions move forward instead.
_STAMPS: Final = frozenset({"processed_at", "process_id", "terminal_id", "staff_no", "row_version"})


class CorrectionRefused(ValueError):
    """The proposal cannot be made as it stands; the message says why and what to do."""


def _check_values(changes: dict[str, str]) -> None:
    unknown = sorted(set(changes) - set(CORRECTABLE))
    if unknown:
        raise CorrectionRefused(f"修正できない項目です（{', '.join(unknown)}）。")
    if not changes:
        raise CorrectionRefused("修正する項目を入力してください。")
    if "relationship" in changes:
        try:
            changes["relationship"] = validate_relationship(changes["relationship"])
        except InvalidRelationship as problem:
            raise CorrectionRefused(str(problem)) from problem
    if "birth_date" in changes:
        try:
            dt.date.fromisoformat(changes["birth_date"])
        except ValueError as problem:
            raise CorrectionRefused("生年月日は YYYY-MM-DD の形で入力してください。") from problem
    if "sex" in changes and changes["sex"] not in ("1", "2"):
        raise CorrectionRefused("性別は 1（男）または 2（女）で入力してください。")


class CorrectionService:
    """Proposes corrections and cancellations as drafts for a supervisor to approve."""

    def __init__(self, store: LocalStore) -> None:
        self._store = store

    def propose_correction(
        self,
        ctx: ServiceContext,
        atena_no: str,
        changes: dict[str, str],
        *,
        reason: str,
        kind: str = "ex_officio",
    ) -> str:
        """A draft correcting ``changes`` of one person; returns its draft id."""
        ctx.actor.require(Action.PROPOSE_CORRECTION)
        if kind not in CORRECTION_KINDS:
            raise CorrectionRefused("修正の種類は職権修正または誤記修正です。")
        if not reason.strip():
            raise CorrectionRefused("修正の理由を入力してください。")
        changes = dict(changes)
        _check_values(changes)
        with self._store.transaction() as session:
            person = session.get(Person, atena_no)
            if person is None:
                raise CorrectionRefused(f"宛名番号 {atena_no} の住民は見つかりません。")
            before = {name: getattr(person, name) for name in changes}
            form = {
                "atena_no": atena_no,
                "changes": changes,
                "before": before,
                "reason": reason.strip(),
                "correction_kind": kind,
            }
            label = CORRECTION_KINDS[kind].name
            items = "・".join(CORRECTABLE[c] for c in changes)
            summary = f"{label} {person.family_name}　{person.given_name}（{items}）"
            return _new_draft(
                session,
                ctx,
                kind="correction",
                variant=kind,
                summary=summary,
                form=form,
                persons={atena_no: person.row_version},
                households={},
            )

    def propose_cancellation(self, ctx: ServiceContext, draft_id: str, *, reason: str) -> str:
        """A draft cancelling the approved change of ``draft_id`` (取消); its draft id."""
        ctx.actor.require(Action.PROPOSE_CORRECTION)
        if not reason.strip():
            raise CorrectionRefused("取消の理由を入力してください。")
        with self._store.transaction() as session:
            approved = session.get(Draft, draft_id)
            if approved is None or approved.status != "approved" or not approved.process_id:
                raise CorrectionRefused("取り消せるのは決裁済みの異動だけです。")
            if (approved.status_reason or "").startswith("取消済み"):
                raise CorrectionRefused("この異動はすでに取り消されています。")
            pending = session.scalars(
                select(Draft).where(
                    Draft.kind == "cancellation", Draft.status.in_(("draft", "rejected"))
                )
            ).all()
            if any(d.form.get("cancelled_draft_id") == draft_id for d in pending):
                raise CorrectionRefused("この異動の取消しはすでに起票され、決裁待ちです。")
            entries = _entries_of(session, approved.process_id)
            persons = {}
            households: dict[str, int] = {}
            for entry in entries:
                person = session.get(Person, entry.atena_no)
                assert person is not None
                persons[entry.atena_no] = person.row_version
                for snapshot in (entry.before, entry.after):
                    if snapshot and snapshot.get("household_no"):
                        household = session.get(Household, snapshot["household_no"])
                        if household is not None:
                            households[household.household_no] = household.row_version
            form = {"cancelled_draft_id": draft_id, "reason": reason.strip()}
            return _new_draft(
                session,
                ctx,
                kind="cancellation",
                variant="cancellation",
                summary=f"取消 {approved.summary}",
                form=form,
                persons=persons,
                households=households,
            )


def _entries_of(session: Session, process_id: str) -> list[ChangeHistory]:
    return list(
        session.scalars(
            select(ChangeHistory)
            .where(ChangeHistory.process_id == process_id)
            .order_by(ChangeHistory.id)
        )
    )


def _new_draft(
    session: Session,
    ctx: ServiceContext,
    *,
    kind: str,
    variant: str,
    summary: str,
    form: dict[str, Any],
    persons: dict[str, int],
    households: dict[str, int],
) -> str:
    now = ctx.now()
    draft = Draft(
        draft_id=str(uuid.uuid4()),
        kind=kind,
        variant=variant,
        status="draft",
        maker_staff_no=ctx.actor.staff_no,
        terminal_id=ctx.terminal_id,
        office=ctx.actor.office,
        created_at=now,
        updated_at=now,
        revision=1,
        moved_on=None,
        notified_on=now.date(),
        late=False,
        ex_officio=True,
        summary=summary,
        target_persons=sorted(persons),
        form=form,
        base_versions={"persons": persons, "households": households},
        confirmed_alerts=[],
        row_version=1,
    )
    session.add(draft)
    session.flush()
    append_audit(
        session,
        at=now,
        terminal_id=ctx.terminal_id,
        staff_no=ctx.actor.staff_no,
        action=f"{kind}_proposed",
        target_persons=sorted(persons),
        detail={"draft_id": draft.draft_id, "reason": form["reason"]},
    )
    enqueue_op(
        session,
        op_type="submit_draft",
        payload={"draft_id": draft.draft_id, "kind": kind, "base_versions": draft.base_versions},
        created_at=now,
        terminal_id=ctx.terminal_id,
        staff_no=ctx.actor.staff_no,
    )
    return draft.draft_id


def apply_correction(session: Session, draft: Draft, stamp: Stamp) -> RegisteredChange:
    """Write the corrected items; the history keeps before, after and the reason."""
    form = draft.form
    person = session.get(Person, form["atena_no"])
    if person is None:
        raise ApplyError("修正する住民が見つかりません。")
    record = Recorder(session, stamp)
    record.touch_person(person, person.atena_no)
    for name, value in form["changes"].items():
        setattr(
            person, name, value or None if name in ("honseki", "hittosha", "katagaki") else value
        )
    set_name_keys(person)
    reason = CORRECTION_KINDS[form["correction_kind"]]
    today = stamp.processed_at.date().isoformat()
    record.changed(person, reason.code, today, None)
    persons, households = record.finish(f"{reason.name}: {form['reason']}")
    return _change(draft, stamp, persons, record, households)


def apply_cancellation(session: Session, draft: Draft, stamp: Stamp) -> RegisteredChange:
    """Put back every person and household the cancelled change touched (standard j980)."""
    cancelled = session.get(Draft, draft.form["cancelled_draft_id"])
    if cancelled is None or not cancelled.process_id:
        raise ApplyError("取り消す異動が見つかりません。")
    record = Recorder(session, stamp)
    today = stamp.processed_at.date().isoformat()
    entries = _entries_of(session, cancelled.process_id)
    for entry in entries:
        person = session.get(Person, entry.atena_no)
        assert person is not None
        record.touch_person(person, entry.atena_no)
        if entry.before is None:
            # Created by the cancelled change: it becomes a 除票 of a cancelled entry.
            person.status = "removed"
            person.removed_on = today
            person.removal_reason = CANCEL_REMOVAL.code
            code = CANCEL_REMOVAL.code
        else:
            was_current = person.status == "current"
            _restore(person, entry.before)
            code = (
                CANCEL_ENTRY.code
                if person.status == "current" and not was_current
                else CANCEL_CORRECTION.code
            )
        record.changed(person, code, today, None)
    applied = cancelled.applied or {}
    for number, before in (applied.get("households_before") or {}).items():
        household = session.get(Household, number)
        if household is None:
            continue
        record.touch_household(household, number)
        if before is None:
            household.removed = True  # created by the cancelled change
        else:
            _restore(household, before)
        record.household_changed(household)
    persons, households = record.finish(f"異動の取消し: {draft.form['reason']}")
    cancelled.status_reason = f"取消済み（{draft.draft_id}）"
    return _change(draft, stamp, persons, record, households)


def _restore(row: Person | Household, snapshot: dict[str, Any]) -> None:
    for column in row.__table__.columns:
        if column.key in _STAMPS or column.key not in snapshot:
            continue
        value = snapshot[column.key]
        python_type = getattr(column.type, "python_type", None)
        if value is not None and python_type in (dt.date, dt.datetime):
            value = python_type.fromisoformat(value)
        setattr(row, column.key, value)


def _change(
    draft: Draft,
    stamp: Stamp,
    persons: tuple[Any, ...],
    record: Recorder,
    households: dict[str, Any],
) -> RegisteredChange:
    return RegisteredChange(
        draft_id=draft.draft_id,
        kind=draft.kind,
        variant=draft.variant,
        processed_at=stamp.processed_at,
        process_id=stamp.process_id,
        terminal_id=stamp.terminal_id,
        staff_no=stamp.staff_no,
        persons=persons,
        households_before=record.households_before,
        households_after=households,
    )
