"""Running the central SQL files from alembic revisions (``storage/central/sql``).

The text goes straight to the driver without parameters: psycopg sends it as it is (several
statements, dollar-quoted bodies, DO blocks; the % of format() and the : of casts untouched).
"""

from __future__ import annotations

from pathlib import Path

from alembic import op

SQL_DIR = Path(__file__).resolve().parent / "sql"


def sql_text(name: str) -> str:
    """The text of ``sql/<name>``."""
    return (SQL_DIR / name).read_text(encoding="utf-8")


def run_sql(text: str) -> None:
    """Execute ``text`` on the migration's connection."""
    driver = op.get_bind().connection.dbapi_connection
    assert driver is not None
    cursor = driver.cursor()
    try:
        cursor.execute(text)
    finally:
        cursor.close()


def run_sql_file(name: str) -> None:
    """Execute ``sql/<name>``."""
    run_sql(sql_text(name))
