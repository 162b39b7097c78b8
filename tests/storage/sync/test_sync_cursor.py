"""The pull never skips a change: change numbers follow commit order (R-SYNC-1)."""

from __future__ import annotations

import threading
import time

import psycopg
from psycopg.types.json import Jsonb

from tests.storage.sync.scenarios import family, move_within, pending_envelopes, person


def seqs(centre, terminal_id: str) -> list[int]:
    with psycopg.connect(centre.terminal_dsn(terminal_id), autocommit=True) as conn:
        (batch,) = conn.execute("SELECT sync.pull(0, 1000)").fetchone()
    return [c["seq"] for c in batch["changes"]]


def test_a_transaction_that_commits_late_is_never_skipped(make_terminal, centre):
    a, b = make_terminal("TERM-A"), make_terminal("TERM-B")
    move_within(a, family(a.store, 2, offset=20), "1-2")
    move_within(b, family(b.store, 2, offset=21), "2-3")
    ops_a, ops_b = pending_envelopes(a), pending_envelopes(b)

    before = seqs(centre, "TERM-C")  # the terminals' number lanes, logged at registration
    first = psycopg.connect(centre.terminal_dsn("TERM-A"))  # a transaction left open
    first.execute("SELECT sync.push(%s)", [Jsonb(ops_a)])
    second_done = threading.Event()

    def second() -> None:
        with psycopg.connect(centre.terminal_dsn("TERM-B")) as conn:
            conn.execute("SELECT sync.push(%s)", [Jsonb(ops_b)])
            conn.commit()
        second_done.set()

    thread = threading.Thread(target=second)
    thread.start()
    time.sleep(0.5)
    # The second transaction cannot commit before the first: it would take numbers after
    # the first's, and a reader that had seen them would skip the first's forever.
    assert not second_done.is_set()
    assert seqs(centre, "TERM-C") == before
    first.commit()
    first.close()
    thread.join(10)
    assert second_done.is_set()
    seen = seqs(centre, "TERM-C")
    assert seen == list(range(1, len(seen) + 1)) and len(seen) >= 8
    with centre.admin() as conn:
        order = [
            row[0]
            for row in conn.execute(
                "SELECT op_id FROM change_log WHERE seq > %s ORDER BY seq", [len(before)]
            )
        ]
    terminal_of = {op["op_id"]: "A" for op in ops_a} | {op["op_id"]: "B" for op in ops_b}
    assert [terminal_of[str(o)] for o in order] == sorted(terminal_of[str(o)] for o in order)


def test_a_bare_sequence_would_skip_the_late_commit(centre):
    # Why the design takes numbers under a lock: with a BIGSERIAL the number is taken at
    # insert time, and a reader that passed it skips a transaction committing after.
    with centre.admin() as admin:
        admin.execute("CREATE TABLE naive_log (seq bigserial PRIMARY KEY, what text)")
    early = psycopg.connect(centre.admin_dsn)
    early.execute("INSERT INTO naive_log (what) VALUES ('A')")  # takes 1, commits last
    with psycopg.connect(centre.admin_dsn, autocommit=True) as late:
        late.execute("INSERT INTO naive_log (what) VALUES ('B')")  # takes 2, commits first
        cursor = max(row[0] for row in late.execute("SELECT seq FROM naive_log"))
        early.commit()
        newer = "SELECT what FROM naive_log WHERE seq > %s"
        after_cursor = late.execute(newer, [cursor]).fetchall()
        everything = late.execute("SELECT what FROM naive_log ORDER BY seq").fetchall()
    early.close()
    assert cursor == 2 and after_cursor == [] and everything == [("A",), ("B",)]


def test_a_terminal_pulling_between_two_commits_ends_with_both(make_terminal, centre):
    a, b, c = make_terminal("TERM-A"), make_terminal("TERM-B"), make_terminal("TERM-C")
    home_a, home_b = family(a.store, 2, offset=22), family(b.store, 2, offset=23)
    move_within(a, home_a, "3-4")
    move_within(b, home_b, "4-5")
    assert a.sync().ok
    middle = c.sync()
    assert middle.ok
    assert b.sync().ok
    final = c.sync()
    assert final.pull.cursor == centre.scalar("SELECT last_seq FROM sync_state")
    assert person(c, home_a.householder.atena_no).banchi == "3-4"
    assert person(c, home_b.householder.atena_no).banchi == "4-5"
