"""A conflict is settled by whoever holds the right its op needed.

A 支援措置 or 発行抑止 conflict needs ``manage_protection``, a 一時解除 conflict
``release_protection``, any other ``review`` (``storage/central/sql/0003_conflict_rights.sql``).
No table changes.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 04:00:00.000000
"""

import re
from collections.abc import Sequence
from pathlib import Path

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQL = Path(__file__).resolve().parents[3] / "central" / "sql"


def _run(text: str) -> None:
    # As in 0001: the file goes to the driver as it is (dollar quoting, DO blocks).
    driver = op.get_bind().connection.dbapi_connection
    assert driver is not None
    cursor = driver.cursor()
    try:
        cursor.execute(text)
    finally:
        cursor.close()


def upgrade() -> None:
    _run((SQL / "0003_conflict_rights.sql").read_text(encoding="utf-8"))


def downgrade() -> None:
    # 0001's body of op_resolve_conflict (0002 did not change it), then drop the helper.
    ops = (SQL / "0001_ops.sql").read_text(encoding="utf-8")
    found = re.search(r"CREATE FUNCTION op_resolve_conflict\(.*?\n\$\$;", ops, re.DOTALL)
    assert found is not None
    _run(found.group(0).replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION"))
    _run("DROP FUNCTION conflict_right(text)")
