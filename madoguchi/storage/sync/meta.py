"""The sync bookkeeping kept in ``store_meta`` (no tables of its own).

sync_cursor            last change-log sequence applied to the replica
sync_bootstrap         JSON progress of an unfinished bootstrap (resume point)
sync_last_success_at   when a sync cycle last completed (ISO time, the worker's clock)
sync_problem:<op_id>   JSON record of an op the centre refused or found in conflict
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from madoguchi.storage.models import StoreMeta

CURSOR = "sync_cursor"
BOOTSTRAP = "sync_bootstrap"
LAST_SUCCESS = "sync_last_success_at"
PROBLEM_PREFIX = "sync_problem:"


def get_text(session: Session, key: str) -> str | None:
    """The value stored under ``key``, or None."""
    row = session.get(StoreMeta, key)
    return None if row is None else row.value


def set_text(session: Session, key: str, value: str) -> None:
    """Store ``value`` under ``key`` in the session's transaction."""
    row = session.get(StoreMeta, key)
    if row is None:
        session.add(StoreMeta(key=key, value=value))
    else:
        row.value = value


def get_json(session: Session, key: str) -> Any:
    """The JSON value stored under ``key``, or None."""
    value = get_text(session, key)
    return None if value is None else json.loads(value)


def set_json(session: Session, key: str, value: Any) -> None:
    """Store ``value`` as JSON under ``key``."""
    set_text(session, key, json.dumps(value, ensure_ascii=False, sort_keys=True))


def remove(session: Session, key: str) -> None:
    """Forget ``key``."""
    session.execute(delete(StoreMeta).where(StoreMeta.key == key))


def cursor(session: Session) -> int | None:
    """The replica's change-log cursor; None until a bootstrap has finished."""
    value = get_text(session, CURSOR)
    return None if value is None else int(value)


def set_cursor(session: Session, value: int) -> None:
    """Move the cursor (in the same transaction as the changes it covers)."""
    set_text(session, CURSOR, str(value))


def with_prefix(session: Session, prefix: str) -> list[tuple[str, Any]]:
    """Every ``(key, JSON value)`` whose key starts with ``prefix``, in key order."""
    rows = session.scalars(
        select(StoreMeta)
        .where(StoreMeta.key.startswith(prefix, autoescape=True))
        .order_by(StoreMeta.key)
    )
    return [(row.key, json.loads(row.value)) for row in rows]
