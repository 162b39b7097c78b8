"""Offline: the terminal keeps working, the status says so, and sync resumes (R-SYNC-3)."""

from __future__ import annotations

import threading
import time

from madoguchi.app.domain.permissions import Role
from madoguchi.app.services.search import SearchCriteria, SearchService
from madoguchi.storage.sync import SyncWorker
from tests.storage.sync.scenarios import family, move_within, person


def test_with_the_centre_down_pushes_fail_cleanly_and_succeed_after_it_returns(
    make_terminal, centre, pg_cluster
):
    a, b = make_terminal("TERM-A"), make_terminal("TERM-B")
    home = family(a.store, 2, offset=30)
    pg_cluster.stop("immediate")  # the centre crashes
    try:
        # The counter goes on: a search, a notification and its approval, all local.
        found = SearchService(a.store).search(
            a.ctx(Role.CLERK, staff_no="S0001"), SearchCriteria(atena_no=home.householder.atena_no)
        )
        assert len(found.persons) == 1
        move_within(a, home, "11-2")
        report = a.sync()
        assert not report.ok and "センターに接続できません" in report.error
        status = a.worker.status()
        assert status.online is False and status.queue_depth >= 4
        assert status.oldest_age(a.clock.now()) is not None
        assert status.next_attempt_at is not None
    finally:
        pg_cluster.start()
    report = a.sync()
    assert report.ok and report.push.delivered >= 4
    assert a.worker.status().online is True and a.worker.status().queue_depth == 0
    assert b.sync().ok and person(b, home.householder.atena_no).banchi == "11-2"


def test_the_worker_retries_on_its_timer_without_waiting_for_a_new_write(
    make_terminal, centre, pg_cluster
):
    a = make_terminal("TERM-A")
    statuses = []
    seen = threading.Condition()

    def on_status(status) -> None:
        with seen:
            statuses.append(status)
            seen.notify_all()

    worker = SyncWorker(
        a.store,
        a.centre,
        clock=a.clock.now,
        poll_seconds=0.3,
        backoff=(0.2, 0.4),
        on_status=on_status,
    )
    move_within(a, family(a.store, 2, offset=31), "12-3")
    pg_cluster.stop("immediate")
    worker.start()
    try:
        with seen:
            assert seen.wait_for(lambda: any(s.online is False for s in statuses), timeout=20)
        pg_cluster.start()
        # No new write, no nudge: the timer alone brings the queue to zero.
        with seen:
            assert seen.wait_for(
                lambda: statuses[-1].online and statuses[-1].queue_depth == 0, timeout=30
            ), statuses[-1]
    finally:
        if not pg_cluster.running:
            pg_cluster.start()
        worker.stop()
    failures = [s for s in statuses if s.online is False]
    assert failures and failures[0].queue_depth >= 4


def test_notifications_bring_a_change_to_another_terminal_quickly(make_terminal, centre):
    a, b = make_terminal("TERM-A"), make_terminal("TERM-B")
    home = family(a.store, 2, offset=32)
    listener = SyncWorker(b.store, b.centre, clock=b.clock.now, poll_seconds=60)
    assert listener.run_once().ok
    listener.start()
    try:
        time.sleep(0.3)  # the listener is waiting (LISTEN) with a 60 s timer
        move_within(a, home, "13-4")
        started = time.perf_counter()
        assert a.sync().ok
        deadline = started + 10
        while person(b, home.householder.atena_no).banchi != "13-4":
            assert time.perf_counter() < deadline, "the notification did not wake the worker"
            time.sleep(0.05)
    finally:
        listener.stop()
