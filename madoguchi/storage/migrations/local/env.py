"""Alembic environment of the local store; the engine comes from the caller's Config."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from madoguchi.storage.models import LocalBase

config = context.config
engine: Engine = config.attributes["engine"]

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=LocalBase.metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
