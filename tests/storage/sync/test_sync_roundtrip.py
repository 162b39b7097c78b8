"""Push, pull and idempotence between two terminals and the centre (R-SYNC-1)."""

from __future__ import annotations

from tests.storage.sync.scenarios import family, move_within, pending_count, person


def test_an_approval_on_one_terminal_is_seen_on_another_after_a_pull(make_terminal, centre):
    a, b = make_terminal("TERM-A"), make_terminal("TERM-B")
    home = family(a.store, 2, offset=3)
    draft_id = move_within(a, home, "31-4")
    moved = person(a, home.householder.atena_no)
    assert person(b, home.householder.atena_no).banchi != "31-4"

    report = a.sync()
    assert report.ok, report.error
    assert report.push.rejected == 0 and report.push.conflicts == 0
    assert report.push.delivered >= 3  # audit entries, the draft, the approval

    report = b.sync()
    assert report.ok, report.error
    seen = person(b, home.householder.atena_no)
    assert (seen.banchi, seen.row_version, seen.process_id) == (
        "31-4",
        moved.row_version,
        moved.process_id,
    )
    assert centre.scalar("SELECT status FROM drafts WHERE draft_id = %s", [draft_id]) == "approved"
    assert pending_count(a) == 0
