"""The next-day reconciliation report (R-REVIEW-4, seed 001): every change registered on a
day, listed for a second check, and the sign-off of that check."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from madoguchi.app.context import ServiceContext
from madoguchi.app.domain.permissions import Action
from madoguchi.app.services.review.service import KIND_NAMES, ReviewRefused
from madoguchi.storage.audit import append_audit
from madoguchi.storage.models import ChangeHistory, Draft, ReconciliationSignOff
from madoguchi.storage.store import LocalStore


@dataclass(frozen=True)
class RegisteredLine:
    """One registered change of the day."""

    draft_id: str
    kind_label: str
    summary: str
    maker_staff_no: str
    reviewer_staff_no: str
    reviewed_at: dt.datetime
    persons: int
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Reconciliation:
    """A day's report and, once signed, who signed it."""

    day: dt.date
    office: str
    lines: tuple[RegisteredLine, ...]
    signed_by: str | None
    signed_at: dt.datetime | None


class ReconciliationService:
    """Builds the report from the approved drafts and their history entries."""

    def __init__(self, store: LocalStore) -> None:
        self._store = store

    def report(self, ctx: ServiceContext, day: dt.date, office: str) -> Reconciliation:
        """Every change approved on ``day`` for ``office``, in approval order."""
        ctx.actor.require(Action.REVIEW)
        start = dt.datetime.combine(day, dt.time())
        end = start + dt.timedelta(days=1)
        with self._store.transaction() as session:
            drafts = session.scalars(
                select(Draft)
                .where(
                    Draft.status == "approved",
                    Draft.office == office,
                    Draft.reviewed_at >= start,
                    Draft.reviewed_at < end,
                )
                .order_by(Draft.reviewed_at)
            ).all()
            lines = []
            for draft in drafts:
                entries = session.scalars(
                    select(ChangeHistory).where(ChangeHistory.process_id == draft.process_id)
                ).all()
                assert draft.reviewer_staff_no is not None and draft.reviewed_at is not None
                lines.append(
                    RegisteredLine(
                        draft.draft_id,
                        KIND_NAMES.get(draft.kind, draft.kind),
                        draft.summary,
                        draft.maker_staff_no,
                        draft.reviewer_staff_no,
                        draft.reviewed_at,
                        len({e.atena_no for e in entries}),
                        tuple(sorted({e.change_reason for e in entries})),
                    )
                )
            signed = session.get(ReconciliationSignOff, (day, office))
            append_audit(
                session,
                at=ctx.now(),
                terminal_id=ctx.terminal_id,
                staff_no=ctx.actor.staff_no,
                action="reconciliation_report",
                detail={"day": day.isoformat(), "office": office, "count": len(lines)},
            )
            return Reconciliation(
                day,
                office,
                tuple(lines),
                signed.signed_by if signed else None,
                signed.signed_at if signed else None,
            )

    def sign_off(self, ctx: ServiceContext, day: dt.date, office: str, note: str = "") -> None:
        """Sign the day's check; only for a past day, once."""
        ctx.actor.require(Action.REVIEW)
        if day >= ctx.today():
            raise ReviewRefused(
                "照合の確認は翌日以降に行ってください（当日分は確定していません）。"
            )
        report = self.report(ctx, day, office)
        with self._store.transaction() as session:
            if session.get(ReconciliationSignOff, (day, office)) is not None:
                raise ReviewRefused("この日の照合はすでに確認済みです。")
            now = ctx.now()
            session.add(
                ReconciliationSignOff(
                    day=day,
                    office=office,
                    signed_by=ctx.actor.staff_no,
                    signed_at=now,
                    changes=len(report.lines),
                    note=note.strip() or None,
                )
            )
            append_audit(
                session,
                at=now,
                terminal_id=ctx.terminal_id,
                staff_no=ctx.actor.staff_no,
                action="reconciliation_signed",
                detail={"day": day.isoformat(), "office": office, "count": len(report.lines)},
            )
