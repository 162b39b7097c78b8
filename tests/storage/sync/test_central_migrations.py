"""The central schema's migrations: upgrade head on an empty database, then no model drift;
down and up again; one head."""

from __future__ import annotations

import subprocess
import sys

from alembic import command

from madoguchi.storage.central.admin import central_engine, create_database, drop_database
from madoguchi.storage.migrations import CENTRAL_SCRIPTS, central_config, upgrade_central


def test_check_with_a_central_dsn_upgrades_a_scratch_database_and_finds_no_drift(pg_cluster):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "madoguchi.storage.migrations",
            "check",
            "--central-dsn",
            pg_cluster.dsn("postgres"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "central schema: upgrade head OK, alembic check OK" in result.stdout
    assert "local schema: upgrade head OK" in result.stdout


def test_the_central_schema_goes_down_to_nothing_and_up_again(pg_cluster):
    dsn = create_database(pg_cluster.dsn(), "updown")
    engine = central_engine(dsn)
    try:
        upgrade_central(engine)
        command.downgrade(central_config(engine), "base")
        with engine.connect() as conn:
            left = conn.exec_driver_sql(
                "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname <> 'alembic_version'"
            ).scalar()
        assert left == 0
        upgrade_central(engine)
    finally:
        engine.dispose()
        drop_database(pg_cluster.dsn(), "updown")


def test_the_central_tree_has_one_head():
    from alembic.script import ScriptDirectory

    assert len(ScriptDirectory(str(CENTRAL_SCRIPTS)).get_heads()) == 1
