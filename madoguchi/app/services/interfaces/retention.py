"""Retention of the interface data (R-STORE-4): what is kept only for a while, then purged.

- 転出証明書情報 received for a 特例転入 that no approved move-in used, after a set period
  (default 30 days from receipt, REQUIREMENTS §10);
- 送付先情報 for J-LIS, one business day after it was handed over.

Each run writes one audit entry saying what, when, how many and by which rule.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select

from madoguchi.app.context import ServiceContext
from madoguchi.app.domain.permissions import Action
from madoguchi.app.services.audit_review import AuditPolicy
from madoguchi.app.services.interfaces.queue import DELIVERED, PURGED_PAYLOAD_KEY
from madoguchi.app.services.interfaces.records import JLIS_CARD
from madoguchi.storage.audit import append_audit
from madoguchi.storage.models import (
    CertificatePerson,
    Draft,
    InterfaceRecord,
    ReceivedMoveOutCertificate,
)
from madoguchi.storage.store import LocalStore

CERTIFICATE_RETENTION_DAYS = 30
# Drafts in these states may still be approved, so a certificate they name stays.
_OPEN_DRAFT = "draft"
_APPROVED = "approved"


def purge_unused_certificates(
    ctx: ServiceContext, store: LocalStore, older_than_days: int = CERTIFICATE_RETENTION_DAYS
) -> list[str]:
    """Purge 転出証明書情報 received over ``older_than_days`` ago that no move-in used.

    Kept: a certificate used by an approved draft, and one an open draft (awaiting review)
    names, since its approval still needs it. Purging keeps the row (id, sender, dates) and
    sets ``purged_at``; the persons' items and the index rows are deleted. Returns the ids.
    """
    ctx.actor.require(Action.INTERFACE_OPERATE)
    now = ctx.now()
    cutoff = now - dt.timedelta(days=older_than_days)
    purged: list[str] = []
    with store.transaction() as session:
        candidates = list(
            session.scalars(
                select(ReceivedMoveOutCertificate)
                .where(
                    ReceivedMoveOutCertificate.purged_at.is_(None),
                    ReceivedMoveOutCertificate.received_at < cutoff,
                )
                .order_by(ReceivedMoveOutCertificate.certificate_id)
            )
        )
        approved = set(session.scalars(select(Draft.draft_id).where(Draft.status == _APPROVED)))
        named_by_open = {
            form.get("move_out_certificate_id")
            for form in session.scalars(select(Draft.form).where(Draft.status == _OPEN_DRAFT))
        }
        for certificate in candidates:
            if certificate.used_by_draft_id in approved:
                continue
            if certificate.certificate_id in named_by_open:
                continue
            certificate.purged_at = now
            certificate.persons = []
            certificate.householder_name = ""
            certificate.former_address = ""
            certificate.moving_to_address = ""
            purged.append(certificate.certificate_id)
        if purged:
            session.execute(
                delete(CertificatePerson).where(CertificatePerson.certificate_id.in_(purged))
            )
        append_audit(
            session,
            at=now,
            terminal_id=ctx.terminal_id,
            staff_no=ctx.actor.staff_no,
            action="purge_move_out_certificates",
            detail={
                "rule": f"未使用の転出証明書情報: 受信から{older_than_days}日経過で消去",
                "received_before": cutoff.isoformat(),
                "count": len(purged),
                "certificate_ids": purged,
            },
        )
    return purged


def purge_handed_over_send_to(
    ctx: ServiceContext, store: LocalStore, policy: AuditPolicy | None = None
) -> list[str]:
    """Clear 送付先情報 one business day after handover; the record ids cleared.

    The queue record stays (id, status, dates) so the queue keeps its order and counts; its
    payload keeps only when it was purged, and it can no longer be resent. Business days
    skip ``policy``'s closed days (weekends, national holidays, 年末年始).
    """
    ctx.actor.require(Action.INTERFACE_OPERATE)
    policy = policy or AuditPolicy()
    now = ctx.now()
    purged: list[str] = []
    with store.transaction() as session:
        rows = session.scalars(
            select(InterfaceRecord)
            .where(
                InterfaceRecord.queue == JLIS_CARD,
                InterfaceRecord.status == DELIVERED,
                InterfaceRecord.delivered_at <= now - dt.timedelta(days=1),
            )
            .order_by(InterfaceRecord.seq)
        )
        for row in rows:
            assert row.delivered_at is not None
            if PURGED_PAYLOAD_KEY in row.payload:
                continue
            if now < one_business_day_after(row.delivered_at, policy):
                continue
            row.payload = {PURGED_PAYLOAD_KEY: now.isoformat()}
            purged.append(row.record_id)
        append_audit(
            session,
            at=now,
            terminal_id=ctx.terminal_id,
            staff_no=ctx.actor.staff_no,
            action="purge_send_to_information",
            detail={
                "rule": "送付先情報: 引渡しから1業務日後に消去",
                "count": len(purged),
                "record_ids": purged,
            },
        )
    return purged


def one_business_day_after(at: dt.datetime, policy: AuditPolicy) -> dt.datetime:
    """The same time on the next day the office is open."""
    day = at.date() + dt.timedelta(days=1)
    while policy.is_closed_day(day):
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, at.time())
