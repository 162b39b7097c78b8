"""Fixtures for sync: the session's PostgreSQL cluster, a central database per test, and
terminals (private copies of the demo city, enrolled as replicas at the centre's cursor 0)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from madoguchi.app.context import Actor, FixedClock, ServiceContext
from madoguchi.app.domain.permissions import Role
from madoguchi.storage.central.cluster import ThrowawayCluster
from madoguchi.storage.store import LocalStore
from madoguchi.storage.sync import CycleReport, PostgresCentre, SyncWorker, enrol_loaded_copy
from tests.helpers.postgres import (
    CentreDb,
    build_template,
    drop_centre,
    new_centre,
    start_cluster,
)
from tests.helpers.stores import FIXED_NOW, copy_store


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[ThrowawayCluster]:
    """A throwaway PostgreSQL cluster for the session (Unix socket in a temp dir)."""
    cluster = start_cluster()
    try:
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture(scope="session")
def centre_template(pg_cluster: ThrowawayCluster, demo_store: LocalStore) -> str:
    """The migrated, loaded template database (built once)."""
    build_template(pg_cluster, demo_store)
    return "centre_template"


@pytest.fixture
def centre(pg_cluster: ThrowawayCluster, centre_template: str) -> Iterator[CentreDb]:
    """This test's own central database."""
    db = new_centre(pg_cluster)
    try:
        yield db
    finally:
        if not pg_cluster.running:
            pg_cluster.start()
        drop_centre(db)


@dataclass
class Terminal:
    """One counter terminal: its store, its clock, its connection to the centre, its worker."""

    terminal_id: str
    store: LocalStore
    clock: FixedClock
    centre: PostgresCentre
    worker: SyncWorker = field(init=False)

    def __post_init__(self) -> None:
        self.worker = SyncWorker(self.store, self.centre, clock=self.clock.now, listen=False)

    def ctx(self, *roles: Role, staff_no: str) -> ServiceContext:
        """Who acts on this terminal, at its clock."""
        actor = Actor(staff_no, f"試験 {staff_no}", "本庁舎 市民課", frozenset(roles))
        return ServiceContext(actor=actor, terminal_id=self.terminal_id, clock=self.clock)

    def sync(self) -> CycleReport:
        """One push-then-pull cycle."""
        return self.worker.run_once()


@pytest.fixture
def make_terminal(
    centre: CentreDb, demo_store: LocalStore, tmp_path: Path
) -> Iterator[Callable[[str], Terminal]]:
    """``make_terminal("TERM-A")``: a terminal on this test's centre."""
    made: list[Terminal] = []

    def make(terminal_id: str) -> Terminal:
        store = copy_store(demo_store, tmp_path / f"{terminal_id}.db")
        enrol_loaded_copy(store, 0)
        terminal = Terminal(
            terminal_id,
            store,
            FixedClock(FIXED_NOW),
            PostgresCentre(centre.terminal_dsn(terminal_id), connect_timeout=2),
        )
        made.append(terminal)
        return terminal

    yield make
    for terminal in made:
        terminal.worker.stop()
        terminal.store.close()
