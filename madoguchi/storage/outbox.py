"""The outbox: ops waiting to be pushed to the centre (R-STORE-2, ARCHITECTURE decision 4).

An op is added in the same transaction as the local change it describes, so after a crash
either both exist or neither does.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from madoguchi.storage.models import OutboxEntry


def enqueue_op(
    session: Session,
    *,
    op_type: str,
    payload: dict[str, Any],
    created_at: dt.datetime,
    terminal_id: str,
    staff_no: str,
) -> OutboxEntry:
    """Add an op with a fresh UUID to ``session``'s transaction."""
    entry = OutboxEntry(
        op_id=str(uuid.uuid4()),
        op_type=op_type,
        payload=payload,
        created_at=created_at,
        terminal_id=terminal_id,
        staff_no=staff_no,
        state="pending",
    )
    session.add(entry)
    session.flush()
    return entry


def pending_count(session: Session) -> int:
    """How many ops are waiting to be pushed."""
    return (
        session.scalar(
            select(func.count()).select_from(OutboxEntry).where(OutboxEntry.state == "pending")
        )
        or 0
    )
