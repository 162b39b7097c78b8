"""The centre re-checks the register's own rules on every approval (R-SYNC-4); number lanes.

``storage/central/sql/0005_register_rules.sql``: 個人番号 check digit and uniqueness among
current residents, a current resident's household exists, at most one 世帯主 per household,
届出日 and 異動日 not after the approval's day (転出 excepted). ``op_approve_draft`` becomes a
wrapper that runs the checks after the approval applied; the original is kept as
``op_approve_draft_unchecked``. ``terminals.number_lane`` (1–99, unique) gives each terminal
its own lane of new 宛名番号 and 世帯番号; the terminals registered so far get theirs.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 04:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from madoguchi.storage.central.migration_sql import run_sql, run_sql_file

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("terminals", sa.Column("number_lane", sa.SmallInteger(), nullable=True))
    op.create_unique_constraint(op.f("uq_terminals_number_lane"), "terminals", ["number_lane"])
    op.create_check_constraint(
        op.f("ck_terminals_number_lane_range"), "terminals", "number_lane BETWEEN 1 AND 99"
    )
    run_sql_file("0005_register_rules.sql")
    run_sql("SELECT assign_number_lane(terminal_id) FROM terminals ORDER BY terminal_id")


def downgrade() -> None:
    run_sql(
        "DROP FUNCTION op_approve_draft(jsonb);"
        " ALTER FUNCTION op_approve_draft_unchecked(jsonb) RENAME TO op_approve_draft;"
        " DROP FUNCTION check_approval_rules(jsonb);"
        " DROP FUNCTION check_number_holders(jsonb);"
        " DROP FUNCTION individual_number_valid(text);"
        " DROP FUNCTION assign_number_lane(text);"
    )
    op.drop_constraint(op.f("ck_terminals_number_lane_range"), "terminals", type_="check")
    op.drop_constraint(op.f("uq_terminals_number_lane"), "terminals", type_="unique")
    op.drop_column("terminals", "number_lane")
