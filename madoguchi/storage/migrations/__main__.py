"""``python -m madoguchi.storage.migrations check|revision``: migration tooling for both trees.

check                                  local schema only (an empty throwaway store)
check --central-throwaway              and the central schema on a throwaway PostgreSQL
                                       cluster started for the check (initdb/pg_ctl)
check --central-dsn "host=… dbname=postgres"
                                       and the central schema in a scratch database made
                                       (and dropped) on that server; needs CREATEDB
revision -m MSG                        autogenerate a local revision
revision --central-throwaway -m MSG    autogenerate a central revision
"""

from __future__ import annotations

import argparse
import secrets
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from alembic import command
from sqlalchemy import Engine

from madoguchi.storage.migrations import (
    central_config,
    check,
    check_central,
    local_config,
    upgrade_central,
    upgrade_to_head,
)
from madoguchi.storage.store import open_engine


@contextmanager
def _scratch_central(dsn: str | None) -> Iterator[Engine]:
    """An engine on an empty scratch database: on ``dsn``'s server, or a throwaway cluster."""
    import psycopg
    from sqlalchemy import create_engine

    from madoguchi.storage.central.cluster import ThrowawayCluster

    with ExitStack() as stack:
        if dsn is None:
            cluster = stack.enter_context(ThrowawayCluster.started())
            dsn = cluster.dsn("postgres")
        name = f"madoguchi_check_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(dsn, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        scratch_dsn = psycopg.conninfo.make_conninfo(dsn, dbname=name)
        engine = create_engine(
            "postgresql+psycopg://", creator=lambda: psycopg.connect(scratch_dsn)
        )
        try:
            yield engine
        finally:
            engine.dispose()
            with psycopg.connect(dsn, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _check_local() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        engine = open_engine(Path(tmp) / "check.db", secrets.token_hex(32))
        try:
            upgrade_to_head(engine)
            check(engine)
        finally:
            engine.dispose()
    print("local schema: upgrade head OK, alembic check OK (no differences)")


def _check_central(dsn: str | None) -> None:
    with _scratch_central(dsn) as engine:
        upgrade_central(engine)
        check_central(engine)
    where = "a throwaway cluster" if dsn is None else "a scratch database"
    print(f"central schema: upgrade head OK, alembic check OK (no differences) on {where}")


def main(argv: list[str] | None = None) -> int:
    """Run the migration command named on the command line."""
    parser = argparse.ArgumentParser(prog="python -m madoguchi.storage.migrations")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, text in (
        ("check", "upgrade empty databases to head, then alembic check"),
        ("revision", "autogenerate a new revision"),
    ):
        command_parser = sub.add_parser(name, help=text)
        central = command_parser.add_mutually_exclusive_group()
        central.add_argument("--central-dsn", help="libpq DSN of a PostgreSQL maintenance db")
        central.add_argument("--central-throwaway", action="store_true")
        if name == "revision":
            command_parser.add_argument("-m", "--message", required=True)
    args = parser.parse_args(argv)
    central_wanted = args.central_dsn is not None or args.central_throwaway
    if args.command == "check":
        _check_local()
        if central_wanted:
            _check_central(args.central_dsn)
        return 0
    if central_wanted:
        with _scratch_central(args.central_dsn) as engine:
            upgrade_central(engine)
            command.revision(central_config(engine), message=args.message, autogenerate=True)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        engine = open_engine(Path(tmp) / "check.db", secrets.token_hex(32))
        try:
            upgrade_to_head(engine)
            command.revision(local_config(engine), message=args.message, autogenerate=True)
        finally:
            engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
