"""The audit log table's writer: entries are appended in the caller's transaction.

R-SRCH-4 / R-AUDIT-1: every search and person view leaves an entry, committed together with
the work it records (so an action without its entry cannot exist).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from madoguchi.storage.models import AuditEntry
from madoguchi.storage.outbox import enqueue_op


def append_audit(
    session: Session,
    *,
    at: dt.datetime,
    terminal_id: str,
    staff_no: str,
    action: str,
    target_persons: Sequence[str] = (),
    detail: dict[str, Any] | None = None,
    purpose: str | None = None,
) -> AuditEntry:
    """Add one audit entry, and the outbox op that carries it to the centre, to the transaction."""
    entry = AuditEntry(
        at=at,
        terminal_id=terminal_id,
        staff_no=staff_no,
        action=action,
        target_persons=list(target_persons),
        detail=dict(detail or {}),
        purpose=purpose,
    )
    session.add(entry)
    session.flush()
    enqueue_op(
        session,
        op_type="audit_entry",
        payload={
            "local_id": entry.id,
            "at": at.isoformat(),
            "action": action,
            "target_persons": entry.target_persons,
            "detail": entry.detail,
            "purpose": purpose,
        },
        created_at=at,
        terminal_id=terminal_id,
        staff_no=staff_no,
    )
    return entry


def audit_entries(session: Session, *, action: str | None = None) -> list[AuditEntry]:
    """Audit entries in order, optionally of one action."""
    statement = select(AuditEntry).order_by(AuditEntry.id)
    if action is not None:
        statement = statement.where(AuditEntry.action == action)
    return list(session.scalars(statement))
