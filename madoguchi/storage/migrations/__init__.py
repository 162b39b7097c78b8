"""Alembic migrations of both databases, run programmatically (no alembic.ini to lose).

Two trees: ``local/`` for the terminal's SQLite store and ``central/`` for the central
PostgreSQL schema. ``python -m madoguchi.storage.migrations check`` upgrades an empty
throwaway store to head and then runs ``alembic check`` (no difference between the models and
the migrations); ``check --central-dsn DSN`` (or ``--central-throwaway``) does the same for
the central schema on an empty PostgreSQL database.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

if TYPE_CHECKING:
    from alembic.config import Config

LOCAL_SCRIPTS = Path(__file__).parent / "local"
CENTRAL_SCRIPTS = Path(__file__).parent / "central"
# The newest local revision. Start-up compares the store with it and imports alembic only
# when an upgrade is due (alembic's import costs a quarter of a second of the 2 s budget);
# a test keeps this equal to alembic's own head.
LOCAL_HEAD = "0008"


def local_config(engine: Engine) -> Config:
    """An alembic Config for the local schema, bound to ``engine``."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(LOCAL_SCRIPTS))
    config.attributes["engine"] = engine
    return config


def current_revision(engine: Engine) -> str | None:
    """The store's schema revision, or None for an empty store."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade_to_head(engine: Engine) -> None:
    """Bring the local store's schema to the newest revision (a no-op when it is there)."""
    if current_revision(engine) == LOCAL_HEAD:
        return
    from alembic import command

    command.upgrade(local_config(engine), "head")


def check(engine: Engine) -> None:
    """Raise if the models and the migrations differ (``alembic check``)."""
    from alembic import command

    command.check(local_config(engine))


def central_config(engine: Engine) -> Config:
    """An alembic Config for the central schema, bound to a PostgreSQL ``engine``."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(CENTRAL_SCRIPTS))
    config.attributes["engine"] = engine
    return config


def upgrade_central(engine: Engine, revision: str = "head") -> None:
    """Bring the central schema to ``revision`` (the newest by default)."""
    from alembic import command

    command.upgrade(central_config(engine), revision)


def check_central(engine: Engine) -> None:
    """Raise if the central models and the central migrations differ (``alembic check``)."""
    from alembic import command

    command.check(central_config(engine))
