"""Each op has exactly one effect however often it arrives (R-SYNC-1, fault injection)."""

from __future__ import annotations

import pytest

from madoguchi.storage.sync import SyncWorker
from tests.storage.sync.faults import FaultyCentre
from tests.storage.sync.scenarios import family, move_within, pending_envelopes


def effects(centre, draft_id: str) -> tuple[int, int, int, int]:
    """What the approval left at the centre: history entries, log entries, queue records,
    applied ops."""
    with centre.admin() as conn:
        process_id = conn.execute(
            "SELECT process_id FROM drafts WHERE draft_id = %s", [draft_id]
        ).fetchone()[0]
        return tuple(  # type: ignore[return-value]
            conn.execute(query, [value]).fetchone()[0]
            for query, value in (
                ("SELECT count(*) FROM change_history WHERE process_id = %s", process_id),
                ("SELECT count(*) FROM change_log WHERE image->>'process_id' = %s", process_id),
                ("SELECT count(*) FROM interface_records WHERE draft_id = %s", draft_id),
                ("SELECT count(*) FROM applied_ops WHERE op_type = %s", "approve_draft"),
            )
        )


def test_the_same_ops_sent_again_get_the_same_answers_and_no_second_effect(make_terminal, centre):
    a = make_terminal("TERM-A")
    draft_id = move_within(a, family(a.store, 2, offset=5), "7-7")
    ops = pending_envelopes(a)
    first = a.centre.push(ops)
    assert {r["result"] for r in first} == {"applied"}
    before = effects(centre, draft_id)
    assert before[0] == 2 and before[3] == 1

    again = a.centre.push(ops)
    assert [r["result"] for r in again] == [r["result"] for r in first]
    assert all(r["replayed"] for r in again)
    assert effects(centre, draft_id) == before


def test_an_answer_lost_after_the_commit_is_retried_with_exactly_one_effect(make_terminal, centre):
    a = make_terminal("TERM-A")
    draft_id = move_within(a, family(a.store, 2, offset=6), "8-8")
    faulty = FaultyCentre(a.centre, lose_next_answers=1)
    worker = SyncWorker(a.store, faulty, clock=a.clock.now, listen=False)

    lost = worker.run_once()
    assert not lost.ok and worker.state.online is False
    assert worker.status().queue_depth > 0  # nothing recorded as sent: the answer never came
    assert centre.scalar("SELECT status FROM drafts WHERE draft_id = %s", [draft_id]) == "approved"
    once = effects(centre, draft_id)

    retried = worker.run_once()
    assert retried.ok and retried.push.delivered == len(faulty.pushes[0])
    assert worker.status().queue_depth == 0
    assert effects(centre, draft_id) == once


@pytest.mark.parametrize("mode", ["sequential", "concurrent"])
def test_duplicate_delivery_applies_once(make_terminal, centre, mode):
    a = make_terminal("TERM-A")
    draft_id = move_within(a, family(a.store, 2, offset=7), "9-9")
    faulty = FaultyCentre(a.centre, duplicate=mode)
    worker = SyncWorker(a.store, faulty, clock=a.clock.now, listen=False)
    report = worker.run_once()
    assert report.ok and report.push.conflicts == report.push.rejected == 0
    history, log_entries, records, approvals = effects(centre, draft_id)
    assert (history, approvals) == (2, 1) and log_entries >= 2 and records >= 2


def test_a_batch_cut_in_the_middle_converges(make_terminal, centre):
    a = make_terminal("TERM-A")
    draft_id = move_within(a, family(a.store, 2, offset=8), "10-1")
    ops = pending_envelopes(a)
    a.centre.push(ops[: len(ops) // 2])  # the rest never arrived, the answer was lost
    report = a.sync()
    assert report.ok and report.push.conflicts == report.push.rejected == 0
    history, _, _, approvals = effects(centre, draft_id)
    assert (history, approvals) == (2, 1)
    assert centre.scalar("SELECT status FROM drafts WHERE draft_id = %s", [draft_id]) == "approved"
