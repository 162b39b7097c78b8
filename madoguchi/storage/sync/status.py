"""What the status bar shows about sync (R-SYNC-3), read from the store and the worker."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select

from madoguchi.storage.models import OutboxEntry
from madoguchi.storage.store import LocalStore
from madoguchi.storage.sync import meta, problems


@dataclass(frozen=True)
class WorkerState:
    """The worker's own view: reachable or not, the last error, the next attempt."""

    online: bool | None = None  # None: not tried yet
    refused: bool = False  # the centre refused the terminal itself (an administrator must act)
    last_error: str | None = None
    failures: int = 0
    next_attempt_at: dt.datetime | None = None
    running: bool = False


@dataclass(frozen=True)
class SyncStatus:
    """Online/offline, the queue's depth and age, problems, and the last good sync."""

    online: bool | None
    queue_depth: int
    oldest_pending_at: dt.datetime | None
    open_problems: int
    last_success_at: dt.datetime | None
    last_error: str | None
    bootstrapped: bool
    next_attempt_at: dt.datetime | None = None
    refused: bool = False

    def oldest_age(self, now: dt.datetime) -> dt.timedelta | None:
        """How long the oldest unsent op has waited."""
        return None if self.oldest_pending_at is None else now - self.oldest_pending_at


def read_status(store: LocalStore, worker: WorkerState | None = None) -> SyncStatus:
    """The current status (one short read transaction)."""
    worker = worker or WorkerState()
    with store.transaction() as session:
        depth, oldest = session.execute(
            select(func.count(), func.min(OutboxEntry.created_at)).where(
                OutboxEntry.state == "pending"
            )
        ).one()
        last = meta.get_text(session, meta.LAST_SUCCESS)
        return SyncStatus(
            online=worker.online,
            queue_depth=int(depth or 0),
            oldest_pending_at=oldest,
            open_problems=len(problems.list_problems(session)),
            last_success_at=dt.datetime.fromisoformat(last) if last else None,
            last_error=worker.last_error,
            bootstrapped=meta.cursor(session) is not None,
            next_attempt_at=worker.next_attempt_at,
            refused=worker.refused,
        )
