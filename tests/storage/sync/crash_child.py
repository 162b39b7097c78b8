"""The terminal program that ``test_sync_crash.py`` SIGKILLs at a chosen instant.

``python -m tests.storage.sync.crash_child`` (from the repository root) is a small fork
server: it imports the program once, says ``{"host": "ready"}`` on stdout, then for each JSON
line on stdin forks a child process that does one run, answers ``{"pid": n}`` and, when that
child has ended (finished, failed or was killed), ``{"pid": n, "exit": code}`` (``-9`` for
SIGKILL). Forking keeps the tests fast: a fresh interpreter needs about two seconds to
import the application, a fork a few milliseconds; the child is an ordinary process that
opens the store itself and dies like any other.

A run's order::

    {"store": path, "key": hex, "terminal": "TERM-A", "events": path, "stderr": path,
     "mode": "intake" | "sync",
     "pause": null | {"phase": "commit", "labels": [L, …], "nth": n}
                   | {"phase": "sql", "prefix": "INSERT INTO drafts", "nth": n},
     ...the mode's parameters}

The tests' keyring is in memory (``tests/conftest.py``), so the parent hands over the store's
key and the child puts it into its own in-memory keyring under the store's name; the store is
then opened as the program opens it (``LocalStore.open``: key from the keyring, migrations).

The child appends one JSON object per line to the ``events`` file, each with one ``write``
system call before it goes on (so a line written is reported, whenever the parent reads it):

- ``ready``: the store is open, work begins.
- ``committed``: a transaction's COMMIT returned (``labels`` say what it held — ``op:<type>``
  for a new op, ``draft``, ``audit``, ``history``, ``cursor``, ``answer`` (an op's state),
  ``prepare`` (an op's payload), ``write:<table>`` for every table an SQL statement wrote —
  ``cursor`` the sync cursor it set, ``answers`` the ops whose answer it recorded).
- ``saved`` / ``approved``: a service call returned, so the user saw "saved".
- ``pushed`` / ``pulled``: a push or pull returned.
- ``paused``: the child is inside an open transaction (``commit``: the n-th transaction
  with all those labels, everything flushed, just before COMMIT; ``sql``: right after the n-th
  statement that starts with the prefix) and sleeps: kill it now.
- ``done``: all work finished.

Modes: ``intake`` saves a 転居 draft for each household offset and approves it (the real
MoveWithinService and ReviewService); ``sync`` runs steps against the centre: ``["cycle"]``
(SyncWorker.run_once), ``["push", batch_size]`` (push_pending), ``["pull", limit]``
(pull_changes), repeated ``rounds`` times or, with ``settle``, until a round moves nothing.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import keyring
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from madoguchi.app.context import Actor, FixedClock, ServiceContext
from madoguchi.app.domain.permissions import Role
from madoguchi.storage.models import AuditEntry, ChangeHistory, Draft, OutboxEntry, StoreMeta
from madoguchi.storage.store import KEYRING_SERVICE, LocalStore, keyring_username
from madoguchi.storage.sync import meta
from tests.helpers.keyring_memory import MemoryKeyring
from tests.helpers.stores import FIXED_NOW

WRITE = re.compile(r'^\s*(?:INSERT(?:\s+OR\s+\w+)?\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)')
EVENTS: list[int] = []  # the events file's descriptor, in a child


def emit(event_name: str, **fields: Any) -> None:
    """One line to the parent in one write: once written it counts as reported."""
    line = json.dumps({"event": event_name, **fields}, ensure_ascii=False) + "\n"
    os.write(EVENTS[0], line.encode())


def pause(**fields: Any) -> None:
    """Tell the parent we are inside the transaction, then wait for SIGKILL."""
    emit("paused", **fields)
    time.sleep(600)
    raise SystemExit("paused child was not killed")


def _labels(session: Session) -> set[str]:
    """What the objects about to be flushed are (new and changed)."""
    labels: set[str] = set()
    for obj in session.new:
        if isinstance(obj, OutboxEntry):
            labels.add(f"op:{obj.op_type}")
        elif isinstance(obj, Draft):
            labels.add("draft")
        elif isinstance(obj, AuditEntry):
            labels.add("audit")
        elif isinstance(obj, ChangeHistory):
            labels.add("history")
        elif isinstance(obj, StoreMeta) and obj.key == meta.CURSOR:
            labels.add("cursor")
    for obj in session.dirty:
        if isinstance(obj, OutboxEntry):
            attrs = inspect(obj).attrs
            if attrs.state.history.has_changes():
                labels.add("answer")
                session.info.setdefault("answers", {})[obj.op_id] = obj.state
            if attrs.payload.history.has_changes():
                labels.add("prepare")
        elif isinstance(obj, Draft):
            labels.add("draft")
        elif isinstance(obj, StoreMeta) and obj.key == meta.CURSOR:
            labels.add("cursor")
            session.info["cursor"] = int(obj.value)
    for obj in session.new:
        if isinstance(obj, StoreMeta) and obj.key == meta.CURSOR:
            session.info["cursor"] = int(obj.value)
    return labels


def install_hooks(store: LocalStore, spec: dict[str, Any] | None) -> None:
    """Label each transaction, report each commit, and pause where ``spec`` says."""
    counts = {"commit": 0, "sql": 0}

    def reset(session: Session, *_: Any) -> None:
        session.info.pop("labels", None)
        session.info.pop("answers", None)
        session.info.pop("cursor", None)

    def begun(session: Session, _transaction: Any, connection: Any) -> None:
        reset(session)
        connection.info.pop("writes", None)

    def after_flush(session: Session, _context: Any) -> None:
        session.info.setdefault("labels", set()).update(_labels(session))

    def before_commit(session: Session) -> None:
        if session.in_nested_transaction():
            return
        session.flush()  # everything the transaction holds is written, COMMIT not yet
        labels = session.info.setdefault("labels", set())
        labels.update(f"write:{t}" for t in session.connection().info.get("writes", ()))
        if spec and spec["phase"] == "commit" and set(spec["labels"]) <= labels:
            counts["commit"] += 1
            if counts["commit"] == spec["nth"]:
                pause(phase="commit", labels=sorted(labels), cursor=session.info.get("cursor"))

    def after_commit(session: Session) -> None:
        if session.in_nested_transaction():
            return
        emit(
            "committed",
            labels=sorted(session.info.get("labels", set())),
            cursor=session.info.get("cursor"),
            answers=session.info.get("answers", {}),
        )
        reset(session)

    for name, hook in (
        ("after_begin", begun),
        ("after_rollback", reset),
        ("after_flush", after_flush),
        ("before_commit", before_commit),
        ("after_commit", after_commit),
    ):
        event.listen(store.sessions, name, hook)

    @event.listens_for(store.engine, "after_cursor_execute")
    def after_write(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        written = WRITE.match(statement)
        if written:
            conn.info.setdefault("writes", set()).add(written.group(1))
        if spec and spec["phase"] == "sql" and statement.lstrip().startswith(spec["prefix"]):
            counts["sql"] += 1
            if counts["sql"] == spec["nth"]:
                pause(phase="sql", statement=statement[:60])


@dataclass
class Counter:
    """Who works at this terminal (duck-typed like the sync tests' ``Terminal``)."""

    terminal_id: str
    store: LocalStore
    clock: FixedClock

    def ctx(self, *roles: Role, staff_no: str) -> ServiceContext:
        actor = Actor(staff_no, f"試験 {staff_no}", "本庁舎 市民課", frozenset(roles))
        return ServiceContext(actor=actor, terminal_id=self.terminal_id, clock=self.clock)


def run_intake(counter: Counter, spec: dict[str, Any]) -> None:
    """A clerk saves a 転居 for each household, a supervisor approves it."""
    from madoguchi.app.services.review.service import ReviewService
    from tests.storage.sync.scenarios import SUPERVISOR, family, move_within

    for number, offset in enumerate(spec["offsets"]):
        home = family(counter.store, 2, offset=offset)
        draft_id = move_within(counter, home, f"{spec['tag']}-{number}", approve_as=None)
        emit("saved", draft_id=draft_id)
        change = ReviewService(counter.store).approve(
            counter.ctx(Role.SUPERVISOR, staff_no=SUPERVISOR), draft_id
        )
        emit("approved", draft_id=draft_id, process_id=change.process_id)


def run_sync(counter: Counter, spec: dict[str, Any]) -> None:
    """Push and pull as the worker does, step by step."""
    from madoguchi.storage.sync import PostgresCentre, SyncWorker, pull_changes, push_pending

    centre = PostgresCentre(spec["dsn"], connect_timeout=5)
    worker = SyncWorker(counter.store, centre, clock=counter.clock.now, listen=False)
    for _ in range(spec.get("rounds", 1) if not spec.get("settle") else 50):
        moved = 0
        for step in spec["steps"]:
            if step[0] == "cycle":
                report = worker.run_once()
                if not report.ok:
                    raise SystemExit(f"sync cycle failed: {report.error}")
                assert report.push is not None and report.pull is not None
                moved += report.push.batches + report.pull.applied
                emit("cycled", cursor=report.pull.cursor, delivered=report.push.delivered)
            elif step[0] == "push":
                pushed = push_pending(counter.store, centre, counter.clock.now, batch_size=step[1])
                moved += pushed.batches
                emit("pushed", delivered=pushed.delivered, batches=pushed.batches)
            else:
                pulled = pull_changes(counter.store, centre, limit=step[1])
                moved += pulled.applied
                emit("pulled", cursor=pulled.cursor, applied=pulled.applied)
        if spec.get("settle") and not moved:
            break
    centre.close()


def run(spec: dict[str, Any]) -> None:
    """One run, in a forked child."""
    EVENTS.append(os.open(spec["events"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600))
    path = Path(spec["store"])
    keyring.set_password(KEYRING_SERVICE, keyring_username(path), spec["key"])
    store = LocalStore.open(path)
    install_hooks(store, spec.get("pause"))
    counter = Counter(spec["terminal"], store, FixedClock(FIXED_NOW))
    emit("ready")
    if spec["mode"] == "intake":
        run_intake(counter, spec)
    elif spec["mode"] == "sync":
        run_sync(counter, spec)
    else:
        raise SystemExit(f"unknown mode {spec['mode']!r}")
    store.close()
    emit("done")


def _child(spec: dict[str, Any]) -> int:
    errors = os.open(spec["stderr"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    os.dup2(errors, 2)
    try:
        run(spec)
    except BaseException:
        traceback.print_exc()
        return 1
    finally:
        sys.stderr.flush()
    return 0


def main() -> None:
    """The fork server: import once, fork a child per order, report its end."""
    keyring.set_keyring(MemoryKeyring())
    import madoguchi.app.services.review.service
    import madoguchi.storage.migrations
    import madoguchi.storage.sync  # noqa: F401
    import tests.storage.sync.scenarios  # noqa: F401

    print(json.dumps({"host": "ready"}), flush=True)
    for line in sys.stdin:
        spec = json.loads(line)
        pid = os.fork()
        if pid == 0:
            os._exit(_child(spec))
        print(json.dumps({"pid": pid}), flush=True)
        _, status = os.waitpid(pid, 0)
        print(json.dumps({"pid": pid, "exit": os.waitstatus_to_exitcode(status)}), flush=True)


if __name__ == "__main__":
    main()
