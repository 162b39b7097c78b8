"""Write one segment of the demo city into its own encrypted scratch database.

Segments are independent (see ``DemoCity.segments``), so several processes can generate
them at once; the loader then copies each finished segment into the store with
``INSERT … SELECT`` in segment order, which keeps the result identical to a serial build.
A scratch file is encrypted with a throw-away key and deleted after the copy.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Connection, Dialect, Engine, MetaData, Table, event, insert
from sqlalchemy.schema import CreateTable

from madoguchi.app.demo_city.generate import DemoCity, Segment
from madoguchi.storage.models import AliasHistory, ChangeHistory, Household, IndividualItem, Person
from madoguchi.storage.store import open_engine

CHUNK_PERSONS = 10_000
"""Rows of about this many persons are inserted per executemany."""

REGISTER_TABLES: tuple[Table, ...] = tuple(
    model.__table__  # type: ignore[misc]
    for model in (Household, Person, ChangeHistory, IndividualItem, AliasHistory)
)
"""The register tables a segment fills, in foreign-key order."""


def _scratch_table(target: Table, metadata: MetaData) -> Table:
    """``target``'s columns without keys, constraints or the surrogate ``id``: a plain heap."""
    columns = [Column(c.name, c.type) for c in target.columns if c.name != "id"]
    return Table(target.name, metadata, *columns)


_SCRATCH_METADATA = MetaData()
SCRATCH_TABLES: tuple[Table, ...] = tuple(
    _scratch_table(target, _SCRATCH_METADATA) for target in REGISTER_TABLES
)
"""The scratch copies of REGISTER_TABLES (the store's constraints check the rows on copy)."""
NUMBERS_TABLE = "person_numbers"
"""Scratch table with each person's rowid, 宛名番号, 個人番号 and 住民票コード."""


@dataclass(frozen=True)
class SegmentCounts:
    """What one segment holds."""

    persons: int = 0
    removed: int = 0
    foreign: int = 0
    households: int = 0
    removed_households: int = 0
    change_history: int = 0
    individual_items: int = 0
    alias_history: int = 0


def _scratch_engine(path: Path, key_hex: str) -> Engine:
    engine = open_engine(path, key_hex, pool_size=1)

    @event.listens_for(engine, "connect")
    def _scratch_pragmas(dbapi_conn: Any, _record: Any) -> None:
        # A scratch file: no crash safety needed, and the reference tables live elsewhere.
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA foreign_keys = OFF")
        cursor.execute("PRAGMA synchronous = OFF")
        cursor.close()

    return engine


class _BulkInsert:
    """The compiled Core ``insert(table)`` run as one driver-level executemany.

    Values are converted by the column types' own SQLite bind processors, so the stored
    form is exactly what ``conn.execute(insert(table), rows)`` writes; skipping the per-row
    parameter bookkeeping of the generic path makes the scratch writes about twice as fast.
    """

    def __init__(self, table: Table, dialect: Dialect, names: list[str]) -> None:
        columns = [table.c[name] for name in names]
        self.names = names
        self.sql = str(insert(table).compile(dialect=dialect, column_keys=names))
        self._values = operator.itemgetter(*names)
        self._processors = [
            (index, processor)
            for index, c in enumerate(columns)
            if (processor := c.type.dialect_impl(dialect).bind_processor(dialect)) is not None
        ]

    def parameters(self, rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
        """Positional parameters of ``rows``."""
        values, processors = self._values, self._processors
        result: list[tuple[Any, ...]] = []
        for row in rows:
            params = list(values(row))
            for index, processor in processors:
                params[index] = processor(params[index])
            result.append(tuple(params))
        return result


def _flush(conn: Connection, buffers: list[list[dict[str, Any]]]) -> None:
    dialect = conn.dialect
    with conn.begin():
        for table, rows in zip(SCRATCH_TABLES, buffers, strict=True):
            if rows:
                bulk = _BulkInsert(table, dialect, list(rows[0]))
                conn.exec_driver_sql(bulk.sql, bulk.parameters(rows))
                rows.clear()


def write_segment(
    city: DemoCity,
    segment: Segment,
    path: Path,
    key_hex: str,
    on_chunk: Callable[[int], None] | None = None,
) -> SegmentCounts:
    """Generate ``segment`` of ``city`` into a new scratch database at ``path``.

    Runs in a worker process or inline; returns the row counts. ``on_chunk(persons)`` is
    called after each chunk written, with the persons written so far in this segment.
    """
    engine = _scratch_engine(path, key_hex)
    counts = dict.fromkeys(SegmentCounts.__dataclass_fields__, 0)
    try:
        with engine.connect() as conn:
            with conn.begin():
                for table in SCRATCH_TABLES:
                    conn.execute(CreateTable(table))
            buffers: list[list[dict[str, Any]]] = [[] for _ in SCRATCH_TABLES]
            households, persons, history, items, aliases = buffers
            for household in city.households(segment):
                households.append(household.household)
                persons.extend(household.persons)
                history.extend(household.history)
                items.extend(household.individual_items)
                aliases.extend(household.alias_history)
                counts["households"] += 1
                counts["removed_households"] += bool(household.household["removed"])
                counts["change_history"] += len(household.history)
                counts["individual_items"] += len(household.individual_items)
                counts["alias_history"] += len(household.alias_history)
                for person in household.persons:
                    counts["removed"] += person["status"] == "removed"
                    counts["foreign"] += bool(person["is_foreign"])
                counts["persons"] += len(household.persons)
                if len(persons) >= CHUNK_PERSONS:
                    _flush(conn, buffers)
                    if on_chunk is not None:
                        on_chunk(counts["persons"])
            _flush(conn, buffers)
            with conn.begin():
                # A narrow copy of the numbers, so the loader can check them without
                # reading the whole persons table of the segment.
                conn.exec_driver_sql(
                    f"CREATE TABLE {NUMBERS_TABLE} AS SELECT rowid AS person_rowid, "
                    "atena_no, individual_number, resident_code FROM persons"
                )
    finally:
        engine.dispose()
    return SegmentCounts(**counts)
