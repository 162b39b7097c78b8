"""Administering the centre: databases, terminal roles, the permission matrix, log retention.

These run as the centre's administrator (the role that owns the tables), never as a
terminal. The permission matrix is passed in as plain strings: storage does not import the
application, and the application's matrix (``madoguchi.app.domain.permissions``) stays the
one place it is written (``madoguchi.app.services.centre_setup`` installs it from there).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy import Engine, create_engine

TERMINAL_GROUP = "madoguchi_terminal"
_ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


class CentreAdminError(ValueError):
    """An administrative request the centre cannot carry out as asked."""


def central_engine(dsn: str, **options: object) -> Engine:
    """An SQLAlchemy engine (psycopg 3) on the central database named by libpq ``dsn``."""
    return create_engine(
        "postgresql+psycopg://",
        creator=lambda: psycopg.connect(dsn),
        **options,
    )


def create_database(admin_dsn: str, name: str, *, template: str | None = None) -> str:
    """Create database ``name`` (optionally from ``template``); return a DSN for it."""
    with psycopg.connect(admin_dsn, autocommit=True) as admin:
        statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template is not None:
            statement = sql.SQL("{} TEMPLATE {}").format(statement, sql.Identifier(template))
        admin.execute(statement)
    return psycopg.conninfo.make_conninfo(admin_dsn, dbname=name)


def drop_database(admin_dsn: str, name: str) -> None:
    """Drop database ``name``, closing its connections."""
    with psycopg.connect(admin_dsn, autocommit=True) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def create_login_role(
    conn: psycopg.Connection[Any],
    role: str,
    group: str,
    *,
    password: str | None = None,
    grant_existing: bool = False,
) -> None:
    """Create login role ``role`` in ``group`` unless it exists (``grant_existing``: then
    make it a member of ``group``); ``password`` only where certificates are not yet used."""
    if not _ROLE_NAME.fullmatch(role):
        raise CentreAdminError(f"role name {role!r}: use lower-case letters, digits and _")
    exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role]).fetchone()
    if exists is None:
        conn.execute(
            sql.SQL("CREATE ROLE {} LOGIN INHERIT IN ROLE {}").format(
                sql.Identifier(role), sql.Identifier(group)
            )
        )
    elif grant_existing:
        conn.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(group), sql.Identifier(role)))
    if password is not None:
        conn.execute(
            sql.SQL("ALTER ROLE {} PASSWORD {}").format(sql.Identifier(role), sql.Literal(password))
        )


def provision_terminal(
    conn: psycopg.Connection[Any],
    terminal_id: str,
    *,
    role: str,
    office: str,
    description: str,
    password: str | None = None,
) -> None:
    """Register ``terminal_id`` at the centre and give it its own login role.

    The role is a member of ``madoguchi_terminal`` and nothing else: it can call the sync
    functions and no table. In production it authenticates with its TLS client certificate
    (certificate CN = role name, ``hostssl … cert`` in pg_hba.conf); ``password`` is only
    for sites that cannot use certificates yet.
    """
    create_login_role(conn, role, TERMINAL_GROUP, password=password)
    conn.execute(
        """
        INSERT INTO terminals (terminal_id, office, description, active, db_role)
        VALUES (%s, %s, %s, true, %s)
        ON CONFLICT (terminal_id) DO UPDATE SET db_role = EXCLUDED.db_role
        """,
        [terminal_id, office, description, role],
    )
    # Its own lane of new 宛名番号/世帯番号, logged so every terminal learns it.
    conn.execute("SELECT assign_number_lane(%s)", [terminal_id])


# The 支援措置 ops (revision 0002) and the action of the permission matrix each needs; their
# functions read it from ``op_actions`` (an op type without a row there is refused).
PROTECTION_OP_ACTIONS: dict[str, str] = {
    "register_measure": "manage_protection",
    "extend_measure": "manage_protection",
    "end_measure": "manage_protection",
    "set_hold": "manage_protection",
    "lift_hold": "manage_protection",
    "request_release": "issue_certificate",
    "decide_release": "release_protection",
}


def install_permissions(
    conn: psycopg.Connection[Any],
    matrix: Mapping[str, Iterable[str]],
    op_actions: Mapping[str, str],
) -> None:
    """Replace the centre's permission matrix (role → actions) and the op rights: the
    journal ops' (``op_actions``) and the 支援措置 ops' (``PROTECTION_OP_ACTIONS``)."""
    conn.execute("DELETE FROM role_permissions")
    conn.execute("DELETE FROM op_actions")
    with conn.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO role_permissions (role, action) VALUES (%s, %s)",
            [(role, action) for role, actions in matrix.items() for action in sorted(actions)],
        )
        cursor.executemany(
            "INSERT INTO op_actions (op_type, action) VALUES (%s, %s)",
            list({**PROTECTION_OP_ACTIONS, **op_actions}.items()),
        )


def prune_change_log(conn: psycopg.Connection[Any], keep_after: int) -> int:
    """Forget change-log entries up to ``keep_after``; terminals behind it must resync.

    Returns how many entries were removed. Takes the change counter's lock, like a push.
    """
    conn.execute("SELECT 1 FROM sync_state WHERE id = 1 FOR UPDATE")
    removed = conn.execute("DELETE FROM change_log WHERE seq <= %s", [keep_after]).rowcount
    conn.execute(
        "UPDATE sync_state SET retained_from = greatest(retained_from, %s) WHERE id = 1",
        [keep_after + 1],
    )
    return removed


def head(conn: psycopg.Connection[Any]) -> int:
    """The change log's newest sequence number."""
    row = conn.execute("SELECT last_seq FROM sync_state WHERE id = 1").fetchone()
    assert row is not None
    value = row[0]
    assert isinstance(value, int)
    return value
