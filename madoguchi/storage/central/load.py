"""Loading the centre's register from a local store (migration of an existing register,
the demo city for tests and benchmarks).

Each table is copied in chunks: SQLite turns a chunk into one JSON array text
(``json_group_array``) and PostgreSQL turns it back into rows
(``json_populate_recordset``), so both ends do the per-row work in C. Ids are kept, and the
serial sequences are moved past them afterwards. The change log stays empty: a terminal that
starts from the same store is at cursor 0 (``madoguchi.storage.sync.enrol_loaded_copy``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import psycopg
from sqlalchemy import JSON, Boolean, Table, text

from madoguchi.storage.central import models as central
from madoguchi.storage.store import LocalStore
from madoguchi.storage.sync.snapshot_copy import local_table

LoadProgress = Callable[[str, int, int], None]

# Columns of the central staff and terminal tables that come from the local ones.
_STAFF_COLUMNS = tuple(c.name for c in central.Staff.__table__.columns)
_TERMINAL_COLUMNS = ("terminal_id", "office", "description", "active")


@dataclass
class LoadReport:
    """Rows copied per table and the seconds it took."""

    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def _json_expression(table: Table, columns: tuple[str, ...]) -> str:
    parts = []
    for name in columns:
        column = table.columns[name]
        if isinstance(column.type, JSON):
            parts.append(f"'{name}', json({name})")
        elif isinstance(column.type, Boolean):
            truth = f"json(iif({name}, 'true', 'false'))"
            parts.append(f"'{name}', CASE WHEN {name} IS NULL THEN NULL ELSE {truth} END")
        else:
            parts.append(f"'{name}', {name}")
    return "json_object(" + ", ".join(parts) + ")"


def _copy_table(
    store: LocalStore,
    conn: psycopg.Connection[Any],
    local: Table,
    target: str,
    columns: tuple[str, ...],
    chunk: int,
    progress: LoadProgress | None,
) -> int:
    total_query = text(f"SELECT count(*) FROM {local.name}")
    chunk_query = text(
        f"SELECT max(rid), count(*), json_group_array(json(doc)) FROM ("
        f"SELECT rowid AS rid, {_json_expression(local, columns)} AS doc FROM {local.name} "
        f"WHERE rowid > :after ORDER BY rowid LIMIT :chunk)"
    )
    names = ", ".join(columns)
    insert = (
        f"INSERT INTO {target} ({names}) SELECT {names} "
        f"FROM json_populate_recordset(NULL::{target}, %s::json)"
    )
    done, after = 0, 0
    with store.engine.connect() as local_conn:
        total = int(local_conn.execute(total_query).scalar() or 0)
        while True:
            last, count, rows = local_conn.execute(
                chunk_query, {"after": after, "chunk": chunk}
            ).one()
            if not count:
                break
            conn.execute(insert, [rows])
            after, done = int(last), done + int(count)
            if progress is not None:
                progress(target, done, total)
    return done


def load_register(
    store: LocalStore,
    dsn: str,
    *,
    chunk: int = 20_000,
    progress: LoadProgress | None = None,
) -> LoadReport:
    """Copy the register, reference data, staff, terminals, drafts, the 支援措置, 発行抑止
    and 一時解除, and the interface queues into an empty centre.

    Runs as the centre's administrator in one transaction: a failed load leaves nothing.
    """
    started = time.perf_counter()
    report = LoadReport()
    with psycopg.connect(dsn) as conn:
        for table in (*central.REGISTER_TABLES, central.drafts, *central.PROTECTION_TABLES):
            columns = tuple(c.name for c in table.columns)
            local = local_table(table.name)
            report.rows[table.name] = _copy_table(
                store, conn, local, table.name, columns, chunk, progress
            )
        for name, columns in (("staff", _STAFF_COLUMNS), ("terminals", _TERMINAL_COLUMNS)):
            report.rows[name] = _copy_table(
                store, conn, local_table(name), name, columns, chunk, progress
            )
        # The queues go to the centre too: a loaded terminal's records are delivered there,
        # and its copy (enrolled, its ops ``loaded``) keeps none (R-STORE-3).
        queue = central.CentralInterfaceRecord.__table__
        assert isinstance(queue, Table)
        report.rows["interface_records"] = _copy_table(
            store,
            conn,
            local_table("interface_records"),
            "interface_records",
            tuple(c.name for c in queue.columns),
            chunk,
            progress,
        )
        conn.execute(
            "SELECT setval(pg_get_serial_sequence('interface_records', 'seq'), "
            "coalesce((SELECT max(seq) FROM interface_records), 0) + 1, false)"
        )
        for name in (
            "change_history",
            "individual_items",
            "alias_history",
            "protected_persons",
            "protection_perpetrators",
        ):
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                f"coalesce((SELECT max(id) FROM {name}), 0) + 1, false)"
            )
        conn.execute("ANALYZE")
    report.seconds = time.perf_counter() - started
    return report
