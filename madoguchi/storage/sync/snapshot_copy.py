"""The bulk side of a bootstrap: reading chunks ahead, and writing them with SQLite's own JSON.

A chunk is one JSON array of row arrays. ``INSERT … SELECT … FROM json_each(:rows)`` lets
SQLite take it apart in C, with the GIL released, while a reader thread already fetches the
next chunk from the centre: PostgreSQL's work and SQLite's overlap.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import JSON, Connection, Index, Table

from madoguchi.storage.models import LocalBase
from madoguchi.storage.store import LocalStore
from madoguchi.storage.sync.centre import Snapshot

# Replica tables in dependency order, with their key and the entity that guards a row.
BULK_TABLES: tuple[tuple[str, str, str | None], ...] = (
    ("ref_change_reasons", "code", None),
    ("ref_towns", "code", None),
    ("households", "household_no", "household"),
    ("persons", "atena_no", "person"),
    ("change_history", "id", "history"),
    ("individual_items", "id", None),
    ("alias_history", "id", None),
    ("drafts", "draft_id", "draft"),
)
# Indexes whose first column follows the copy order only ever append: they stay.
_IN_KEY_ORDER = frozenset({"atena_no", "household_no", "id", "code", "draft_id"})


def local_table(name: str) -> Table:
    """The replica's table ``name``."""
    return LocalBase.metadata.tables[name]


def insert_sql(
    name: str, key: str, entity: str | None, columns: Sequence[str], refresh: bool
) -> str:
    """The statement that writes one chunk of ``name`` whose arrays hold ``columns``.

    Fresh: plain inserts. Refresh: upserts that leave alone what pending ops touch
    (``temp.sync_held``), and history entries added only when missing. Reference data is
    always merged (the program may have installed it already).
    """
    table = local_table(name)
    position = {column: index for index, column in enumerate(columns)}
    targets = [c.name for c in table.columns if c.name in position]
    if refresh and name == "change_history":
        targets.remove("id")  # local ids differ once history has been pulled

    # Each row's array is taken out of the chunk once (MATERIALIZED) and then indexed: reading
    # every column straight from json_each's value re-renders it per column, twice as slow.
    def value(column: str) -> str:
        if isinstance(table.columns[column].type, JSON):
            return f"nullif(r.v -> {position[column]}, 'null')"
        return f"r.v ->> {position[column]}"

    head = (
        "WITH r AS MATERIALIZED (SELECT j.value AS v FROM json_each(:rows) AS j) "
        f"INSERT INTO {name} ({', '.join(targets)}) "
        f"SELECT {', '.join(value(c) for c in targets)} FROM r"
    )
    if not refresh and not name.startswith("ref_"):
        return head
    if refresh and name == "change_history":
        return head + (
            f" WHERE NOT EXISTS (SELECT 1 FROM change_history h"
            f" WHERE h.atena_no = {value('atena_no')} AND h.process_id = {value('process_id')})"
        )
    updates = ", ".join(f"{c} = excluded.{c}" for c in targets if c != key)
    guard = (
        f" WHERE {name}.{key} NOT IN (SELECT key FROM temp.sync_held WHERE entity = '{entity}')"
        if entity and refresh
        else ""
    )
    return head + f" WHERE true ON CONFLICT ({key}) DO UPDATE SET {updates}{guard}"


def search_indexes() -> list[Index]:
    """The indexes a fresh copy drops and rebuilds (keys in random order)."""
    return [
        index
        for name, _, _ in BULK_TABLES
        for index in local_table(name).indexes
        if not index.unique and next(iter(index.columns)).name not in _IN_KEY_ORDER
    ]


@contextmanager
def bulk_connection(store: LocalStore, fresh: bool) -> Iterator[Connection]:
    """One connection for the whole copy.

    Chunks commit with ``synchronous=NORMAL`` (in WAL mode a crash may lose the last chunks
    but never corrupts; each chunk commits with its resume point, so a lost one is fetched
    again). A fresh copy also skips the FK checks and the search indexes (the centre's rows
    satisfy the constraints; the indexes are rebuilt at the end, much faster).
    """
    with store.engine.connect() as conn:
        dbapi = conn.connection.dbapi_connection
        assert dbapi is not None
        dbapi.execute("PRAGMA synchronous = NORMAL")
        dbapi.execute("PRAGMA cache_size = -131072")  # 128 MiB: the unique indexes stay hot
        if fresh:
            dbapi.execute("PRAGMA foreign_keys = OFF")
            with conn.begin():
                for index in search_indexes():
                    conn.exec_driver_sql(f'DROP INDEX IF EXISTS "{index.name}"')
        try:
            yield conn
        finally:
            dbapi.execute("PRAGMA foreign_keys = ON")
            dbapi.execute("PRAGMA synchronous = FULL")
            dbapi.execute("PRAGMA cache_size = -65536")


def rebuild_indexes(conn: Connection, built: Callable[[str, int, int], None] | None = None) -> None:
    """Create the search indexes again, sorting in memory with SQLite's helper threads.

    ``built(name, done, total)`` is called after each index (a progress display).
    """
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None
    dbapi.execute("PRAGMA temp_store = MEMORY")
    dbapi.execute("PRAGMA threads = 2")
    indexes = search_indexes()
    for done, index in enumerate(indexes, start=1):
        with conn.begin():
            index.create(conn, checkfirst=True)
        if built is not None:
            built(str(index.name), done, len(indexes))


@dataclass(frozen=True)
class Chunk:
    """One fetched chunk of a table."""

    table: str
    last_key: str | None
    count: int
    columns: tuple[str, ...]
    rows: str


_DONE = object()


class ChunkReader:
    """Fetches chunks on a thread of its own, a few ahead of the writer.

    The snapshot's connection is used by this thread only while it runs.
    """

    def __init__(
        self,
        snapshot: Snapshot,
        plan: list[tuple[str, str | None]],
        chunk_rows: int,
        ahead: int = 2,
    ) -> None:
        self._snapshot = snapshot
        self._plan = plan
        self._chunk_rows = chunk_rows
        self._queue: queue.Queue[object] = queue.Queue(maxsize=ahead)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="madoguchi-bootstrap", daemon=True)

    def _put(self, item: object) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def _run(self) -> None:
        try:
            for table, after in self._plan:
                while True:
                    last, count, columns, rows = self._snapshot.chunk(
                        table, after, self._chunk_rows
                    )
                    if not self._put(Chunk(table, last, count, tuple(columns), rows)):
                        return
                    after = last
                    if count < self._chunk_rows:
                        break
            self._put(_DONE)
        except BaseException as error:  # handed to the writer, which raises it
            self._put(error)

    def __iter__(self) -> Iterator[Chunk]:
        self._thread.start()
        try:
            while True:
                item = self._queue.get()
                if item is _DONE:
                    return
                if isinstance(item, BaseException):
                    raise item
                assert isinstance(item, Chunk)
                yield item
        finally:
            self._stop.set()
            self._thread.join()
