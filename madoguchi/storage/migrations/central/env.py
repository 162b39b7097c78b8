"""Alembic environment of the central PostgreSQL schema; the engine comes from the caller.

Migrations take a session-level advisory lock first, so two deployments started at once
run one after the other instead of racing, and bounded lock and statement timeouts, so a
migration never waits forever behind the terminals' sync traffic.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine, text

from madoguchi.storage.central.models import CentralBase

MIGRATION_LOCK = 7_242_019_001  # any constant; names the central schema's migration lock

config = context.config
engine: Engine = config.attributes["engine"]

with engine.connect() as connection:
    connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
    connection.execute(text("SET lock_timeout = '30s'"))
    connection.execute(text("SET statement_timeout = '15min'"))
    connection.commit()
    try:
        context.configure(
            connection=connection,
            target_metadata=CentralBase.metadata,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()
    finally:
        connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK})
        connection.commit()
