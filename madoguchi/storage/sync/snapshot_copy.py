"""The bulk side of a bootstrap: three stages on three threads, so that PostgreSQL's work,
taking the JSON apart and writing the encrypted store overlap.

1. ``ChunkReader`` fetches the chunks (one JSON array of row arrays each) from the centre, a
   few ahead.
2. ``BatchStager`` takes them apart with SQLite's own JSON (``INSERT … SELECT … FROM
   json_each(?)``, in C, with the GIL released) into a plain in-memory database of its own
   (SQLite's ``memdb`` VFS, never on disk), several chunks to a batch.
3. The caller's writer attaches a batch's database, copies it into the store with one
   ``INSERT … SELECT`` (``insert_sql``), commits it with its resume point and detaches it.

Taking the JSON apart costs about as much as writing the encrypted rows; on its own thread
it runs on the second core. A batch of several chunks commits once: the pages of the indexes
on random keys (個人番号, 住民票コード) are written once per batch rather than once per chunk.
"""

from __future__ import annotations

import itertools
import queue
import threading
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import sqlcipher3
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


def staged_columns(name: str, columns: Sequence[str]) -> list[str]:
    """The columns of ``name`` a chunk with ``columns`` fills, in the table's order."""
    present = set(columns)
    return [c.name for c in local_table(name).columns if c.name in present]


def unpack_sql(name: str, columns: Sequence[str]) -> str:
    """The statement that takes one chunk (``?``, arrays of ``columns``) apart into the
    staging table ``rows``, whose columns are ``staged_columns(name, columns)``."""
    table = local_table(name)
    position = {column: index for index, column in enumerate(columns)}

    # Each row's array is taken out of the chunk once (MATERIALIZED) and then indexed: reading
    # every column straight from json_each's value re-renders it per column, twice as slow.
    def value(column: str) -> str:
        if isinstance(table.columns[column].type, JSON):
            return f"nullif(r.v -> {position[column]}, 'null')"
        return f"r.v ->> {position[column]}"

    targets = staged_columns(name, columns)
    return (
        "WITH r AS MATERIALIZED (SELECT j.value AS v FROM json_each(?) AS j) "
        f"INSERT INTO rows ({', '.join(targets)}) "
        f"SELECT {', '.join(value(c) for c in targets)} FROM r"
    )


def insert_sql(
    name: str, key: str, entity: str | None, columns: Sequence[str], refresh: bool
) -> str:
    """The statement that writes one staged batch (``stage.rows``, ``columns``) into ``name``.

    Fresh: plain inserts. Refresh: upserts that leave alone what pending ops touch
    (``temp.sync_held``), and history entries added only when missing. Reference data is
    always merged (the program may have installed it already).
    """
    targets = list(columns)
    if refresh and name == "change_history":
        targets.remove("id")  # local ids differ once history has been pulled
    head = (
        f"INSERT INTO {name} ({', '.join(targets)}) "
        f"SELECT {', '.join(f's.{c}' for c in targets)} FROM stage.rows AS s"
    )
    if not refresh and not name.startswith("ref_"):
        return head
    if refresh and name == "change_history":
        return head + (
            " WHERE NOT EXISTS (SELECT 1 FROM change_history h"
            " WHERE h.atena_no = s.atena_no AND h.process_id = s.process_id)"
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

    Batches commit with ``synchronous=NORMAL`` (in WAL mode a crash may lose the last batches
    but never corrupts; each batch commits with its resume point, so a lost one is fetched
    again). A fresh copy also skips the FK checks and the search indexes (the centre's rows
    satisfy the constraints; the indexes are rebuilt at the end, much faster). The page cache
    stays at the store's 64 MiB: 128 MiB measured no faster and cost 60 MB of RSS.
    """
    with store.engine.connect() as conn:
        dbapi = conn.connection.dbapi_connection
        assert dbapi is not None
        dbapi.execute("PRAGMA synchronous = NORMAL")
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
            dbapi.execute("PRAGMA temp_store = DEFAULT")  # as rebuild_indexes found them
            dbapi.execute("PRAGMA threads = 0")


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


class _Handoff:
    """A producer on a thread of its own handing items to the consumer through a bounded
    queue; an error in the producer travels the same way and is raised in the consumer."""

    def __init__(self, name: str, ahead: int) -> None:
        self._queue: queue.Queue[object] = queue.Queue(maxsize=ahead)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def _run(self) -> None:
        raise NotImplementedError

    def _put(self, item: object) -> bool:
        """Hand ``item`` over; False once the consumer has stopped."""
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def _items(self) -> Generator[object, None, None]:
        """Start the producer and yield what it hands over; closing stops and joins it."""
        self._thread.start()
        try:
            while True:
                item = self._queue.get()
                if item is _DONE:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            self._stop.set()
            self._thread.join()


class ChunkReader(_Handoff):
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
        super().__init__("madoguchi-bootstrap", ahead)
        self._snapshot = snapshot
        self._plan = plan
        self._chunk_rows = chunk_rows

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

    def __iter__(self) -> Generator[Chunk, None, None]:
        items = self._items()
        try:
            for item in items:
                assert isinstance(item, Chunk)
                yield item
        finally:
            items.close()


_stages = itertools.count(1)


@dataclass
class Batch:
    """Consecutive chunks of one table, taken apart into an in-memory database of their own
    (table ``rows``) that the writer attaches as ``stage``; ``close()`` frees it."""

    table: str
    columns: tuple[str, ...]
    uri: str
    count: int = 0
    last_key: str | None = None
    finished: bool = False  # the table's last batch
    _db: Any = field(default=None, repr=False)
    _slot: threading.Semaphore | None = field(default=None, repr=False)

    def close(self) -> None:
        """Free the batch's memory (the database lives as long as a connection holds it)."""
        if self._db is not None:
            self._db.close()
            self._db = None
        if self._slot is not None:
            self._slot.release()
            self._slot = None


class BatchStager(_Handoff):
    """Takes the chunks of a ``ChunkReader`` apart on a thread of its own, ``batch_rows``
    rows (whole chunks) to a batch, at most ``ahead`` batches ahead of the writer: at most
    ``ahead + 1`` batches exist at a time (the one written and those staged), which bounds
    the memory.

    A batch ends early with its table (a chunk shorter than ``chunk_rows``); that last batch
    may hold no rows. The databases are plain (never written to disk, freed on ``close``);
    the writer attaches them with ``KEY ''`` so SQLCipher does not try to decrypt them.
    """

    def __init__(
        self, reader: ChunkReader, chunk_rows: int, batch_rows: int, ahead: int = 1
    ) -> None:
        super().__init__("madoguchi-stage", ahead)
        self._reader = reader
        self._chunk_rows = chunk_rows
        self._batch_rows = max(batch_rows, 1)
        self._slots = threading.Semaphore(ahead + 1)

    def _new_batch(self, chunk: Chunk) -> Batch | None:
        """A new empty batch once a slot is free (None when stopped meanwhile)."""
        while not self._slots.acquire(timeout=0.2):
            if self._stop.is_set():
                return None
        uri = f"file:/madoguchi-stage-{id(self):x}-{next(_stages)}?vfs=memdb"
        batch = Batch(chunk.table, tuple(staged_columns(chunk.table, chunk.columns)), uri)
        batch._slot = self._slots
        batch._db = sqlcipher3.dbapi2.connect(uri, uri=True, check_same_thread=False)
        batch._db.isolation_level = None
        batch._db.execute(f"CREATE TABLE rows ({', '.join(batch.columns)})")
        return batch

    def _run(self) -> None:
        batch: Batch | None = None
        chunks = self._reader.__iter__()
        statements: dict[tuple[str, tuple[str, ...]], str] = {}
        try:
            for chunk in chunks:
                if self._stop.is_set():
                    return
                if batch is None:
                    batch = self._new_batch(chunk)
                    if batch is None:
                        return
                if chunk.count:
                    sql = statements.get((chunk.table, chunk.columns))
                    if sql is None:
                        sql = unpack_sql(chunk.table, chunk.columns)
                        statements[(chunk.table, chunk.columns)] = sql
                    batch._db.execute(sql, (chunk.rows,))
                batch.count += chunk.count
                batch.last_key = chunk.last_key if chunk.count else batch.last_key
                batch.finished = chunk.count < self._chunk_rows
                if batch.finished or batch.count >= self._batch_rows:
                    ready, batch = batch, None
                    if not self._put(ready):
                        ready.close()
                        return
            self._put(_DONE)
        except BaseException as error:  # handed to the writer, which raises it
            self._put(error)
        finally:
            if batch is not None:
                batch.close()
            chunks.close()

    def __iter__(self) -> Iterator[Batch]:
        items = self._items()
        try:
            for item in items:
                assert isinstance(item, Batch)
                try:
                    yield item
                finally:
                    item.close()
        finally:
            items.close()  # stops and joins the thread
            while True:  # batches staged but never written
                try:
                    left = self._queue.get_nowait()
                except queue.Empty:
                    break
                if isinstance(left, Batch):
                    left.close()


@contextmanager
def attached(conn: Connection, batch: Batch) -> Iterator[None]:
    """``batch``'s database attached to ``conn`` as ``stage`` (outside any transaction)."""
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None
    dbapi.execute(f"ATTACH DATABASE '{batch.uri}' AS stage KEY ''")
    try:
        yield
    finally:
        dbapi.execute("DETACH DATABASE stage")
