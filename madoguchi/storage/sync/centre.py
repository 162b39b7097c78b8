"""Talking to the centre: the sync functions over psycopg, behind a small protocol.

A terminal's database role may only call the functions of schema ``sync`` (push, pull,
snapshot_head, snapshot_chunk, conflicts). ``PostgresCentre`` is the real transport; tests
wrap it to drop, duplicate or delay calls. Failures come in two kinds:

- ``CentreUnavailable``: the network or the server is down, or the call timed out. The work
  is retried later on a timer; the terminal keeps working offline (R-SYNC-3).
- ``CentreRefused``: the centre answered but refused the call itself (unknown or disabled
  terminal, missing privilege). Retrying does not help; an administrator must act.

Connections use the DSN as configured; in production it names TLS with the terminal's own
client certificate (``sslmode=verify-full sslcert=… sslkey=… sslrootcert=…``).
"""

from __future__ import annotations

import contextlib
import json
import select
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

import psycopg
from psycopg.types.json import Jsonb

CHANNEL = "madoguchi_changes"


class CentreUnavailable(Exception):
    """The centre cannot be reached now; the message says why. Retry later."""


class CentreRefused(Exception):
    """The centre refused the call itself (not one op): an administrator must act."""


class ResyncNeeded(Exception):
    """The centre's change log no longer reaches back to this replica's cursor."""


@dataclass(frozen=True)
class PullBatch:
    """Changes after a cursor, in sequence order, and the log's head when read."""

    head: int
    changes: list[dict[str, Any]]


@dataclass(frozen=True)
class SnapshotHead:
    """The change-log position a snapshot shows, and the row count of each table."""

    head: int
    counts: dict[str, int]


class Snapshot(Protocol):
    """A consistent read of the centre's register (one REPEATABLE READ transaction)."""

    head: SnapshotHead

    def chunk(
        self, table: str, after: str | None, limit: int
    ) -> tuple[str | None, int, list[str], str]:
        """The next rows of ``table`` after key ``after``: last key, row count, column names,
        and the rows as one JSON array of arrays."""
        ...


class Centre(Protocol):
    """What the sync worker needs from the centre."""

    def push(self, ops: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Send ops in order; one result per op (applied, conflict or rejected)."""
        ...

    def pull(self, since: int, limit: int) -> PullBatch:
        """Changes after ``since``; raises ResyncNeeded when the log no longer has them."""
        ...

    def snapshot(self) -> Any:
        """A context manager yielding a ``Snapshot``."""
        ...

    def wait_for_change(self, timeout: float) -> bool:
        """Wait up to ``timeout`` s for a change notification; True if one came."""
        ...

    def conflicts(self, staff_no: str) -> list[dict[str, Any]]:
        """The centre's open conflicts ``staff_no`` may settle."""
        ...

    def close(self) -> None:
        """Close every connection."""
        ...


# What the server says when it refuses this terminal's login (libpq gives no SQLSTATE for a
# failed connection): retrying will not help, an administrator must act. A server starting
# up, shutting down or full is not among them: that passes.
_REFUSED_LOGIN = (
    "authentication failed",
    "requires a valid client certificate",
    "no pg_hba.conf entry",
    "pg_hba.conf rejects",
    "does not exist",
    "not permitted to log in",
)


def _refused_login(error: Exception) -> bool:
    text = str(error)
    return "FATAL" in text and any(marker in text for marker in _REFUSED_LOGIN)


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def _unavailable(error: Exception) -> CentreUnavailable:
    return CentreUnavailable(f"センターに接続できません（{_first_line(error)}）")


@dataclass
class PostgresCentre:
    """The centre reached over libpq with ``dsn`` (the terminal's own role)."""

    dsn: str
    connect_timeout: int = 5
    statement_timeout_ms: int = 60_000
    _conn: psycopg.Connection[Any] | None = field(default=None, init=False, repr=False)
    _listener: psycopg.Connection[Any] | None = field(default=None, init=False, repr=False)

    def _connect(self, **options: Any) -> psycopg.Connection[Any]:
        try:
            return psycopg.connect(
                self.dsn,
                connect_timeout=self.connect_timeout,
                options=f"-c statement_timeout={self.statement_timeout_ms}",
                **options,
            )
        except psycopg.OperationalError as error:
            if _refused_login(error):
                raise CentreRefused(
                    "センターがこの端末の接続を拒否しました。端末の証明書とデータベースの"
                    f"ロールをシステム管理者に確認してください（{_first_line(error)}）"
                ) from error
            raise _unavailable(error) from error

    def _connection(self) -> psycopg.Connection[Any]:
        if self._conn is None or self._conn.closed:
            self._conn = self._connect(autocommit=True)
        return self._conn

    def _call(self, query: str, params: list[Any]) -> Any:
        conn = self._connection()
        try:
            row = conn.execute(query, params).fetchone()
        except (psycopg.OperationalError, psycopg.errors.QueryCanceled) as error:
            self._drop()
            raise _unavailable(error) from error
        except psycopg.errors.InsufficientPrivilege as error:
            raise CentreRefused(f"センターが拒否しました: {error}") from error
        except psycopg.Error as error:
            # Anything else is the server's problem now (a deadlock, a bug): retry later.
            self._drop()
            raise _unavailable(error) from error
        assert row is not None
        return row[0]

    def _drop(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None

    def push(self, ops: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Call ``sync.push`` with the ops as one JSON array (one transaction)."""
        answer = self._call("SELECT sync.push(%s)", [Jsonb(ops)])
        results: list[dict[str, Any]] = answer["results"]
        return results

    def pull(self, since: int, limit: int) -> PullBatch:
        """Call ``sync.pull``."""
        answer = self._call("SELECT sync.pull(%s, %s)", [since, limit])
        if answer["status"] == "resync":
            raise ResyncNeeded(f"cursor {since} is older than the centre's change log")
        return PullBatch(int(answer["head"]), list(answer["changes"]))

    def conflicts(self, staff_no: str) -> list[dict[str, Any]]:
        """The centre's open conflicts ``staff_no`` may settle (every terminal's)."""
        answer = self._call("SELECT sync.conflicts(%s)", [staff_no])
        return list(answer)

    @contextmanager
    def snapshot(self) -> Iterator[Snapshot]:
        """A REPEATABLE READ, READ ONLY transaction on a connection of its own."""
        conn = self._connect()
        try:
            conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            conn.read_only = True
            try:
                with conn.transaction():
                    yield _PostgresSnapshot(conn)
            except psycopg.OperationalError as error:
                raise _unavailable(error) from error
        finally:
            conn.close()

    def wait_for_change(self, timeout: float) -> bool:
        """LISTEN on the change channel (connecting when needed) and wait for a notification.

        A notification is only a nudge: a dropped listener loses them, so the worker also
        pulls on a timer.
        """
        try:
            if self._listener is None or self._listener.closed:
                self._listener = self._connect(autocommit=True)
                self._listener.execute(f"LISTEN {CHANNEL}")
            listener = self._listener
            ready, _, _ = select.select([listener.fileno()], [], [], timeout)
            if not ready:
                return False
            return any(True for _ in listener.notifies(timeout=0, stop_after=1000))
        except (psycopg.Error, OSError, ValueError) as error:
            self._close_listener()
            raise _unavailable(error) from error

    def _close_listener(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            with contextlib.suppress(psycopg.Error):  # already broken: nothing to close
                listener.close()

    def close(self) -> None:
        """Close both connections."""
        self._drop()
        self._close_listener()


class _PostgresSnapshot:
    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self._conn = conn
        row = conn.execute("SELECT sync.snapshot_head()").fetchone()
        assert row is not None
        value = row[0] if isinstance(row[0], dict) else json.loads(row[0])
        self.head = SnapshotHead(
            int(value["head"]), {k: int(v) for k, v in value["counts"].items()}
        )

    def chunk(
        self, table: str, after: str | None, limit: int
    ) -> tuple[str | None, int, list[str], str]:
        row = self._conn.execute(
            "SELECT last_key, row_count, columns, rows FROM sync.snapshot_chunk(%s, %s, %s)",
            [table, after, limit],
        ).fetchone()
        assert row is not None
        return row[0], int(row[1]), list(row[2]), str(row[3])
