"""The interface queues at the centre, as the interfaces role reads and updates them.

Approvals fill ``interface_records`` (the ``approve_draft`` op carries them); delivery,
resend and the purge of 送付先情報 run here, connected as a login role of the group
``madoguchi_interfaces`` (revision 0004): it reads ``interface_records`` and changes only
their status fields and payload, appends to ``interface_runs``, and asks
``interfaces.operator`` whether a staff member may operate the queues. Nothing else.

Plain psycopg on an autocommit connection: each statement commits on its own unless a
``conn.transaction()`` block groups them. The application's rules (order, holding back after
a failure, idempotent resend, retention) are in ``app/services/interfaces/central.py``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from madoguchi.storage.central.admin import create_login_role

INTERFACES_GROUP = "madoguchi_interfaces"
# First key of the advisory locks that keep one run at a time on a queue.
_LOCK_SPACE = 0x4D49  # "MI"

_COLUMNS = (
    "seq, record_id, queue, record_type, draft_id, atena_no, payload, created_at, status, "
    "attempts, delivered_at, failure_reason"
)


@dataclass(frozen=True)
class CentralRecord:
    """One row of the centre's ``interface_records``."""

    seq: int
    record_id: str
    queue: str
    record_type: str
    draft_id: str | None
    atena_no: str | None
    payload: dict[str, Any]
    created_at: dt.datetime
    status: str
    attempts: int
    delivered_at: dt.datetime | None
    failure_reason: str | None


def _record(row: Sequence[Any]) -> CentralRecord:
    return CentralRecord(*row)


def connect(dsn: str, *, connect_timeout: float = 5) -> psycopg.Connection[Any]:
    """An autocommit connection to the centre (as an interfaces operator's login role)."""
    return psycopg.connect(dsn, autocommit=True, connect_timeout=max(1, int(connect_timeout)))


def provision_interfaces_role(
    conn: psycopg.Connection[Any], role: str, *, password: str | None = None
) -> None:
    """Create (if needed) login role ``role`` in ``madoguchi_interfaces``, as the administrator.

    In production it authenticates with a TLS client certificate like a terminal
    (``hostssl … +madoguchi_interfaces … cert``); ``password`` only where that is not yet
    possible.
    """
    create_login_role(conn, role, INTERFACES_GROUP, password=password, grant_existing=True)


def operator(conn: psycopg.Connection[Any], staff_no: str) -> dict[str, Any] | None:
    """The staff member (number, name, office, roles) if the centre lets them operate the
    queues today; else None."""
    row = conn.execute("SELECT interfaces.operator(%s)", [staff_no]).fetchone()
    value = None if row is None else row[0]
    return value if isinstance(value, dict) else None


@contextmanager
def queue_lock(conn: psycopg.Connection[Any], queue: str) -> Iterator[bool]:
    """Hold the queue's run lock (session advisory lock) while inside; yields False when
    another run holds it."""
    row = conn.execute(
        "SELECT pg_try_advisory_lock(%s, hashtext(%s))", [_LOCK_SPACE, queue]
    ).fetchone()
    taken = bool(row and row[0])
    try:
        yield taken
    finally:
        if taken:
            conn.execute("SELECT pg_advisory_unlock(%s, hashtext(%s))", [_LOCK_SPACE, queue])


def counts(
    conn: psycopg.Connection[Any],
) -> tuple[dict[tuple[str, str], int], dict[str, dt.datetime]]:
    """Records per (queue, status), and each queue's oldest pending record's time."""
    by_status: dict[tuple[str, str], int] = {
        (queue, status): n
        for queue, status, n in conn.execute(
            "SELECT queue, status, count(*) FROM public.interface_records GROUP BY queue, status"
        )
    }
    oldest: dict[str, dt.datetime] = {
        queue: at
        for queue, at in conn.execute(
            "SELECT queue, min(created_at) FROM public.interface_records"
            " WHERE status = 'pending' GROUP BY queue"
        )
    }
    return by_status, oldest


def records(
    conn: psycopg.Connection[Any], queue: str, status: str | None, limit: int
) -> list[CentralRecord]:
    """The queue's records (optionally of one status) in ``seq`` order."""
    return [
        _record(row)
        for row in conn.execute(
            f"SELECT {_COLUMNS} FROM public.interface_records"
            " WHERE queue = %s AND (%s::text IS NULL OR status = %s) ORDER BY seq LIMIT %s",
            [queue, status, status, limit],
        )
    ]


def first_failed(conn: psycopg.Connection[Any], queue: str) -> int | None:
    """``seq`` of the queue's first failed record: it holds back every later one."""
    row = conn.execute(
        "SELECT min(seq) FROM public.interface_records WHERE queue = %s AND status = 'failed'",
        [queue],
    ).fetchone()
    return None if row is None or row[0] is None else int(row[0])


def pending(conn: psycopg.Connection[Any], queue: str) -> list[CentralRecord]:
    """The queue's pending records in ``seq`` order."""
    return [
        _record(row)
        for row in conn.execute(
            f"SELECT {_COLUMNS} FROM public.interface_records"
            " WHERE queue = %s AND status = 'pending' ORDER BY seq",
            [queue],
        )
    ]


def by_ids(
    conn: psycopg.Connection[Any], record_ids: Sequence[str], *, lock: bool = False
) -> list[CentralRecord]:
    """The records with these ids, in ``seq`` order (``lock``: FOR UPDATE, in a transaction)."""
    return [
        _record(row)
        for row in conn.execute(
            f"SELECT {_COLUMNS} FROM public.interface_records WHERE record_id = ANY(%s)"
            f" ORDER BY seq{' FOR UPDATE' if lock else ''}",
            [list(record_ids)],
        )
    ]


def set_pending(conn: psycopg.Connection[Any], record_ids: Sequence[str]) -> None:
    """Put records back to pending (a resend)."""
    conn.execute(
        "UPDATE public.interface_records SET status = 'pending' WHERE record_id = ANY(%s)",
        [list(record_ids)],
    )


def note_attempt(
    conn: psycopg.Connection[Any], record_id: str, *, at: dt.datetime, reason: str | None
) -> None:
    """Count one hand-over attempt: delivered at ``at``, or failed with ``reason``."""
    if reason is None:
        conn.execute(
            "UPDATE public.interface_records SET attempts = attempts + 1, status = 'delivered',"
            " delivered_at = %s, failure_reason = NULL WHERE record_id = %s",
            [at, record_id],
        )
    else:
        conn.execute(
            "UPDATE public.interface_records SET attempts = attempts + 1, status = 'failed',"
            " failure_reason = %s WHERE record_id = %s",
            [reason, record_id],
        )


def delivered_before(
    conn: psycopg.Connection[Any], queue: str, before: dt.datetime
) -> list[CentralRecord]:
    """The queue's records delivered at or before ``before``, in ``seq`` order, locked (call
    inside a transaction)."""
    return [
        _record(row)
        for row in conn.execute(
            f"SELECT {_COLUMNS} FROM public.interface_records"
            " WHERE queue = %s AND status = 'delivered' AND delivered_at <= %s"
            " ORDER BY seq FOR UPDATE",
            [queue, before],
        )
    ]


def replace_payload(conn: psycopg.Connection[Any], record_id: str, payload: dict[str, Any]) -> None:
    """Replace a record's payload (the retention rule clears 送付先情報 this way)."""
    conn.execute(
        "UPDATE public.interface_records SET payload = %s WHERE record_id = %s",
        [Jsonb(payload), record_id],
    )


def record_run(
    conn: psycopg.Connection[Any],
    *,
    staff_no: str,
    terminal_id: str,
    action: str,
    queue: str | None,
    run_at: dt.datetime,
    delivered: int = 0,
    failed: int = 0,
    held: int = 0,
    purged: int = 0,
    record_ids: Sequence[str] = (),
    detail: dict[str, Any] | None = None,
) -> int:
    """Append one run to ``interface_runs`` (the centre fills in the role and the time)."""
    row = conn.execute(
        "INSERT INTO public.interface_runs (staff_no, terminal_id, action, queue, run_at,"
        " delivered, failed, held, purged, record_ids, detail)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING run_id",
        [
            staff_no,
            terminal_id,
            action,
            queue,
            run_at,
            delivered,
            failed,
            held,
            purged,
            Jsonb(list(record_ids)),
            Jsonb(detail or {}),
        ],
    ).fetchone()
    assert row is not None
    return int(row[0])
