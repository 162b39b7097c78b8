"""The outbox is a queue, not an archive: answered ops go after their retention."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select, update

from madoguchi.storage.models import OutboxEntry
from madoguchi.storage.sync.push import ANSWERED_RETENTION, purge_answered
from tests.storage.sync.scenarios import family, move_within


def states(terminal) -> dict[str, int]:
    with terminal.store.transaction() as session:
        rows = session.execute(
            select(OutboxEntry.state, func.count()).group_by(OutboxEntry.state)
        ).all()
        return {state: count for state, count in rows}


def test_delivered_ops_go_after_their_retention_and_the_rest_stay(make_terminal, centre):
    a = make_terminal("TERM-A")
    move_within(a, family(a.store, 2, offset=60), "3-9")
    assert a.sync().ok
    counted = states(a)
    assert counted["delivered"] >= 4
    # (the session's demo city may hold ops of other tests, ``loaded`` into this copy)
    answered = counted["delivered"] + counted.get("loaded", 0)
    now = a.clock.now()
    # Age them all; one answered op is a refusal (kept for the supervisor) and one still waits.
    with a.store.transaction() as session:
        session.execute(update(OutboxEntry).values(created_at=now - ANSWERED_RETENTION * 2))
        first, second = session.scalars(select(OutboxEntry).order_by(OutboxEntry.seq).limit(2))
        first.state, second.state = "rejected", "pending"
    assert purge_answered(a.store, now - dt.timedelta(days=1), keep=ANSWERED_RETENTION * 3) == 0
    assert purge_answered(a.store, now, limit=2) == 2  # in bounded steps
    assert purge_answered(a.store, now) == answered - 4
    assert states(a) == {"rejected": 1, "pending": 1}
