"""一時解除: a 支援措置責任者 reviews ONE certificate request a measure blocks (R-CERT-4, j440).

The clerk asks (``CertificateService.request_release``); another staff member holding the
release right reads the request with the measures behind the block and releases or refuses
it, with a reason, audited. A release is good for that exact request, once, for the set
minutes (j410: then it returns to the blocked state by itself). A request by the 加害者 is
never released.

Requests and decisions reach the centre as ops (``request_release`` from the certificate
service, ``decide_release`` here), so an officer at another window sees the request and the
counter that asked sees the decision. The centre checks the release right and that the
decider is not the requester again, and turns a second decision on the same request into a
conflict.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from madoguchi.app.context import ServiceContext
from madoguchi.app.domain.certificates import KIND_TITLES, REQUESTER_LABELS
from madoguchi.app.domain.permissions import Action
from madoguchi.app.domain.separation import SeparationOfDutiesViolation
from madoguchi.app.services.certificates.guard import in_force_measures, screen
from madoguchi.app.services.certificates.request import CertificateRequest
from madoguchi.app.services.certificates.settings import load_settings
from madoguchi.app.services.certificates.subjects import load_subjects
from madoguchi.app.services.protection import ProtectionRefused
from madoguchi.storage.audit import append_audit
from madoguchi.storage.models import Person, ProtectionRelease
from madoguchi.storage.outbox import enqueue_op
from madoguchi.storage.store import LocalStore
from madoguchi.storage.sync.envelope import row_image

__all__ = ["ReleaseReviewService", "ReleaseView"]


@dataclass(frozen=True)
class ReleaseView:
    """A request waiting for (or past) review, with what the reviewer needs to judge it."""

    release_id: str
    status: str
    requested_by: str
    requested_at: dt.datetime
    terminal_id: str
    kind: str
    requester: str
    reason: str
    persons: tuple[tuple[str, str], ...]  # (宛名番号, 氏名)
    protected: tuple[str, ...]  # who on it is protected, and until when
    note: str | None


class ReleaseReviewService:
    """The 支援措置責任者's queue of blocked requests: release or refuse one at a time."""

    def __init__(self, store: LocalStore) -> None:
        self._store = store

    def releases(self, ctx: ServiceContext, *, status: str = "pending") -> list[ReleaseView]:
        """Requests in ``status`` (pending by default), oldest first; the reading is audited."""
        ctx.actor.require(Action.RELEASE_PROTECTION)
        with self._store.transaction() as session:
            rows = session.scalars(
                select(ProtectionRelease)
                .where(ProtectionRelease.status == status)
                .order_by(ProtectionRelease.requested_at)
            ).all()
            views = [self._view(session, row, ctx.today()) for row in rows]
            targets = sorted({a for view in views for a, _n in view.persons})
            self._audit(session, ctx, "protection_release_view", targets, {"count": len(views)})
            return views

    def release(self, ctx: ServiceContext, release_id: str, reason: str) -> dt.datetime:
        """Release this one request after review; until when the counter may issue it."""
        ctx.actor.require(Action.RELEASE_PROTECTION)
        reason = self._reason(reason)
        with self._store.transaction() as session:
            row = self._pending(session, ctx, release_id)
            request = CertificateRequest.from_json(row.request)
            # Raises PerpetratorRefused: a 加害者's request is never released.
            screen(session, request, load_subjects(session, request), ctx.today())
            minutes = load_settings(session).release_minutes
            row.status = "released"
            row.decided_by, row.decided_at, row.decision_reason = (
                ctx.actor.staff_no,
                ctx.now(),
                reason,
            )
            row.valid_until = ctx.now() + dt.timedelta(minutes=minutes)
            self._decided(session, ctx, row)
            detail = {"release_id": release_id, "valid_until": row.valid_until.isoformat()}
            self._audit(
                session, ctx, "protection_release", list(row.target_persons), detail, reason
            )
            return row.valid_until

    def refuse(self, ctx: ServiceContext, release_id: str, reason: str) -> None:
        """Refuse to release the request; the counter sees the reason."""
        ctx.actor.require(Action.RELEASE_PROTECTION)
        reason = self._reason(reason)
        with self._store.transaction() as session:
            row = self._pending(session, ctx, release_id)
            row.status = "refused"
            row.decided_by, row.decided_at, row.decision_reason = (
                ctx.actor.staff_no,
                ctx.now(),
                reason,
            )
            self._decided(session, ctx, row)
            detail = {"release_id": release_id}
            self._audit(
                session, ctx, "protection_release_refused", list(row.target_persons), detail, reason
            )

    @staticmethod
    def _decided(session: Session, ctx: ServiceContext, row: ProtectionRelease) -> None:
        """Queue the decision for the centre: the release after it (it was pending before)."""
        session.flush()
        enqueue_op(
            session,
            op_type="decide_release",
            payload={"release_id": row.release_id, "release": row_image(row)},
            created_at=ctx.now(),
            terminal_id=ctx.terminal_id,
            staff_no=ctx.actor.staff_no,
        )

    @staticmethod
    def _reason(reason: str) -> str:
        if len(reason.strip()) < 2:
            raise ProtectionRefused("審査の結果（解除または不承認の理由）を入力してください。")
        return reason.strip()

    @staticmethod
    def _pending(session: Session, ctx: ServiceContext, release_id: str) -> ProtectionRelease:
        row = session.get(ProtectionRelease, release_id)
        if row is None or row.status != "pending":
            raise ProtectionRefused("指定された依頼は見つからないか、すでに審査済みです。")
        if row.requested_by == ctx.actor.staff_no:
            raise SeparationOfDutiesViolation(
                "自分が受け付けた請求の一時解除はできません。別の支援措置責任者に審査を依頼してください。"
            )
        return row

    @staticmethod
    def _view(session: Session, row: ProtectionRelease, today: dt.date) -> ReleaseView:
        request = CertificateRequest.from_json(row.request)
        persons = []
        for atena_no in row.target_persons:
            person = session.get(Person, atena_no)
            name = f"{person.family_name}　{person.given_name}" if person is not None else ""
            persons.append((atena_no, name))
        protected = tuple(
            f"{p.atena_no}（{'仮支援措置' if m.provisional else '支援措置'} {m.ends_on}まで）"
            for p, m in in_force_measures(session, row.target_persons, today)
        )
        requester = request.requester
        return ReleaseView(
            release_id=row.release_id,
            status=row.status,
            requested_by=row.requested_by,
            requested_at=row.requested_at,
            terminal_id=row.terminal_id,
            kind=KIND_TITLES[request.kind],
            requester=f"{REQUESTER_LABELS[requester.kind]}　{requester.name}",
            reason=requester.reason,
            persons=tuple(persons),
            protected=protected,
            note=row.note,
        )

    @staticmethod
    def _audit(
        session: Session,
        ctx: ServiceContext,
        action: str,
        targets: list[str],
        detail: Mapping[str, Any],
        purpose: str | None = None,
    ) -> None:
        append_audit(
            session,
            at=ctx.now(),
            terminal_id=ctx.terminal_id,
            staff_no=ctx.actor.staff_no,
            action=action,
            target_persons=targets,
            detail=dict(detail),
            purpose=purpose,
        )
