"""Pushing the outbox: pending ops in order, in batches, with the centre's answer recorded.

Every op keeps its UUID, so sending it again (the answer was lost, the batch was cut, the
program restarted) has exactly one effect: the centre answers a known op id with the answer
it gave the first time. An op stays ``pending`` until an answer for it is committed here;
then it becomes ``delivered``, ``conflict`` or ``rejected`` in one local transaction with
whatever the answer puts back into the replica.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from madoguchi.storage.models import OutboxEntry
from madoguchi.storage.store import LocalStore
from madoguchi.storage.sync import problems, replica
from madoguchi.storage.sync.centre import Centre
from madoguchi.storage.sync.envelope import envelope, prepare, touched_by

PENDING = "pending"
DELIVERED = "delivered"
LOADED = "loaded"  # ops of a store the centre was loaded from (never pushed)
STATES_AFTER = {"applied": DELIVERED, "conflict": problems.CONFLICT, "rejected": problems.REJECTED}
# Ops the centre has (delivered, or in the register the centre was loaded from) are kept this
# long for diagnosis, then removed: the outbox is a queue, not an archive (the audit log,
# drafts and history keep what each op recorded). Conflicts and refusals stay.
ANSWERED_RETENTION = dt.timedelta(days=30)
PURGE_LIMIT = 5000
Clock = Callable[[], dt.datetime]


@dataclass
class PushReport:
    """How many ops got which answer, and how many wait behind an open conflict."""

    delivered: int = 0
    conflicts: int = 0
    rejected: int = 0
    held: int = 0
    batches: int = 0
    conflict_ops: list[str] = field(default_factory=list)


def prepare_pending(store: LocalStore) -> int:
    """Collect the effect of every pending op that has none yet (local only, works offline)."""
    with store.transaction() as session:
        entries = list(
            session.scalars(
                select(OutboxEntry).where(OutboxEntry.state == PENDING).order_by(OutboxEntry.seq)
            )
        )
        return prepare(session, entries)


def purge_answered(
    store: LocalStore,
    now: dt.datetime,
    *,
    keep: dt.timedelta = ANSWERED_RETENTION,
    limit: int = PURGE_LIMIT,
) -> int:
    """Remove up to ``limit`` delivered or loaded ops older than ``keep``; how many.

    Safe after ``prepare_pending``: a pending op's effect is already frozen, so nothing
    still waiting needs an older op.
    """
    with store.transaction() as session:
        old = select(OutboxEntry.seq).where(
            OutboxEntry.state.in_((DELIVERED, LOADED)), OutboxEntry.created_at < now - keep
        )
        seqs = list(session.scalars(old.order_by(OutboxEntry.seq).limit(limit)))
        if seqs:
            session.execute(delete(OutboxEntry).where(OutboxEntry.seq.in_(seqs)))
        return len(seqs)


def _next_batch(session: Session, limit: int) -> tuple[list[OutboxEntry], int]:
    """The oldest pending ops not held back by an open conflict, and how many are held."""
    blocked, settling = problems.blocked(session)
    batch: list[OutboxEntry] = []
    held = 0
    query = select(OutboxEntry).where(OutboxEntry.state == PENDING).order_by(OutboxEntry.seq)
    for entry in session.scalars(query):
        touched = touched_by(entry)
        if (touched.persons & blocked.persons or touched.households & blocked.households) and not (
            touched.drafts & settling
        ):
            held += 1
            continue
        batch.append(entry)
        if len(batch) >= limit:
            break
    return batch, held


def _record(
    session: Session,
    entry: OutboxEntry | None,
    result: dict[str, object],
    now: dt.datetime,
    report: PushReport,
) -> None:
    if entry is None or entry.state != PENDING:
        return  # answered already (a duplicate answer from a replay)
    outcome = str(result.get("result"))
    state = STATES_AFTER.get(outcome)
    if state is None:
        raise ValueError(f"unexpected answer from the centre: {result!r}")
    entry.state = state
    if state == DELIVERED:
        report.delivered += 1
        return
    op = envelope(entry)
    restore = result.get("restore")
    if isinstance(restore, dict):
        process_id = op["payload"].get("process_id") if entry.op_type == "approve_draft" else None
        replica.restore(session, restore, process_id)
    problems.record(session, kind=state, envelope=op, result=dict(result), recorded_at=now)
    if state == problems.CONFLICT:
        report.conflicts += 1
        report.conflict_ops.append(entry.op_id)
    else:
        report.rejected += 1


def push_pending(
    store: LocalStore, centre: Centre, clock: Clock, *, batch_size: int = 200
) -> PushReport:
    """Push every pending op that is not held back; raises CentreUnavailable when offline.

    Ops already answered stay answered even if a later batch fails.
    """
    report = PushReport()
    prepare_pending(store)
    purge_answered(store, clock())
    while True:
        with store.transaction() as session:
            batch, report.held = _next_batch(session, batch_size)
            envelopes = [envelope(entry) for entry in batch]
        if not envelopes:
            return report
        results = centre.push(envelopes)
        report.batches += 1
        with store.transaction() as session:
            session.connection().exec_driver_sql("PRAGMA defer_foreign_keys = ON")
            now = clock()
            answered = {str(result["op_id"]) for result in results}
            entries = {
                entry.op_id: entry
                for entry in session.scalars(
                    select(OutboxEntry).where(OutboxEntry.op_id.in_(answered))
                )
            }
            for result in results:
                _record(session, entries.get(str(result["op_id"])), result, now, report)
        if len(envelopes) < batch_size:
            return report
