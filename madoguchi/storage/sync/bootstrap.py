"""Bootstrapping a replica from the centre, with progress, cancel and resume (R-SYNC-5).

The centre is read in one REPEATABLE READ transaction: ``snapshot_head`` gives the change-log
position the snapshot shows, then each table comes in key order, in chunks, fetched on one
thread and taken apart on another while the previous batch is written (``snapshot_copy``).
Each batch (a few chunks) commits locally together with the resume point (``store_meta``
``sync_bootstrap``). After an interruption the next run continues after the last committed
key in a new snapshot; the rows copied before are older than that snapshot, and the change
log from the first run's position on brings them up to date, so the cursor is set to that
first position. A fresh copy rebuilds the search indexes after the last table, before the
small tables and the cursor: an interruption there leaves the resume point at ``done``, and
the next run drops and rebuilds them all again. The bootstrap only reports finished (and the
cursor is only set) once the indexes exist.

A store that already holds a register (a resync after the centre's log moved past its cursor)
is refreshed in place: rows are upserted, history entries added when missing, and whatever a
pending op touches is left alone; the outbox is never discarded (its ops are pushed after).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, func, select, text, update
from sqlalchemy.orm import Session

from madoguchi.storage.models import OutboxEntry, Person
from madoguchi.storage.store import LocalStore
from madoguchi.storage.sync import meta, replica
from madoguchi.storage.sync.centre import Centre
from madoguchi.storage.sync.pull import pending_touched
from madoguchi.storage.sync.snapshot_copy import (
    BULK_TABLES,
    BatchStager,
    ChunkReader,
    attached,
    bulk_connection,
    insert_sql,
    rebuild_indexes,
)

# Rows fetched from the centre in one call: 5,000 persons are ~3.5 MB of JSON, which libpq,
# psycopg and SQLite each hold a copy of for a while; small chunks keep the peak RSS down
# (at 1,000,000 persons: 10,000-row chunks and 40,000-row batches peaked at ~500 MB, these
# at ~360 MB against the 400 MB budget, for about the same time).
CHUNK_ROWS = 5_000
# Rows committed together (whole chunks) with their resume point: fewer commits write the
# pages of the random-key indexes fewer times; two staged batches are held in memory.
BATCH_ROWS = 20_000


class BootstrapCancelled(Exception):
    """The bootstrap was cancelled between two chunks; running it again resumes."""


@dataclass(frozen=True)
class BootstrapProgress:
    """Where a bootstrap is: the table (or ``index`` while the search indexes are rebuilt,
    counting indexes), rows done of it, and rows done of all."""

    table: str
    table_done: int
    table_total: int
    done: int
    total: int
    seconds: float

    finished: bool = False

    @property
    def fraction(self) -> float:
        """Done, from 0 to 1; 1 only when the replica is ready (indexes and all)."""
        if self.finished or not self.total:
            return 1.0
        return min(self.done / self.total, 0.999)


@dataclass
class BootstrapReport:
    """What a bootstrap copied and where the replica's cursor starts."""

    cursor: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    resumed: bool = False
    refreshed: bool = False
    seconds: float = 0.0


def _hold_pending(conn: Connection, session: Session) -> None:
    """temp.sync_held: what pending ops touch, which a refresh must not overwrite."""
    touched = pending_touched(session)
    conn.exec_driver_sql("CREATE TEMP TABLE IF NOT EXISTS sync_held (entity TEXT, key TEXT)")
    conn.exec_driver_sql("DELETE FROM temp.sync_held")
    rows = [("person", k) for k in touched.persons]
    rows += [("household", k) for k in touched.households]
    rows += [("draft", k) for k in touched.drafts]
    if rows:
        conn.execute(
            text("INSERT INTO temp.sync_held (entity, key) VALUES (:e, :k)"),
            [{"e": e, "k": k} for e, k in rows],
        )


def bootstrap(
    store: LocalStore,
    centre: Centre,
    *,
    progress: Callable[[BootstrapProgress], None] | None = None,
    cancel: threading.Event | None = None,
    chunk_rows: int = CHUNK_ROWS,
    batch_rows: int = BATCH_ROWS,
) -> BootstrapReport:
    """Fill (or refresh) the replica from the centre; resumable, cancellable between chunks.

    Raises CentreUnavailable when the centre goes away (run again to resume) and
    BootstrapCancelled when ``cancel`` is set.
    """
    started = time.perf_counter()
    report = BootstrapReport()
    with store.transaction() as session:
        state: dict[str, Any] | None = meta.get_json(session, meta.BOOTSTRAP)
        has_register = bool(session.scalar(select(func.count()).select_from(Person)))
    report.resumed = state is not None
    with centre.snapshot() as snapshot:
        if state is None:
            state = {
                "head": snapshot.head.head,
                "refresh": has_register,
                "table": BULK_TABLES[0][0],
                "after": None,
                "done": {},
            }
        report.refreshed = bool(state["refresh"])
        counts = snapshot.head.counts
        total = sum(counts.values())
        done_before = sum(int(v) for v in state["done"].values())
        done_all = done_before
        refresh = bool(state["refresh"])
        names = [name for name, _, _ in BULK_TABLES]
        start = names.index(state["table"]) if state["table"] in names else len(names)
        plan = [
            (name, state["after"] if name == state["table"] else None) for name in names[start:]
        ]
        keys = {name: (key, entity) for name, key, entity in BULK_TABLES}
        statements: dict[tuple[str, tuple[str, ...]], Any] = {}
        reader = ChunkReader(snapshot, plan, chunk_rows, ahead=1)
        with bulk_connection(store, fresh=not refresh) as conn:
            for batch in BatchStager(reader, chunk_rows, batch_rows):
                if cancel is not None and cancel.is_set():
                    raise BootstrapCancelled("取り込みを中断しました。再開できます。")
                name = batch.table
                statement = statements.get((name, batch.columns))
                if statement is None:
                    key, entity = keys[name]
                    statement = text(insert_sql(name, key, entity, batch.columns, refresh))
                    statements[(name, batch.columns)] = statement
                table_done = int(state["done"].get(name, 0)) + batch.count
                with attached(conn, batch), conn.begin():
                    if refresh:
                        with Session(bind=conn) as session:
                            _hold_pending(conn, session)
                    if batch.count:
                        conn.execute(statement)
                    state["done"][name] = table_done
                    state.update(
                        table=_next_table(names, name) if batch.finished else name,
                        after=None if batch.finished else batch.last_key,
                    )
                    _save_state(conn, state)
                done_all += batch.count
                report.rows[name] = table_done
                if progress is not None and batch.count:
                    elapsed = time.perf_counter() - started
                    total_of_table = counts.get(name, table_done)
                    progress(
                        BootstrapProgress(
                            name, table_done, total_of_table, done_all, total, elapsed
                        )
                    )
            if not refresh:

                def built(index: str, number: int, indexes: int) -> None:
                    if progress is not None:
                        elapsed = time.perf_counter() - started
                        progress(
                            BootstrapProgress("index", number, indexes, done_all, total, elapsed)
                        )

                rebuild_indexes(conn, built)
        with store.transaction() as session:
            session.connection().exec_driver_sql("PRAGMA defer_foreign_keys = ON")
            held = pending_touched(session)
            for position, (name, entity, key) in enumerate(replica.SMALL_TABLES, start=1):
                _, count, columns, rows = snapshot.chunk(name, None, 100_000)
                for values in json.loads(rows):
                    image = dict(zip(columns, values, strict=True))
                    if not held.covers(entity, str(image[key])):
                        replica.upsert(session, entity, image)
                report.rows[name] = count
                done_all += count
                if progress is not None:
                    elapsed = time.perf_counter() - started
                    last = position == len(replica.SMALL_TABLES)
                    progress(BootstrapProgress(name, count, count, done_all, total, elapsed, last))
            # The first run's position: rows copied by a resumed run are newer, and the log
            # from here on brings the older ones up to date.
            report.cursor = int(state["head"])
            meta.set_cursor(session, report.cursor)
            meta.remove(session, meta.BOOTSTRAP)
    report.seconds = time.perf_counter() - started
    return report


def _next_table(names: list[str], name: str) -> str:
    position = names.index(name) + 1
    return names[position] if position < len(names) else "done"


def _save_state(conn: Connection, state: dict[str, Any]) -> None:
    value = json.dumps(state, sort_keys=True)
    updated = conn.execute(
        text("UPDATE store_meta SET value = :v WHERE key = :k"), {"k": meta.BOOTSTRAP, "v": value}
    ).rowcount
    if not updated:
        conn.execute(
            text("INSERT INTO store_meta (key, value) VALUES (:k, :v)"),
            {"k": meta.BOOTSTRAP, "v": value},
        )


def enrol_loaded_copy(store: LocalStore, cursor: int = 0) -> int:
    """Make a copy of the store the centre was loaded from into a replica at ``cursor``.

    The ops already in its outbox went into the centre with the load, so they are marked
    ``loaded`` and never pushed. Returns how many were marked. (Tests, the demo, migration
    of an existing terminal; a new terminal bootstraps instead.)
    """
    with store.transaction() as session:
        result = session.execute(
            update(OutboxEntry).where(OutboxEntry.state == "pending").values(state="loaded")
        )
        marked = getattr(result, "rowcount", 0)
        meta.set_cursor(session, cursor)
        meta.remove(session, meta.BOOTSTRAP)
    return int(marked or 0)
