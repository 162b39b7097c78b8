"""A new terminal's replica from the centre, with progress, cancel and resume (R-SYNC-5);
a terminal whose cursor the centre forgot takes a new snapshot and loses nothing."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from sqlalchemy import Table, func, select, text

from madoguchi.storage.central.admin import head, prune_change_log
from madoguchi.storage.models import ChangeHistory, Draft, Person, StaffMember
from madoguchi.storage.store import LocalStore
from madoguchi.storage.sync import (
    BootstrapCancelled,
    CentreUnavailable,
    PostgresCentre,
    ResyncNeeded,
    bootstrap,
    pull_changes,
)
from madoguchi.storage.sync.meta import cursor
from madoguchi.storage.sync.snapshot_copy import search_indexes
from tests.storage.sync.scenarios import family, move_within, pending_count, person


def rows(store: LocalStore, model) -> list[tuple]:
    table = model.__table__
    assert isinstance(table, Table)
    columns = [c for c in table.columns if c.name != "id"]
    with store.transaction() as session:
        return [tuple(r) for r in session.execute(select(*columns).order_by(*columns[:3]))]


def test_a_new_terminal_gets_the_whole_register_with_progress(centre, demo_store, tmp_path):
    store = LocalStore.open(tmp_path / "new.db", create=True)
    centre_link = PostgresCentre(centre.terminal_dsn("TERM-C"))
    events = []
    head = centre.scalar("SELECT last_seq FROM sync_state")  # the terminals' number lanes
    try:
        report = bootstrap(store, centre_link, progress=events.append, chunk_rows=500)
    finally:
        centre_link.close()
    assert report.cursor == head and not report.resumed and not report.refreshed
    assert report.rows["persons"] == 1500
    assert events[-1].done == events[-1].total and events[-1].fraction == 1.0
    assert [e.done for e in events] == sorted(e.done for e in events)
    for model in (Person, ChangeHistory):
        assert rows(store, model) == rows(demo_store, model)
    with store.transaction() as session:
        assert cursor(session) == head
        staff = session.get(StaffMember, "S0005")
        assert staff is not None and staff.password_hash is None  # credentials never travel
    store.close()


def test_a_cancelled_bootstrap_resumes_where_it_stopped(centre, demo_store, tmp_path):
    store = LocalStore.open(tmp_path / "resume.db", create=True)
    centre_link = PostgresCentre(centre.terminal_dsn("TERM-C"))
    cancel = threading.Event()
    seen = []

    def progress(event) -> None:
        seen.append(event)
        if event.table == "persons" and event.table_done >= 600:
            cancel.set()

    try:
        with pytest.raises(BootstrapCancelled):
            bootstrap(
                store, centre_link, progress=progress, cancel=cancel, chunk_rows=300, batch_rows=600
            )
        with store.transaction() as session:
            partial = session.scalar(select(func.count()).select_from(Person))
            assert cursor(session) is None
        assert 0 < partial < 1500
        report = bootstrap(store, centre_link, chunk_rows=300)
    finally:
        centre_link.close()
    assert report.resumed and report.rows["persons"] == 1500
    assert rows(store, Person) == rows(demo_store, Person)
    store.close()


def test_an_expired_cursor_means_a_new_snapshot_and_the_outbox_is_kept(make_terminal, centre):
    a, b = make_terminal("TERM-A"), make_terminal("TERM-B")
    theirs, ours = family(b.store, 2, offset=40), family(a.store, 2, offset=41)
    move_within(b, theirs, "21-1")
    assert b.sync().ok
    with centre.admin() as conn:
        prune_change_log(conn, head(conn))  # the log no longer reaches back to A's cursor
    draft_id = move_within(a, ours, "22-2")  # A's own work, not yet pushed
    waiting = pending_count(a)

    with pytest.raises(ResyncNeeded):
        pull_changes(a.store, a.centre)
    report = bootstrap(a.store, a.centre)
    assert report.refreshed
    assert person(a, theirs.householder.atena_no).banchi == "21-1"  # B's change arrived
    assert person(a, ours.householder.atena_no).banchi == "22-2"  # A's own is kept
    with a.store.transaction() as session:
        assert session.get(Draft, draft_id).status == "approved"
    assert pending_count(a) == waiting

    cycle = a.sync()  # the outbox is replayed on top of the new snapshot
    assert cycle.ok and cycle.push.delivered == waiting and cycle.push.conflicts == 0
    assert centre.scalar("SELECT status FROM drafts WHERE draft_id = %s", [draft_id]) == "approved"


@dataclass
class LosingCentre:
    """A centre whose snapshot goes away after ``chunks`` chunk calls (the reader thread
    fails while batches are staged but not yet written)."""

    real: PostgresCentre
    chunks: int

    @contextmanager
    def snapshot(self) -> Iterator[object]:
        with self.real.snapshot() as snapshot:
            outer = self

            class Losing:
                head = snapshot.head

                def chunk(self, table, after, limit):
                    outer.chunks -= 1
                    if outer.chunks < 0:
                        raise CentreUnavailable("センターに接続できません（試験）")
                    return snapshot.chunk(table, after, limit)

            yield Losing()


def search_index_names(store: LocalStore) -> set[str]:
    with store.transaction() as session:
        return set(
            session.scalars(text("SELECT name FROM sqlite_master WHERE type = 'index'")).all()
        )


def test_a_centre_lost_mid_copy_keeps_only_whole_batches_and_resumes(centre, demo_store, tmp_path):
    store = LocalStore.open(tmp_path / "lost.db", create=True)
    link = PostgresCentre(centre.terminal_dsn("TERM-C"))
    try:
        # 2 ref tables and the households, then the centre goes away during the persons: a
        # batch of 2 chunks is staged (taken apart) but not written when the error arrives.
        losing = LosingCentre(link, chunks=2 + 3 + 2)
        with pytest.raises(CentreUnavailable):
            bootstrap(store, losing, chunk_rows=400, batch_rows=800)  # type: ignore[arg-type]
        with store.transaction() as session:
            partial = session.scalar(select(func.count()).select_from(Person))
            assert cursor(session) is None
        assert partial in (0, 800)  # whole batches only
        report = bootstrap(store, link, chunk_rows=400, batch_rows=800)
    finally:
        link.close()
    assert report.resumed and report.rows["persons"] == 1500
    assert rows(store, Person) == rows(demo_store, Person)
    assert {i.name for i in search_indexes()} <= search_index_names(store)
    store.close()


def test_an_interrupted_index_rebuild_is_done_again_before_the_replica_is_ready(
    centre, demo_store, tmp_path
):
    store = LocalStore.open(tmp_path / "index.db", create=True)
    link = PostgresCentre(centre.terminal_dsn("TERM-C"))
    wanted = {str(i.name) for i in search_indexes()}

    def crash_in_index_stage(event) -> None:
        if event.table == "index" and event.table_done == 3:
            raise RuntimeError("the program stopped (test)")

    try:
        with pytest.raises(RuntimeError):
            bootstrap(store, link, progress=crash_in_index_stage, chunk_rows=500)
        with store.transaction() as session:
            assert cursor(session) is None  # not usable as a replica yet
        assert not wanted <= search_index_names(store)
        events = []
        report = bootstrap(store, link, progress=events.append, chunk_rows=500)
    finally:
        link.close()
    assert report.resumed
    assert wanted <= search_index_names(store)
    # nothing copied again: the next run goes straight to the indexes, then the small tables
    assert next(e.table for e in events if e.table != "index") not in ("persons", "households")
    assert events[-1].fraction == 1.0
    assert rows(store, Person) == rows(demo_store, Person)
    with store.transaction() as session:
        assert cursor(session) == report.cursor
    store.close()
