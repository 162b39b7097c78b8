"""Build the demo city into a local store, in parallel when it is large.

The city is generated segment by segment (``DemoCity.segments``). Each segment is written
with SQLAlchemy Core bulk inserts into an encrypted scratch database — by worker processes
when there are several segments and several CPUs — and then copied into the store with
``INSERT … SELECT`` in segment order, so the store is the same whatever the parallelism.
Memory stays bounded: a worker holds one chunk of rows, the store process none.

The rare 個人番号 or 住民票コード that a later segment drew again is replaced, before the
copy, by one drawn from a generator seeded with the city seed and the 宛名番号.
"""

from __future__ import annotations

import json
import os
import random
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Table, column, func, insert, select, table, text
from sqlalchemy.orm import Session

from madoguchi.app.demo_city.credentials import install_demo_credentials
from madoguchi.app.demo_city.generate import (
    DEFAULT_SEED,
    DEFAULT_TODAY,
    SEGMENT_PERSONS,
    DemoCity,
    Segment,
)
from madoguchi.app.demo_city.inbound import install_inbound
from madoguchi.app.demo_city.protection import install_protection
from madoguchi.app.demo_city.segments import (
    NUMBERS_TABLE,
    REGISTER_TABLES,
    SegmentCounts,
    write_segment,
)
from madoguchi.app.domain.individual_number import IndividualNumber
from madoguchi.app.domain.resident_code import ResidentCode
from madoguchi.app.reference_data import install_reference_data
from madoguchi.storage.migrations import upgrade_to_head
from madoguchi.storage.models import Person, RefTown, StaffMember, StoreMeta, Terminal
from madoguchi.storage.store import LocalStore

Progress = Callable[[int, int], None]
MAX_WORKERS = 4


class DemoStoreNotEmpty(ValueError):
    """The store already holds register data; the demo city is only built into an empty one."""


@dataclass
class DemoSummary:
    """What was written: row counts per table and how long it took."""

    persons: int = 0
    current: int = 0
    removed: int = 0
    foreign: int = 0
    households: int = 0
    removed_households: int = 0
    change_history: int = 0
    individual_items: int = 0
    alias_history: int = 0
    towns: int = 0
    staff: int = 0
    seconds: float = 0.0

    def add(self, counts: SegmentCounts) -> None:
        """Add one segment's counts."""
        for item in fields(counts):
            setattr(self, item.name, getattr(self, item.name) + getattr(counts, item.name))
        self.current = self.persons - self.removed

    def lines(self) -> list[str]:
        """The summary as short Japanese lines for a console."""
        return [
            f"住民: {self.persons:,}人（住民 {self.current:,}・除票 {self.removed:,}・"
            f"うち外国人住民 {self.foreign:,}）",
            f"世帯: {self.households:,}（うち全員除票 {self.removed_households:,}）",
            f"異動履歴: {self.change_history:,}件、個別事項: {self.individual_items:,}件、"
            f"通称履歴: {self.alias_history:,}件",
            f"町字: {self.towns}件、職員: {self.staff}人、所要時間: {self.seconds:.1f}秒",
        ]


def build_demo_store(
    store: LocalStore,
    *,
    persons: int = 5000,
    seed: int = DEFAULT_SEED,
    today: date = DEFAULT_TODAY,
    progress: Progress | None = None,
    workers: int | None = None,
    segment_persons: int = SEGMENT_PERSONS,
) -> DemoSummary:
    """Fill an empty local store with the demo city of ``persons`` person rows.

    Installs the reference data (異動事由, identity documents), the address master, demo
    staff, terminals and store facts, then the register, the incoming families and the demo
    支援措置, 発行抑止 and certificate settings. ``progress(done, total)`` reports
    persons written. ``workers`` caps the worker processes (default: the CPU count, at most
    4; 1 builds inline); the result does not depend on it. ``segment_persons`` sets how the
    city is cut (it is part of what the seed reproduces; tests lower it). Raises
    DemoStoreNotEmpty if the store already holds persons.
    """
    started = time.perf_counter()
    city = DemoCity(persons, seed, today, segment_persons)
    upgrade_to_head(store.engine)
    summary = DemoSummary()
    with store.transaction() as session:
        if session.scalar(select(func.count()).select_from(Person)):
            raise DemoStoreNotEmpty(
                f"{store.path.name} にはすでに住民データがあります。"
                "デモデータは空のデータベースにだけ作成できます。"
            )
        summary.towns, summary.staff = _install_reference_rows(session, city)
        install_demo_credentials(session, today)
    segments = city.segments()
    key = secrets.token_hex(32)
    bulk = len(segments) > 1
    with (
        tempfile.TemporaryDirectory(prefix="demo-city-", dir=store.path.parent) as scratch,
        store.engine.connect() as conn,
        # A page cache big enough for the unique indexes the copies keep updating.
        _pragmas(conn, cache_size=str(-128 * 1024)),
    ):
        if bulk:
            _drop_indexes(conn)
        issued = IssuedNumbers()
        try:
            for counts, path in _written_segments(
                city, segments, Path(scratch), key, workers, summary, progress
            ):
                _copy_segment(conn, path, key, city.seed, issued)
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{path}{suffix}").unlink(missing_ok=True)
                summary.add(counts)
                if progress is not None:
                    progress(summary.persons, persons)
        finally:
            if bulk:
                _create_indexes(conn)
    with store.transaction() as session:
        install_inbound(session, today)
        install_protection(session, today)
    summary.seconds = time.perf_counter() - started
    return summary


def _install_reference_rows(session: Session, city: DemoCity) -> tuple[int, int]:
    """Reference data, address master, staff, terminals and facts; rows already there stay.

    Keeping existing rows lets a build that failed before any person was written run again.
    """
    install_reference_data(session)
    towns, staff = city.town_rows(), city.staff_rows()
    for model, rows in (
        (RefTown, towns),
        (StaffMember, staff),
        (Terminal, city.terminal_rows()),
        (StoreMeta, city.meta_rows()),
    ):
        target = model.__table__
        assert isinstance(target, Table)
        (key,) = target.primary_key.columns
        present = set(session.scalars(select(key)))
        missing = [row for row in rows if row[key.name] not in present]
        if missing:
            session.execute(insert(target), missing)
    return len(towns), len(staff)


def _written_segments(
    city: DemoCity,
    segments: list[Segment],
    scratch: Path,
    key: str,
    workers: int | None,
    summary: DemoSummary,
    progress: Progress | None,
) -> Iterator[tuple[SegmentCounts, Path]]:
    """Yield each written segment in order: inline, or from a pool of worker processes."""
    paths = [scratch / f"segment-{s.index:05d}.db" for s in segments]
    count = min(workers or os.cpu_count() or 1, MAX_WORKERS, len(segments))
    if count <= 1:
        for segment, path in zip(segments, paths, strict=True):

            def on_chunk(done: int) -> None:
                if progress is not None:
                    progress(summary.persons + done, city.persons)

            yield write_segment(city, segment, path, key, on_chunk), path
        return
    # Workers are fresh interpreters (never a fork of a process that may run Qt threads or
    # hold open connections), fed by threads that only wait for them.
    with ThreadPoolExecutor(max_workers=count) as pool:
        pending: list[Future[SegmentCounts]] = []
        try:
            for index, path in enumerate(paths):
                # Keep a bounded number of scratch files ahead of the copy.
                while len(pending) < min(index + count + 1, len(segments)):
                    queued = len(pending)
                    pending.append(
                        pool.submit(_run_worker, city, segments[queued], paths[queued], key)
                    )
                yield pending[index].result(), path
        finally:
            for future in pending:  # after a failure, start no more workers
                future.cancel()


def _run_worker(city: DemoCity, segment: Segment, path: Path, key: str) -> SegmentCounts:
    """Write ``segment`` in a worker process; raise RuntimeError with its stderr on failure."""
    package_root = str(Path(__file__).resolve().parents[3])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, (package_root, env.get("PYTHONPATH"))))
    command = [
        sys.executable,
        "-m",
        "madoguchi.app.demo_city.worker",
        f"--persons={city.persons}",
        f"--seed={city.seed}",
        f"--today={city.today.isoformat()}",
        f"--segment-persons={city.segment_persons}",
        f"--index={segment.index}",
        f"--out={path}",
    ]
    done = subprocess.run(
        command, input=key + "\n", capture_output=True, text=True, env=env, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"デモデータの作成に失敗しました（区分 {segment.index}）。\n{done.stderr[-2000:]}"
        )
    return SegmentCounts(**json.loads(done.stdout.strip().splitlines()[-1]))


def _copy_segment(conn: Connection, path: Path, key: str, seed: int, issued: IssuedNumbers) -> None:
    """Copy a scratch segment into the store in one transaction, after resolving clashes."""
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None
    # ATTACH and DETACH cannot run inside a transaction: they go to the driver directly.
    dbapi.execute("ATTACH DATABASE ? AS segment KEY ?", (str(path), f"x'{key}'"))
    try:
        with conn.begin():
            issued.resolve_clashes(conn, seed)
            for target in REGISTER_TABLES:
                names = [c.name for c in target.columns if c.name != "id"]
                source = table(target.name, *(column(n) for n in names), schema="segment")
                rows = select(*(source.c[n] for n in names)).order_by(text("rowid"))
                conn.execute(insert(target).from_select(names, rows))
    finally:
        dbapi.execute("DETACH DATABASE segment")


_NUMBER_KINDS: tuple[tuple[str, Callable[[random.Random], str]], ...] = (
    ("individual_number", lambda rng: IndividualNumber.generate(rng).value),
    ("resident_code", lambda rng: ResidentCode.generate(rng).value),
)


class IssuedNumbers:
    """The 個人番号 and 住民票コード already copied into the store, to find clashes cheaply.

    A bitmap per kind (16 MiB each, whatever the size of the city) answers "certainly new"
    for almost every number; the rare maybe is settled by the store's unique index.
    """

    BITS = 1 << 27

    def __init__(self) -> None:
        self._bitmaps = {name: bytearray(self.BITS // 8) for name, _ in _NUMBER_KINDS}

    def _add(self, name: str, value: str) -> None:
        bit = int(value) & (self.BITS - 1)
        self._bitmaps[name][bit >> 3] |= 1 << (bit & 7)

    def resolve_clashes(self, conn: Connection, seed: int) -> None:
        """Redraw the attached segment's numbers that the store already holds, then note them.

        A replacement comes from a generator seeded with the city seed, the kind and the
        宛名番号, so the result does not depend on the bitmap or on timing.
        """
        dbapi = conn.connection.dbapi_connection
        assert dbapi is not None
        names = [name for name, _ in _NUMBER_KINDS]
        # One pass over the segment: reading it costs more than everything else here.
        rows = dbapi.execute(
            f"SELECT person_rowid, atena_no, {', '.join(names)} FROM segment.{NUMBERS_TABLE}"
        ).fetchall()
        mask = self.BITS - 1
        for position, (name, draw) in enumerate(_NUMBER_KINDS, start=2):
            bitmap, maybe = self._bitmaps[name], []
            for row in rows:
                value = row[position]
                if value is None:
                    continue
                bit = int(value) & mask
                if bitmap[bit >> 3] & (1 << (bit & 7)):
                    maybe.append((row[1], row[0], value))
                else:
                    bitmap[bit >> 3] |= 1 << (bit & 7)
            for atena_no, rowid, value in sorted(maybe):
                if not _taken(conn, name, value, in_segment=False):
                    continue
                rng = random.Random(f"{seed}/{name}/{atena_no}")
                value = draw(rng)
                while _taken(conn, name, value, in_segment=True):
                    value = draw(rng)
                for statement in (
                    f"UPDATE segment.persons SET {name} = :v WHERE rowid = :r",
                    f"UPDATE segment.{NUMBERS_TABLE} SET {name} = :v WHERE person_rowid = :r",
                ):
                    conn.execute(text(statement), {"v": value, "r": rowid})
                self._add(name, value)


def _taken(conn: Connection, name: str, value: str, *, in_segment: bool) -> bool:
    sql = f"SELECT EXISTS (SELECT 1 FROM main.persons WHERE {name} = :v)"
    if in_segment:
        sql += f" OR EXISTS (SELECT 1 FROM segment.{NUMBERS_TABLE} WHERE {name} = :v)"
    return bool(conn.execute(text(sql), {"v": value}).scalar())


_IN_INSERTION_ORDER = frozenset({"atena_no", "household_no"})
"""Columns that grow with every copied segment: their indexes only ever append."""


def _register_indexes() -> list[Any]:
    """The search indexes worth rebuilding after the copy: keys in random order.

    Indexes led by a column in insertion order (宛名番号, 世帯番号) stay during the copy.
    """
    return [
        index
        for target in REGISTER_TABLES
        for index in target.indexes
        if next(iter(index.columns)).name not in _IN_INSERTION_ORDER
    ]


def _drop_indexes(conn: Connection) -> None:
    """Drop the search indexes for the bulk copy (rebuilt by _create_indexes, much faster)."""
    with conn.begin():
        for index in _register_indexes():
            conn.exec_driver_sql(f'DROP INDEX IF EXISTS "{index.name}"')


def _create_indexes(conn: Connection) -> None:
    """Rebuild the search indexes, sorting in memory with SQLite's helper threads."""
    with _pragmas(conn, temp_store="MEMORY", threads="2"), conn.begin():
        for index in _register_indexes():
            index.create(conn, checkfirst=True)


@contextmanager
def _pragmas(conn: Connection, **settings: str) -> Iterator[None]:
    """Set connection pragmas for a bulk step and put the old values back afterwards."""
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None
    old = {name: dbapi.execute(f"PRAGMA {name}").fetchone()[0] for name in settings}
    for name, value in settings.items():
        dbapi.execute(f"PRAGMA {name} = {value}")
    try:
        yield
    finally:
        for name, value in old.items():
            dbapi.execute(f"PRAGMA {name} = {value}")
