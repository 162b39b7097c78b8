"""The review queue and approval (審査・決裁, R-REVIEW-1…5, standard/j530.txt).

A supervisor lists pending drafts, opens one to see every field before → after (computed by
applying the draft inside a savepoint that is then rolled back), and approves or rejects it.
Approval is one transaction: the register rows, their history entries, the outbound interface
records, the audit entry and the outbox op. Nobody approves their own draft (R-ROLE-3); a
draft whose base changed since it was saved must be refreshed first (R-REVIEW-5).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Final, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from madoguchi.app.context import ServiceContext
from madoguchi.app.domain.intake import (
    KIND_LABELS,
    VARIANT_LABELS,
    IdentityCheckRecord,
    IntakeKind,
    Variant,
    form_from_json,
)
from madoguchi.app.domain.intake_rules import Level
from madoguchi.app.domain.permissions import Action, allowed
from madoguchi.app.domain.separation import check_approver
from madoguchi.app.services.intake import intake_services
from madoguchi.app.services.intake.base import IntakeRefused, record_draft_closing
from madoguchi.app.services.review.apply import apply_form
from madoguchi.app.services.review.changes import RegisteredChange
from madoguchi.app.services.review.corrections import apply_cancellation, apply_correction
from madoguchi.app.services.review.recorder import Stamp
from madoguchi.storage.audit import append_audit
from madoguchi.storage.models import Draft, Household, Person
from madoguchi.storage.outbox import enqueue_op
from madoguchi.storage.store import LocalStore

DEFAULT_BULK_CAP: Final = 20
CORRECTION_KINDS: Final = ("correction", "cancellation")
KIND_NAMES: Final = {
    **{kind.value: label for kind, label in KIND_LABELS.items()},
    "correction": "職権修正・誤記修正",
    "cancellation": "異動の取消し",
}
FIELD_LABELS: Final = {
    "status": "状態",
    "household_no": "世帯番号",
    "family_name": "氏",
    "given_name": "名",
    "family_name_kana": "氏（フリガナ）",
    "given_name_kana": "名（フリガナ）",
    "birth_date": "生年月日",
    "sex": "性別",
    "relationship": "続柄",
    "address": "住所",
    "katagaki": "方書",
    "address_set_on": "住所を定めた日",
    "became_resident_on": "住民となった日",
    "previous_address": "前住所",
    "removed_on": "消除日",
    "removal_reason": "消除事由",
    "move_out_planned_address": "転出予定先",
    "move_out_planned_on": "転出予定日",
    "honseki": "本籍",
    "hittosha": "筆頭者",
    "individual_number": "個人番号",
    "resident_code": "住民票コード",
    "notified_on": "届出日",
    "residence_status": "在留資格",
    "residence_card_no": "在留カード番号",
    "former_surname": "旧氏",
    "alias_name": "通称",
}
MASKED: Final = {"individual_number": "●●●● ●●●● ●●●●", "resident_code": "●●●●●●●●●●●"}


class Emitter(Protocol):
    """Writes the outbound interface records of a registered change (R-IF)."""

    def emit(self, session: Session, change: RegisteredChange, at: dt.datetime) -> None:
        """Add the records to ``session``'s transaction."""
        ...


class ReviewRefused(ValueError):
    """The draft cannot be approved or rejected now; the message says why and what to do."""


class StaleDraft(ReviewRefused):
    """The register moved under the draft (R-REVIEW-5): refresh it before approving."""

    def __init__(self, changed: list[str]) -> None:
        self.changed = changed
        super().__init__(
            "この仮登録の作成後に、対象の住民・世帯が更新されています（"
            + "、".join(changed)
            + "）。「最新化」で現在の住民票に照らして確認し直してから決裁してください。"
        )


@dataclass(frozen=True)
class ReviewFilter:
    """Queue filters of R-REVIEW-1."""

    office: str | None = None
    terminal_id: str | None = None
    kind: str | None = None
    older_than_hours: float | None = None


@dataclass(frozen=True)
class QueueItem:
    """One pending draft in the supervisor's queue."""

    draft_id: str
    kind: str
    kind_label: str
    summary: str
    maker_staff_no: str
    terminal_id: str
    office: str
    created_at: dt.datetime
    age_hours: float
    stale: bool
    late: bool
    own: bool


@dataclass(frozen=True)
class FieldChange:
    """One field of one person, before → after (restricted items masked)."""

    person: str
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class ReviewView:
    """A draft opened for review."""

    draft_id: str
    kind_label: str
    variant_label: str
    summary: str
    maker_staff_no: str
    created_at: dt.datetime
    revision: int
    identity_check: IdentityCheckRecord | None
    alerts: tuple[str, ...]
    stale: tuple[str, ...]
    changes: tuple[FieldChange, ...]
    problem: str | None
    reason: str | None = None


@dataclass(frozen=True)
class BulkResult:
    """What happened to each draft of a bulk approval."""

    approved: tuple[str, ...]
    refused: dict[str, str]


def stale_items(session: Session, draft: Draft) -> list[str]:
    """Names of the persons/households whose row version moved since the draft was saved."""
    changed = []
    for atena_no, version in (draft.base_versions.get("persons") or {}).items():
        person = session.get(Person, atena_no)
        if person is None or person.row_version != version:
            name = f"{person.family_name}　{person.given_name}" if person else atena_no
            changed.append(name)
    for household_no, version in (draft.base_versions.get("households") or {}).items():
        household = session.get(Household, household_no)
        if household is None or household.row_version != version:
            changed.append(f"世帯 {household_no}")
    return changed


def _show(column: str, value: Any) -> str:
    if value in (None, ""):
        return ""
    if column in MASKED:
        return MASKED[column]
    if column == "sex":
        return {"1": "男", "2": "女"}.get(str(value), str(value))
    if column == "status":
        return {"current": "住民", "removed": "除票"}.get(str(value), str(value))
    return str(value)


def field_changes(change: RegisteredChange) -> tuple[FieldChange, ...]:
    """Every shown field that differs, person by person."""
    rows = []
    for person in change.persons:
        before, after = person.before or {}, person.after
        who = f"{after.get('family_name', '')}　{after.get('given_name', '')}"
        for column, label in FIELD_LABELS.items():
            old, new = before.get(column), after.get(column)
            if old != new:
                rows.append(FieldChange(who, label, _show(column, old), _show(column, new)))
    return tuple(rows)


class ReviewService:
    """The supervisor's side of drafts."""

    def __init__(
        self, store: LocalStore, emitter: Emitter | None = None, bulk_cap: int = DEFAULT_BULK_CAP
    ) -> None:
        self._store = store
        self._emitter = emitter
        self.bulk_cap = bulk_cap

    def _emitter_or_default(self) -> Emitter:
        if self._emitter is None:
            from madoguchi.app.services.interfaces.queue import InterfaceQueueService

            self._emitter = InterfaceQueueService(self._store)
        return self._emitter

    def queue(self, ctx: ServiceContext, filters: ReviewFilter = ReviewFilter()) -> list[QueueItem]:
        """Pending drafts, oldest first, with the filters of R-REVIEW-1.

        Corrections and cancellations are listed only to holders of the correction right.
        """
        ctx.actor.require(Action.REVIEW)
        if filters.kind in CORRECTION_KINDS:
            ctx.actor.require(Action.APPROVE_CORRECTION)
        corrections_visible = allowed(ctx.actor.roles, Action.APPROVE_CORRECTION)
        now = ctx.now()
        with self._store.transaction() as session:
            query = select(Draft).where(Draft.status == "draft")
            if filters.office:
                query = query.where(Draft.office == filters.office)
            if filters.terminal_id:
                query = query.where(Draft.terminal_id == filters.terminal_id)
            if filters.kind:
                query = query.where(Draft.kind == filters.kind)
            if not corrections_visible:
                query = query.where(Draft.kind.not_in(CORRECTION_KINDS))
            if filters.older_than_hours is not None:
                cutoff = now - dt.timedelta(hours=filters.older_than_hours)
                query = query.where(Draft.created_at <= cutoff)
            items = []
            for draft in session.scalars(query.order_by(Draft.created_at)):
                items.append(
                    QueueItem(
                        draft.draft_id,
                        draft.kind,
                        KIND_NAMES.get(draft.kind, draft.kind),
                        draft.summary,
                        draft.maker_staff_no,
                        draft.terminal_id,
                        draft.office,
                        draft.created_at,
                        (now - draft.created_at).total_seconds() / 3600,
                        bool(stale_items(session, draft)),
                        draft.late,
                        draft.maker_staff_no == ctx.actor.staff_no,
                    )
                )
            append_audit(
                session,
                at=now,
                terminal_id=ctx.terminal_id,
                staff_no=ctx.actor.staff_no,
                action="review_queue",
                detail={"count": len(items), "kind": filters.kind, "office": filters.office},
            )
            return items

    def open(self, ctx: ServiceContext, draft_id: str) -> ReviewView:
        """The draft with every field before → after, its identity check and alerts."""
        ctx.actor.require(Action.REVIEW)
        with self._store.transaction() as session:
            draft = self._pending(session, draft_id)
            stale = stale_items(session, draft)
            problem = None
            changes: tuple[FieldChange, ...] = ()
            savepoint = session.begin_nested()
            try:
                change = self._apply(session, draft, self._stamp(ctx, "preview"))
                changes = field_changes(change)
            except Exception as error:  # shown to the reviewer, never applied
                problem = str(error)
            finally:
                savepoint.rollback()
            append_audit(
                session,
                at=ctx.now(),
                terminal_id=ctx.terminal_id,
                staff_no=ctx.actor.staff_no,
                action="review_opened",
                target_persons=list(draft.target_persons),
                detail={"draft_id": draft_id},
            )
            identity = None
            variant_label = draft.variant
            if draft.kind in {k.value for k in IntakeKind}:
                form = form_from_json(draft.form)
                identity = form.identity_check
                variant_label = VARIANT_LABELS[Variant(draft.variant)]
            return ReviewView(
                draft.draft_id,
                KIND_NAMES.get(draft.kind, draft.kind),
                variant_label,
                draft.summary,
                draft.maker_staff_no,
                draft.created_at,
                draft.revision,
                identity,
                tuple(str(a["message"]) for a in draft.confirmed_alerts),
                tuple(stale),
                changes,
                problem,
                draft.form.get("reason") if draft.kind in CORRECTION_KINDS else None,
            )

    def approve(self, ctx: ServiceContext, draft_id: str) -> RegisteredChange:
        """決裁 → 本登録: apply the draft with its history, interface records and audit."""
        with self._store.transaction() as session:
            draft = self._pending(session, draft_id)
            self._require_right(ctx, draft)
            check_approver(ctx.actor.staff_no, [draft.maker_staff_no])
            stale = stale_items(session, draft)
            if stale:
                raise StaleDraft(stale)
            self._recheck(session, ctx, draft)
            stamp = self._stamp(ctx, None)
            change = self._apply(session, draft, stamp)
            self._emitter_or_default().emit(session, change, stamp.processed_at)
            draft.status = "approved"
            draft.reviewer_staff_no = ctx.actor.staff_no
            draft.reviewed_at = stamp.processed_at
            draft.process_id = stamp.process_id
            draft.applied = {"households_before": change.households_before}
            draft.row_version += 1
            persons = [p.atena_no for p in change.persons]
            append_audit(
                session,
                at=stamp.processed_at,
                terminal_id=ctx.terminal_id,
                staff_no=ctx.actor.staff_no,
                action="review_approved",
                target_persons=persons,
                detail={
                    "draft_id": draft_id,
                    "process_id": stamp.process_id,
                    "kind": draft.kind,
                    "variant": draft.variant,
                },
            )
            enqueue_op(
                session,
                op_type="approve_draft",
                payload={
                    "draft_id": draft_id,
                    "revision": draft.revision,
                    "process_id": stamp.process_id,
                    "base_versions": draft.base_versions,
                },
                created_at=stamp.processed_at,
                terminal_id=ctx.terminal_id,
                staff_no=ctx.actor.staff_no,
            )
            return change

    def approve_many(self, ctx: ServiceContext, draft_ids: list[str]) -> BulkResult:
        """Bulk approval of a selection, up to the cap; each draft in its own transaction."""
        ctx.actor.require(Action.REVIEW)
        if len(draft_ids) > self.bulk_cap:
            raise ReviewRefused(
                f"一括決裁は {self.bulk_cap} 件までです。"
                f"選択を {self.bulk_cap} 件以下にしてください。"
            )
        approved, refused = [], {}
        for draft_id in draft_ids:
            try:
                self.approve(ctx, draft_id)
            except (ReviewRefused, IntakeRefused, ValueError) as problem:
                refused[draft_id] = str(problem)
            else:
                approved.append(draft_id)
        return BulkResult(tuple(approved), refused)

    def reject(self, ctx: ServiceContext, draft_id: str, reason: str) -> None:
        """差戻し with a reason; the maker can fix and resubmit. No interface record."""
        ctx.actor.require(Action.REVIEW)
        if not reason.strip():
            raise ReviewRefused("差戻しの理由を入力してください。")
        with self._store.transaction() as session:
            draft = self._pending(session, draft_id)
            now = ctx.now()
            draft.status = "rejected"
            draft.status_reason = reason.strip()
            draft.reviewer_staff_no = ctx.actor.staff_no
            draft.reviewed_at = now
            draft.row_version += 1
            record_draft_closing(
                session,
                ctx,
                draft,
                action="review_rejected",
                op_type="reject_draft",
                reason=reason.strip(),
                at=now,
            )

    def refresh(self, ctx: ServiceContext, draft_id: str) -> list[str]:
        """Re-check a stale draft against today's register and take its new base versions.

        Errors refuse (the draft stays stale: reject it to the maker); alerts that appear now
        are returned and recorded as seen by the reviewer.
        """
        ctx.actor.require(Action.REVIEW)
        with self._store.transaction() as session:
            draft = self._pending(session, draft_id)
            if draft.kind in {k.value for k in IntakeKind}:
                form = form_from_json(draft.form)
                service = intake_services(self._store)[form.kind]
                result, touched = service.evaluate(session, ctx, form, exclude_draft=draft_id)
                if result.errors:
                    raise IntakeRefused(list(result.findings))
                alerts = [a.message for a in result.alerts]
                draft.base_versions = {
                    "persons": {k: p.row_version for k, p in sorted(touched.persons.items())},
                    "households": {k: h.row_version for k, h in sorted(touched.households.items())},
                }
                draft.confirmed_alerts = [
                    {"key": a.key, "code": a.rule.code, "message": a.message, "by": "reviewer"}
                    for a in result.alerts
                ]
            else:
                alerts = []
                draft.base_versions = _current_versions(session, draft)
            draft.revision += 1
            draft.row_version += 1
            append_audit(
                session,
                at=ctx.now(),
                terminal_id=ctx.terminal_id,
                staff_no=ctx.actor.staff_no,
                action="review_refreshed",
                target_persons=list(draft.target_persons),
                detail={"draft_id": draft_id, "revision": draft.revision},
            )
            return alerts

    # -- inside ---------------------------------------------------------------------------

    @staticmethod
    def _pending(session: Session, draft_id: str) -> Draft:
        draft = session.get(Draft, draft_id)
        if draft is None:
            raise ReviewRefused("仮登録が見つかりません。一覧を更新してください。")
        if draft.status != "draft":
            raise ReviewRefused(
                "この仮登録は審査待ちではありません（取下げ・差戻し・決裁済み）。一覧を更新してください。"
            )
        return draft

    @staticmethod
    def _require_right(ctx: ServiceContext, draft: Draft) -> None:
        if draft.kind in CORRECTION_KINDS:
            ctx.actor.require(Action.APPROVE_CORRECTION)
        else:
            ctx.actor.require(Action.REVIEW)

    def _recheck(self, session: Session, ctx: ServiceContext, draft: Draft) -> None:
        """The intake rules once more, against the register as it is at approval."""
        if draft.kind not in {k.value for k in IntakeKind}:
            return
        form = form_from_json(draft.form)
        service = intake_services(self._store)[form.kind]
        result, _ = service.evaluate(session, ctx, form, exclude_draft=draft.draft_id)
        errors = [f for f in result.findings if f.level == Level.ERROR]
        # The date rules judge the notification as of its own day, not the approval day.
        errors = [f for f in errors if not f.rule.code.startswith(("E02", "E03"))]
        if errors:
            raise IntakeRefused(errors)

    @staticmethod
    def _stamp(ctx: ServiceContext, label: str | None) -> Stamp:
        return Stamp(
            processed_at=ctx.now(),
            process_id=label or ctx.new_process_id(),
            terminal_id=ctx.terminal_id,
            staff_no=ctx.actor.staff_no,
        )

    @staticmethod
    def _apply(session: Session, draft: Draft, stamp: Stamp) -> RegisteredChange:
        if draft.kind == "correction":
            return apply_correction(session, draft, stamp)
        if draft.kind == "cancellation":
            return apply_cancellation(session, draft, stamp)
        form = form_from_json(draft.form)
        return apply_form(session, draft.draft_id, form.kind, form, stamp, draft.summary)


def _current_versions(session: Session, draft: Draft) -> dict[str, Any]:
    persons = {}
    for atena_no in draft.base_versions.get("persons") or {}:
        person = session.get(Person, atena_no)
        if person is not None:
            persons[atena_no] = person.row_version
    households = {}
    for number in draft.base_versions.get("households") or {}:
        household = session.get(Household, number)
        if household is not None:
            households[number] = household.row_version
    return {"persons": persons, "households": households}
