"""The centre in tests: a throwaway PostgreSQL cluster and central databases made from a template.

The cluster comes from ``madoguchi.storage.central.cluster`` (the same helper the migration
check and the benchmarks use): ``initdb``/``pg_ctl`` of the system's PostgreSQL, run as the
``postgres`` user when we are root, on a Unix socket in a temporary directory. A missing
PostgreSQL fails the test, naming the package; it never skips.

One template database per session holds the migrated schema, the demo city, the permission
matrix and three terminals (TERM-A, TERM-B, TERM-C with roles term_a, term_b, term_c); each
test gets its own copy (``CREATE DATABASE … TEMPLATE``, a fraction of a second).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest

from madoguchi.storage.central.admin import (
    central_engine,
    create_database,
    drop_database,
    provision_terminal,
)
from madoguchi.storage.central.cluster import ClusterError, ThrowawayCluster
from madoguchi.storage.store import LocalStore

TERMINAL_ROLES: dict[str, str] = {"TERM-A": "term_a", "TERM-B": "term_b", "TERM-C": "term_c"}
TEMPLATE = "centre_template"
_numbers = itertools.count(1)


def start_cluster() -> ThrowawayCluster:
    """A running throwaway cluster; fails the test (never skips) when PostgreSQL is missing."""
    try:
        cluster = ThrowawayCluster.create()
    except ClusterError as error:
        pytest.fail(f"system part missing: PostgreSQL server: {error}")
    try:
        cluster.start()
    except ClusterError as error:
        log = cluster.server_log()
        cluster.destroy()
        pytest.fail(f"system part broken: PostgreSQL did not start: {error}\n{log}")
    return cluster


def build_template(cluster: ThrowawayCluster, store: LocalStore) -> None:
    """The session's template: schema, the demo city, the matrix and the test terminals."""
    from madoguchi.app.services.centre_setup import install_centre_permissions
    from madoguchi.storage.central.load import load_register
    from madoguchi.storage.migrations import upgrade_central

    dsn = create_database(cluster.dsn(), TEMPLATE)
    engine = central_engine(dsn)
    try:
        upgrade_central(engine)
    finally:
        engine.dispose()
    load_register(store, dsn)
    with psycopg.connect(dsn) as conn:
        install_centre_permissions(conn)
        for terminal_id, role in TERMINAL_ROLES.items():
            provision_terminal(
                conn, terminal_id, role=role, office="本庁舎 市民課", description=terminal_id
            )


@dataclass
class CentreDb:
    """One test's central database."""

    cluster: ThrowawayCluster
    name: str

    @property
    def admin_dsn(self) -> str:
        """The administrator's DSN (owns the tables)."""
        return self.cluster.dsn(self.name)

    def terminal_dsn(self, terminal_id: str) -> str:
        """The DSN a terminal connects with: its own role, nothing else."""
        return self.cluster.dsn(self.name, user=TERMINAL_ROLES[terminal_id])

    def admin(self) -> psycopg.Connection[Any]:
        """A new administrator connection (autocommit)."""
        return psycopg.connect(self.admin_dsn, autocommit=True)

    def scalar(self, query: str, params: list[Any] | None = None) -> Any:
        """One value, read as the administrator."""
        with self.admin() as conn:
            row = conn.execute(query, params or []).fetchone()
            return None if row is None else row[0]


def new_centre(cluster: ThrowawayCluster) -> CentreDb:
    """A fresh copy of the template."""
    name = f"centre_{next(_numbers)}"
    create_database(cluster.dsn(), name, template=TEMPLATE)
    return CentreDb(cluster, name)


def drop_centre(centre: CentreDb) -> None:
    """Drop a test's database."""
    drop_database(centre.cluster.dsn(), centre.name)
