"""The terminal program SIGKILLed mid-transaction (R-STORE-2, issue 8's fault list).

A real child process (``crash_child.py``) opens the terminal's encrypted store as the program
does and does real work — a clerk's 転居 draft and its approval through the services, or the
sync worker's push and pull against the test's PostgreSQL centre — and the test SIGKILLs it
at a fixed instant inside an open transaction (the child says "paused" from an SQLAlchemy
hook and sleeps) or at seeded random instants. On reopen:

- the store opens, ``PRAGMA integrity_check`` is ok, the audit chain verifies;
- every change is there with its outbox op, or neither is; the killed transaction left
  nothing; every write the child reported after its commit returned is there;
- the sync cursor is exactly the last committed batch's and the replica is the centre's
  state as of that cursor (never past what was applied);
- a fresh worker against the same centre converges: every op applied exactly once there
  (applied_ops, history, audit log), the replica equal to the centre.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter as Tally
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from madoguchi.storage.audit import verify_chain
from madoguchi.storage.models import AuditEntry, ChangeHistory, Draft, Household, OutboxEntry
from madoguchi.storage.models import Person as PersonRow
from madoguchi.storage.store import LocalStore, load_key
from madoguchi.storage.sync import PostgresCentre, SyncWorker, meta
from tests.helpers.postgres import CentreDb
from tests.storage.sync.conftest import Terminal
from tests.storage.sync.scenarios import family, move_within

MakeTerminal = Callable[[str], Terminal]
ROOT = Path(__file__).resolve().parents[3]
SEED = 20261102
CHILD_TIMEOUT = 60.0


# -- the child processes ------------------------------------------------------------------------


class Host:
    """The fork server of ``crash_child``: one interpreter that has imported the program,
    forking a child process per run (see its docstring)."""

    def __init__(self, log: Path) -> None:
        self.log = log
        with log.open("w") as stderr:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "tests.storage.sync.crash_child"],
                cwd=ROOT,
                env={**os.environ, "PYTHONPATH": str(ROOT)},
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=stderr,
                text=True,
            )
        self._lines: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self._ready = False  # it imports while the first test prepares its stores

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.put(json.loads(line))
        self._lines.put(None)

    def answer(self, key: str, timeout: float = CHILD_TIMEOUT) -> Any:
        """The next line of the host (``{"host": …}``, ``{"pid": …}``, ``{"exit": …}``)."""
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            line = None
        if line is None or key not in line:
            pytest.fail(
                f"the crash host did not answer {key!r} (got {line}, exit"
                f" {self.process.poll()}): {self.log.read_text()[-3000:]}"
            )
        return line[key]

    def has_answer(self) -> bool:
        """A line is waiting (a child's exit, while one runs)."""
        return not self._lines.empty()

    def order(self, spec: dict[str, Any]) -> int:
        """Fork a child for ``spec``; its pid."""
        if not self._ready:
            assert self.answer("host") == "ready"
            self._ready = True
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(spec) + "\n")
        self.process.stdin.flush()
        return int(self.answer("pid"))

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=30)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            self._reader.join(timeout=10)
            if self.process.stdout is not None:
                self.process.stdout.close()


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Host]:
    """The fork server for this module's children."""
    started = Host(tmp_path_factory.mktemp("crash") / "host.log")
    try:
        yield started
    finally:
        started.close()


class Child:
    """One child process: its events as it writes them, and SIGKILL."""

    def __init__(self, host: Host, path: Path, terminal_id: str, spec: dict[str, Any]) -> None:
        key = load_key(path)
        assert key is not None, f"no key in the test keyring for {path}"
        self.host = host
        self.events: list[dict[str, Any]] = []
        runs = len(list(path.parent.glob("child-*.events")))
        self.events_path = path.parent / f"child-{runs}.events"
        self.stderr_path = path.parent / f"child-{runs}.stderr"
        self._read_upto = 0
        self.exit: int | None = None
        order = {
            "store": str(path),
            "key": key,
            "terminal": terminal_id,
            "events": str(self.events_path),
            "stderr": str(self.stderr_path),
            **spec,
        }
        self.pid = host.order(order)

    def _poll(self) -> list[dict[str, Any]]:
        """Complete lines written since the last look."""
        if not self.events_path.exists():
            return []
        data = self.events_path.read_bytes()
        end = data.rfind(b"\n", self._read_upto) + 1
        if end <= self._read_upto:
            return []
        lines = data[self._read_upto : end].decode().splitlines()
        self._read_upto = end
        found = [json.loads(line) for line in lines]
        self.events.extend(found)
        return found

    def _why(self) -> str:
        errors = self.stderr_path.read_text() if self.stderr_path.exists() else ""
        return f"crash child (exit {self.exit}) said {self.events[-3:]}; stderr: {errors[-3000:]}"

    def wait_for(self, name: str, timeout: float = CHILD_TIMEOUT) -> dict[str, Any] | None:
        """The next ``name`` event; None when the child finished (``done``) first."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for found in self._poll():
                if found["event"] == name:
                    return found
                if found["event"] == "done":
                    return None
            if self.host.has_answer():  # the child ended: its exit line came
                self.exit = int(self.host.answer("exit"))
                self._poll()
                pytest.fail(f"the crash child ended before '{name}': {self._why()}")
            time.sleep(0.005)
        pytest.fail(f"no '{name}' from the crash child in {timeout} s: {self._why()}")

    def kill(self) -> bool:
        """SIGKILL (no cleanup of any kind runs); True when it was still working."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        self.exit = int(self.host.answer("exit"))
        self._poll()  # what it wrote before dying was reported, read or not
        assert self.exit in (-signal.SIGKILL, 0), self._why()
        if self.exit == 0:
            assert self.events[-1]["event"] == "done", self._why()
        return self.exit == -signal.SIGKILL

    def of(self, name: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["event"] == name]


def run_and_kill(
    host: Host, terminal: Terminal, spec: dict[str, Any], *, after: float | None = None
) -> Child:
    """Close the terminal's store, run a child on it, SIGKILL it when it pauses (or
    ``after`` seconds into its work), then reopen the store as the program would."""
    path = terminal.store.path
    terminal.store.close()
    child = Child(host, path, terminal.terminal_id, spec)
    try:
        if after is None:
            paused = child.wait_for("paused")
            assert paused is not None, f"the child never reached its kill point: {child.events}"
        else:
            assert child.wait_for("ready") is not None
            time.sleep(after)
    finally:
        child.kill()
    terminal.store = LocalStore.open(path)  # what the program does on restart
    return child


# -- what a reopened store must show -------------------------------------------------------------


def assert_store_sound(store: LocalStore) -> None:
    """The file is intact and the audit chain verifies."""
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA integrity_check").all() == [("ok",)]
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    with store.transaction() as session:
        chain = verify_chain(session)
    assert chain.intact, chain.broken


def baseline(store: LocalStore) -> set[str]:
    """The 処理IDs of history entries and the ids of drafts before the test's work (the
    session's demo city may already hold drafts of other tests, their ops ``loaded``)."""
    with store.transaction() as session:
        return set(session.scalars(select(ChangeHistory.process_id).distinct())) | set(
            session.scalars(select(Draft.draft_id))
        )


def assert_changes_have_their_ops(store: LocalStore, terminal_id: str, before: set[str]) -> None:
    """Every change is there with its outbox op and every op with its change."""
    with store.transaction() as session:
        ops = session.scalars(select(OutboxEntry).where(OutboxEntry.state != "loaded")).all()
        by_type: dict[str, list[dict[str, Any]]] = {}
        for op in ops:
            by_type.setdefault(op.op_type, []).append(op.payload)
        audit = session.scalars(
            select(AuditEntry).where(AuditEntry.terminal_id == terminal_id)
        ).all()
        drafts = {d.draft_id: d for d in session.scalars(select(Draft)) if d.draft_id not in before}
        history = Tally(
            session.scalars(
                select(ChangeHistory.process_id).where(ChangeHistory.process_id.not_in(before))
            )
        )
        persons = {
            p.atena_no: p
            for p in session.scalars(
                select(PersonRow).where(
                    PersonRow.atena_no.in_([a for d in drafts.values() for a in d.target_persons])
                )
            )
        }
    assert {(p["seq"], p["entry_hash"]) for p in by_type.get("audit_entry", [])} == {
        (e.seq, e.entry_hash) for e in audit
    }, "audit entries and their audit_entry ops differ"
    submitted: dict[str, int] = {}
    for payload in by_type.get("submit_draft", []):
        submitted[payload["draft_id"]] = max(
            submitted.get(payload["draft_id"], 0), payload["revision"]
        )
    assert submitted == {d.draft_id: d.revision for d in drafts.values()}, "drafts vs submit ops"
    approvals = {p["draft_id"]: p["process_id"] for p in by_type.get("approve_draft", [])}
    assert len(approvals) == len(by_type.get("approve_draft", [])), "an approval queued twice"
    assert approvals == {
        d.draft_id: d.process_id for d in drafts.values() if d.status == "approved"
    }, "approved drafts vs approve ops"
    assert set(history) == set(approvals.values()), "history entries vs approve ops"
    for draft in drafts.values():
        targets = [persons[a] for a in draft.target_persons]
        if draft.status == "approved":
            assert history[str(draft.process_id)] == len(targets)
            assert all(p.process_id == draft.process_id for p in targets)
        else:  # its approval never happened: the register is at the draft's base
            bases = draft.base_versions["persons"]
            assert all(p.row_version == bases[p.atena_no] for p in targets)
    actions = Tally(e.action for e in audit)
    assert actions["intake_draft_saved"] == len(drafts)
    assert actions["review_approved"] == len(approvals)


def present(store: LocalStore, before: set[str]) -> tuple[set[str], dict[str, str]]:
    """Saved drafts, and approved drafts with their 処理ID (not those there ``before``)."""
    with store.transaction() as session:
        drafts = [d for d in session.scalars(select(Draft)) if d.draft_id not in before]
    return {d.draft_id for d in drafts}, {
        d.draft_id: str(d.process_id) for d in drafts if d.status == "approved"
    }


def reported(children: list[Child]) -> tuple[set[str], dict[str, str]]:
    """What the children reported saved and approved (after the commit returned)."""
    events = [e for child in children for e in child.events]
    saved = {e["draft_id"] for e in events if e["event"] == "saved"}
    approved = {e["draft_id"]: e["process_id"] for e in events if e["event"] == "approved"}
    return saved, approved


def value(conn: Any, query: str, params: list[Any] | None = None) -> Any:
    """One value from the centre."""
    row = conn.execute(query, params or []).fetchone()
    assert row is not None
    return row[0]


def fresh_worker(terminal: Terminal, centre: CentreDb) -> SyncWorker:
    """A new worker on the reopened store, as after a restart."""
    link = PostgresCentre(centre.terminal_dsn(terminal.terminal_id), connect_timeout=2)
    terminal.worker.stop()
    terminal.worker = SyncWorker(terminal.store, link, clock=terminal.clock.now, listen=False)
    return terminal.worker


def settle(*terminals: Terminal) -> None:
    """Sync every terminal until a round moves nothing."""
    for _ in range(10):
        moved = False
        for terminal in terminals:
            report = terminal.worker.run_once()
            assert report.ok, report.error
            assert report.push is not None and report.pull is not None
            assert report.push.conflicts == report.push.rejected == 0
            moved = moved or bool(report.push.batches or report.pull.applied)
        if not moved:
            return
    raise AssertionError("sync did not settle")


def assert_applied_exactly_once(terminal: Terminal, centre: CentreDb) -> None:
    """Every op of the terminal was answered once, applied, with one effect at the centre."""
    with terminal.store.transaction() as session:
        ops = session.scalars(select(OutboxEntry).where(OutboxEntry.state != "loaded")).all()
        local_audit = session.scalars(
            select(AuditEntry.seq).where(AuditEntry.terminal_id == terminal.terminal_id)
        ).all()
    assert ops and {op.state for op in ops} == {"delivered"}
    with centre.admin() as conn:
        answers = dict(
            conn.execute(
                "SELECT op_id::text, result FROM applied_ops WHERE terminal_id = %s",
                [terminal.terminal_id],
            ).fetchall()
        )
        audit = [
            row[0]
            for row in conn.execute(
                "SELECT seq FROM audit_log WHERE terminal_id = %s ORDER BY seq",
                [terminal.terminal_id],
            )
        ]
        for op in ops:
            if op.op_type != "approve_draft":
                continue
            process_id = op.payload["process_id"]
            persons = conn.execute(
                "SELECT count(*), count(DISTINCT atena_no) FROM change_history"
                " WHERE process_id = %s",
                [process_id],
            ).fetchone()
            expected = len(op.payload["base_versions"]["persons"])
            assert persons == (expected, expected), (process_id, persons)
            log_entries = value(
                conn,
                "SELECT count(*) FROM change_log WHERE entity = 'history'"
                " AND image->>'process_id' = %s",
                [process_id],
            )
            assert log_entries == expected, (process_id, log_entries)
    assert answers == {op.op_id: "applied" for op in ops}
    assert audit == sorted(local_audit) == list(range(1, len(local_audit) + 1))


PERSONS = "SELECT atena_no, household_no, status, banchi, row_version, process_id FROM persons"
HOUSEHOLDS = "SELECT household_no, banchi, removed, row_version, process_id FROM households"
HISTORY = "SELECT atena_no, process_id FROM change_history"
DRAFTS = "SELECT draft_id, status, process_id, row_version FROM drafts"
COUNTS = [f"SELECT count(*) FROM {t}" for t in ("persons", "households", "change_history")]


def assert_converged(terminal: Terminal, centre: CentreDb) -> None:
    """The replica holds the centre's rows of everything the log touched, the same number
    of rows in every register table, the same drafts; its cursor is the centre's head."""
    with centre.admin() as conn:
        touched: dict[str, list[str]] = {"person": [], "household": [], "history": []}
        for entity, key, image in conn.execute("SELECT entity, entity_key, image FROM change_log"):
            if entity == "history":
                touched["history"].append(image["process_id"])
            elif entity in touched:
                touched[entity].append(key)
        queries = [
            (f"{PERSONS} WHERE atena_no IN ({{}})", touched["person"]),
            (f"{HOUSEHOLDS} WHERE household_no IN ({{}})", touched["household"]),
            (f"{HISTORY} WHERE process_id IN ({{}})", touched["history"]),
            (DRAFTS, []),
        ]

        def central_rows(query: str, keys: list[str]) -> set[tuple[Any, ...]]:
            sql = query.format(", ".join(["%s"] * len(keys)) or "NULL")
            return {
                tuple(int(v) if isinstance(v, bool) else v for v in row)
                for row in conn.execute(sql, keys)
            }

        central = [central_rows(q, keys) for q, keys in queries]
        central_counts = [value(conn, q) for q in COUNTS]
        head = value(conn, "SELECT last_seq FROM sync_state")
    with terminal.store.engine.connect() as db:
        local = [
            set(db.exec_driver_sql(q.format(", ".join("?" * len(k)) or "NULL"), tuple(k)).all())
            for q, k in queries
        ]
        local_counts = [db.exec_driver_sql(q).scalar() for q in COUNTS]
        cursor = db.exec_driver_sql(
            "SELECT value FROM store_meta WHERE key = ?", (meta.CURSOR,)
        ).scalar()
    for name, mine, theirs in zip(
        ("persons", "households", "history", "drafts"), local, central, strict=True
    ):
        assert mine == theirs, (terminal.terminal_id, name, mine ^ theirs)
    assert local_counts == central_counts, terminal.terminal_id
    assert cursor is not None and int(cursor) == head, terminal.terminal_id


def assert_replica_is_the_centre_as_of_its_cursor(terminal: Terminal, centre: CentreDb) -> int:
    """For a terminal with no pending op: every logged change up to the cursor is applied,
    none after it. Returns the cursor."""
    with terminal.store.transaction() as session:
        cursor = meta.cursor(session)
        assert cursor is not None
        persons = dict(session.execute(select(PersonRow.atena_no, PersonRow.row_version)).all())
        households = dict(
            session.execute(select(Household.household_no, Household.row_version)).all()
        )
        history = set(session.execute(select(ChangeHistory.atena_no, ChangeHistory.process_id)))
        pending = session.scalar(
            select(OutboxEntry.op_id).where(OutboxEntry.state == "pending").limit(1)
        )
    assert pending is None
    with centre.admin() as conn:
        log = conn.execute("SELECT seq, entity, entity_key, image FROM change_log ORDER BY seq")
        entries = log.fetchall()
    assert cursor <= (entries[-1][0] if entries else 0), "cursor past the centre's head"
    newest: dict[tuple[str, str], int] = {}
    first_later: dict[tuple[str, str], int] = {}
    for seq, entity, key, image in entries:
        if entity == "history":
            pair = (image["atena_no"], image["process_id"])
            assert (pair in history) == (seq <= cursor), (seq, cursor, pair)
        elif entity in ("person", "household"):
            if seq <= cursor:
                newest[(entity, key)] = image["row_version"]
            else:
                first_later.setdefault((entity, key), image["row_version"])
    rows = {"person": persons, "household": households}
    for (entity, key), version in newest.items():
        assert rows[entity][key] == version, (entity, key, cursor)
    for (entity, key), version in first_later.items():
        if (entity, key) not in newest and key in rows[entity]:
            assert rows[entity][key] < version, (entity, key, cursor)
    return cursor


def committed_cursors(child: Child) -> list[int]:
    return [e["cursor"] for e in child.of("committed") if "cursor" in e["labels"]]


# -- 1. a service write killed while its transaction is open ---------------------------------------

KILL_POINTS: dict[str, dict[str, Any]] = {
    # the second save: its draft row written, not its audit entry and submit op
    "save: draft row written": {"phase": "sql", "prefix": "INSERT INTO drafts", "nth": 2},
    # the second save fully flushed, COMMIT not yet (the first save and approval committed)
    "save: before COMMIT": {"phase": "commit", "labels": ["op:submit_draft"], "nth": 2},
    # the second approval half-way: persons updated, one of two history entries written
    "approve: history half written": {
        "phase": "sql",
        "prefix": "INSERT INTO change_history",
        "nth": 3,
    },
    # the approval with its op flushed, COMMIT not yet
    "approve: before COMMIT": {"phase": "commit", "labels": ["op:approve_draft"], "nth": 2},
}


@pytest.mark.parametrize("point", list(KILL_POINTS))
def test_a_service_write_killed_mid_transaction_leaves_both_or_neither(
    make_terminal: MakeTerminal, centre: CentreDb, host: Host, point: str
) -> None:
    a = make_terminal("TERM-A")
    before = baseline(a.store)
    spec = {"mode": "intake", "offsets": [10, 11, 12], "tag": "20", "pause": KILL_POINTS[point]}
    child = run_and_kill(host, a, spec)

    assert_store_sound(a.store)
    assert_changes_have_their_ops(a.store, "TERM-A", before)
    # The killed transaction left nothing; everything reported saved is there.
    assert present(a.store, before) == reported([child])
    # The survivors are a valid history for the centre too (chain, drafts, bases).
    fresh_worker(a, centre)
    settle(a)
    assert_applied_exactly_once(a, centre)


def test_service_writes_killed_at_random_instants_lose_nothing_reported(
    make_terminal: MakeTerminal, centre: CentreDb, host: Host
) -> None:
    a = make_terminal("TERM-A")
    before = baseline(a.store)
    rng = random.Random(SEED)
    children: list[Child] = []
    for run in range(3):
        offsets = list(range(20 + 8 * run, 28 + 8 * run))
        instant = rng.uniform(0.05, 0.9)
        child = run_and_kill(
            host, a, {"mode": "intake", "offsets": offsets, "tag": str(run)}, after=instant
        )
        children.append(child)

        assert_store_sound(a.store)
        assert_changes_have_their_ops(a.store, "TERM-A", before)
        saved, approved = reported(children)
        drafts, approvals = present(a.store, before)
        context = f"run {run}, killed {instant:.3f} s in (seed {SEED})"
        assert saved <= drafts, context
        assert approved.items() <= approvals.items(), context
        # At most one write per kill committed without being reported.
        assert len(drafts - saved) + len(approvals.keys() - approved.keys()) <= run + 1, context
    fresh_worker(a, centre)
    settle(a)
    assert_applied_exactly_once(a, centre)


# -- 2. the sync worker killed while recording a push answer or applying a pull ------------------


def approvals_on(terminal: Terminal, count: int, offset: int = 40) -> None:
    """``count`` approved 転居 on this terminal, not yet pushed."""
    for number in range(count):
        move_within(
            terminal, family(terminal.store, 2, offset=offset + number), f"{offset}-{number}"
        )


PUSH_KILLS: dict[str, tuple[list[list[Any]], dict[str, Any]]] = {
    # the worker's cycle: the centre applied the batch, its answers not yet committed here
    "cycle: recording the answers": ([["cycle"]], {"labels": ["answer"], "nth": 1}),
    # batches of 5: the first batch's answers committed, the second's not
    "push: second batch's answers": ([["push", 5]], {"labels": ["answer"], "nth": 2}),
    # before anything went out: the ops' effects being frozen into the outbox
    "cycle: preparing the ops": ([["cycle"]], {"labels": ["prepare"], "nth": 1}),
}


@pytest.mark.parametrize("point", list(PUSH_KILLS))
def test_push_killed_mid_transaction_is_applied_exactly_once(
    make_terminal: MakeTerminal, centre: CentreDb, host: Host, point: str
) -> None:
    a = make_terminal("TERM-A")
    approvals_on(a, 3)
    steps, pause = PUSH_KILLS[point]
    spec = {"mode": "sync", "dsn": centre.terminal_dsn("TERM-A"), "steps": steps}
    child = run_and_kill(host, a, {**spec, "pause": {"phase": "commit", **pause}})

    assert_store_sound(a.store)
    with a.store.transaction() as session:
        ops = session.scalars(select(OutboxEntry).where(OutboxEntry.state != "loaded")).all()
        states = {op.op_id: op.state for op in ops}
        prepared = {op.op_id for op in ops if "sync_effect" in op.payload}
    committed = [e for e in child.of("committed") if set(pause["labels"]) <= set(e["labels"])]
    assert len(committed) == pause["nth"] - 1  # the kill came in the next one
    answered = {op: state for e in committed for op, state in e["answers"].items()}
    assert answered.items() <= states.items()  # reported answers survived
    assert set(states.values()) <= {"pending", "delivered"}
    delivered = {op for op, state in states.items() if state == "delivered"}
    assert delivered == set(answered)  # the killed transaction's answers are not there
    with centre.admin() as conn:
        at_centre = {r[0] for r in conn.execute("SELECT op_id::text FROM applied_ops")}
    assert delivered <= at_centre
    if pause["labels"] == ["answer"]:  # the centre applied the batch whose answer was lost
        assert (set(states) - delivered) & at_centre
    else:  # killed while freezing the effects: nothing prepared, nothing sent
        assert not prepared and not at_centre & set(states)

    fresh_worker(a, centre)
    settle(a)
    assert_applied_exactly_once(a, centre)
    assert_converged(a, centre)


APPLY = ["cursor", "write:persons"]  # a pull transaction: replica rows and the cursor
PULL_KILLS: dict[str, tuple[list[list[Any]], dict[str, Any]]] = {
    # the worker's cycle: the first batch applied with its cursor, COMMIT not yet
    "cycle: batch and cursor": ([["cycle"]], {"phase": "commit", "labels": APPLY, "nth": 1}),
    # batches of 5: two committed, the third applied, COMMIT not yet
    "pull: third batch": ([["pull", 5]], {"phase": "commit", "labels": APPLY, "nth": 3}),
    # batches of 7: the second batch half-way through writing persons
    "pull: rows half written": (
        [["pull", 7]],
        {"phase": "sql", "prefix": "INSERT INTO persons", "nth": 3},
    ),
}


@pytest.mark.parametrize("point", list(PULL_KILLS))
def test_pull_killed_mid_batch_keeps_the_cursor_at_what_was_applied(
    make_terminal: MakeTerminal, centre: CentreDb, host: Host, point: str
) -> None:
    a, b = make_terminal("TERM-A"), make_terminal("TERM-B")
    approvals_on(a, 3)
    settle(a)
    steps, pause = PULL_KILLS[point]
    spec = {"mode": "sync", "dsn": centre.terminal_dsn("TERM-B"), "steps": steps, "pause": pause}
    child = run_and_kill(host, b, spec)

    assert_store_sound(b.store)
    cursor = assert_replica_is_the_centre_as_of_its_cursor(b, centre)
    assert cursor == max([0, *committed_cursors(child)])  # the killed batch left nothing
    paused = child.of("paused")[-1]
    if paused["phase"] == "commit":
        # (batches that wrote no person, e.g. the terminals' number lanes, are not counted)
        applied = [e for e in child.of("committed") if set(APPLY) <= set(e["labels"])]
        assert len(applied) == pause["nth"] - 1
        assert paused["cursor"] > cursor

    fresh_worker(b, centre)
    settle(b)
    assert_converged(b, centre)
    assert_converged(a, centre)


def test_sync_killed_at_random_instants_converges(
    make_terminal: MakeTerminal, centre: CentreDb, host: Host
) -> None:
    a, b = make_terminal("TERM-A"), make_terminal("TERM-B")
    approvals_on(a, 4)
    rng = random.Random(SEED + 1)
    steps = [["push", 3], ["pull", 4]]
    last_cursor = {"TERM-A": 0, "TERM-B": 0}
    for run in range(2):
        for terminal in (a, b):
            name = terminal.terminal_id
            instant = rng.uniform(0.0, 0.5)
            spec = {"mode": "sync", "dsn": centre.terminal_dsn(name), "steps": steps}
            child = run_and_kill(host, terminal, {**spec, "settle": True}, after=instant)
            context = f"{name} run {run}, killed {instant:.3f} s in (seed {SEED + 1})"

            assert_store_sound(terminal.store)
            with terminal.store.transaction() as session:
                cursor = meta.cursor(session)
                states = dict(session.execute(select(OutboxEntry.op_id, OutboxEntry.state)).all())
            reported_cursors = committed_cursors(child)
            assert cursor is not None and cursor >= max([last_cursor[name], *reported_cursors])
            last_cursor[name] = cursor
            for event in child.of("committed"):
                assert event["answers"].items() <= states.items(), context
            with centre.admin() as conn:
                answers = dict(conn.execute("SELECT op_id::text, result FROM applied_ops"))
            for op_id, state in states.items():
                if state == "delivered":
                    assert answers[op_id] == "applied", context
            if terminal is b:
                assert_replica_is_the_centre_as_of_its_cursor(b, centre)
    fresh_worker(a, centre)
    fresh_worker(b, centre)
    settle(a, b)
    assert_applied_exactly_once(a, centre)
    assert_converged(a, centre)
    assert_converged(b, centre)
