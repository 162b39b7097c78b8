"""sync.conflicts lists only the conflicts the staff member may settle.

``storage/central/sql/0006_conflict_list.sql``. No table changes.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 05:00:00.000000
"""

import re
from collections.abc import Sequence

from madoguchi.storage.central.migration_sql import run_sql, run_sql_file, sql_text

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    run_sql_file("0006_conflict_list.sql")


def downgrade() -> None:
    # 0001's body (0002–0005 did not change it).
    api = sql_text("0001_api.sql")
    found = re.search(r"CREATE FUNCTION sync\.conflicts\(.*?\n\$\$;", api, re.DOTALL)
    assert found is not None
    run_sql(found.group(0).replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION"))
