"""Alembic migrations of the local store, run programmatically (no alembic.ini to lose).

``python -m madoguchi.storage.migrations check`` upgrades an empty throwaway store to head and
then runs ``alembic check`` (no difference between the models and the migrations).
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

LOCAL_SCRIPTS = Path(__file__).parent / "local"


def local_config(engine: Engine) -> Config:
    """An alembic Config for the local schema, bound to ``engine``."""
    config = Config()
    config.set_main_option("script_location", str(LOCAL_SCRIPTS))
    config.attributes["engine"] = engine
    return config


def upgrade_to_head(engine: Engine) -> None:
    """Bring the local store's schema to the newest revision."""
    command.upgrade(local_config(engine), "head")


def check(engine: Engine) -> None:
    """Raise if the models and the migrations differ (``alembic check``)."""
    command.check(local_config(engine))
