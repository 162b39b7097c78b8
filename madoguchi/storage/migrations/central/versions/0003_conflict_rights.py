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

from madoguchi.storage.central.migration_sql import run_sql, run_sql_file, sql_text

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    run_sql_file("0003_conflict_rights.sql")


def downgrade() -> None:
    # 0001's body of op_resolve_conflict (0002 did not change it), then drop the helper.
    ops = sql_text("0001_ops.sql")
    found = re.search(r"CREATE FUNCTION op_resolve_conflict\(.*?\n\$\$;", ops, re.DOTALL)
    assert found is not None
    run_sql(found.group(0).replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION"))
    run_sql("DROP FUNCTION conflict_right(text)")
