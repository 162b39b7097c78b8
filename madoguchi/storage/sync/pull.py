"""Pulling the change log by cursor into the replica.

Each batch is applied in one local transaction together with the new cursor, so a crash
leaves the replica at a batch boundary and the next pull repeats nothing and skips nothing.
The centre's change numbers follow commit order, so "everything after my cursor" is exact.
A change to something a local op still waiting for the centre touches is not applied: the
local state is ahead of it, and the centre's answer to that op settles it (the op is
applied and its own change comes later in the log, or it is refused and the answer carries
the centre's state back).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from madoguchi.storage.models import OutboxEntry
from madoguchi.storage.store import LocalStore
from madoguchi.storage.sync import meta, replica
from madoguchi.storage.sync.centre import Centre
from madoguchi.storage.sync.envelope import Touched, touched_by

log = logging.getLogger(__name__)
PULL_LIMIT = 1000


class NotBootstrapped(Exception):
    """The replica has no cursor yet: it must be bootstrapped from the centre first."""


@dataclass
class PullReport:
    """How many changes were applied or held back, and the cursor reached."""

    applied: int = 0
    held: int = 0
    batches: int = 0
    cursor: int = 0
    head: int = 0


def pending_touched(session: Session) -> Touched:
    """Everything the ops still waiting for the centre touch."""
    touched = Touched()
    for entry in session.scalars(select(OutboxEntry).where(OutboxEntry.state == "pending")):
        touched.add(touched_by(entry))
    return touched


def _apply_batch(
    session: Session, changes: list[dict[str, object]], held_back: Touched, *, careful: bool
) -> tuple[int, int]:
    applied = held = 0
    for change in changes:
        entity, key = str(change["entity"]), str(change["key"])
        # History entries are facts the centre recorded: always added (when missing). Rows
        # held back here come back with the answer to the op that holds them (its own
        # change later in the log, or the centre's state in a refusal or conflict).
        if entity != "history" and held_back.covers(entity, key):
            held += 1
            continue
        if not careful:
            replica.apply_change(session, change)
            applied += 1
            continue
        savepoint = session.begin_nested()
        try:
            replica.apply_change(session, change)
        except IntegrityError as error:
            savepoint.rollback()
            # Kept for the administrator; the rest of the batch goes on.
            log.error(
                "change %s (%s %s) could not be applied: %s", change["seq"], entity, key, error.orig
            )
            meta.set_json(
                session, f"sync_replica_error:{change['seq']}", {"entity": entity, "key": key}
            )
        else:
            savepoint.commit()
            applied += 1
    return applied, held


def pull_changes(store: LocalStore, centre: Centre, *, limit: int = PULL_LIMIT) -> PullReport:
    """Apply every change after the cursor; raises CentreUnavailable, ResyncNeeded."""
    report = PullReport()
    with store.transaction() as session:
        cursor = meta.cursor(session)
    if cursor is None:
        raise NotBootstrapped("この端末のデータはまだセンターから取り込まれていません。")
    report.cursor = cursor
    while True:
        batch = centre.pull(report.cursor, limit)
        report.head = batch.head
        if not batch.changes:
            return report
        last = int(str(batch.changes[-1]["seq"]))
        for careful in (False, True):
            try:
                with store.transaction() as session:
                    session.connection().exec_driver_sql("PRAGMA defer_foreign_keys = ON")
                    applied, held = _apply_batch(
                        session, batch.changes, pending_touched(session), careful=careful
                    )
                    meta.set_cursor(session, last)
                break
            except IntegrityError:
                if careful:
                    raise
        report.applied += applied
        report.held += held
        report.batches += 1
        report.cursor = last
        if len(batch.changes) < limit:
            return report
