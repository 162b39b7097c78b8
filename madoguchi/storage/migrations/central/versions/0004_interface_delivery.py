"""Interface delivery at the centre: the interfaces role and the journal of its runs.

The outbound queues (``interface_records``) are delivered from the centre; terminals keep
no record once the centre has their approval (R-STORE-3). This revision adds the table
``interface_runs`` (every delivery, resend, purge and look at the records, append-only) and
``storage/central/sql/0004_interfaces.sql``: the NOLOGIN group ``madoguchi_interfaces``
with read and status-only update rights on ``interface_records`` (grants and RLS policies),
append rights on ``interface_runs``, and ``interfaces.operator(staff_no)``, which says
whether a staff member may operate the queues without giving the role any other table.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from madoguchi.storage.central.migration_sql import run_sql_file

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "interface_runs",
        sa.Column("run_id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column(
            "recorded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "db_role",
            sa.String(length=63),
            server_default=sa.text("session_user"),
            nullable=False,
        ),
        sa.Column("staff_no", sa.String(length=16), nullable=False),
        sa.Column("terminal_id", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=24), nullable=False),
        sa.Column("queue", sa.String(length=32), nullable=True),
        sa.Column("run_at", sa.DateTime(), nullable=False),
        sa.Column("delivered", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("held", sa.Integer(), nullable=False),
        sa.Column("purged", sa.Integer(), nullable=False),
        sa.Column("record_ids", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("detail", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.PrimaryKeyConstraint("run_id", name=op.f("pk_interface_runs")),
    )
    op.create_index(
        op.f("ix_interface_runs_staff_no"), "interface_runs", ["staff_no"], unique=False
    )
    run_sql_file("0004_interfaces.sql")


def downgrade() -> None:
    op.execute("DROP FUNCTION interfaces.operator(text)")
    op.execute("REVOKE ALL ON SCHEMA interfaces FROM madoguchi_interfaces, madoguchi_owner")
    op.execute("DROP SCHEMA interfaces")
    op.execute("DROP POLICY interface_delivery_update ON interface_records")
    op.execute("DROP POLICY interface_delivery_read ON interface_records")
    op.execute("REVOKE ALL ON interface_records FROM madoguchi_interfaces")
    op.execute("REVOKE USAGE ON SCHEMA public FROM madoguchi_interfaces")
    op.drop_index(op.f("ix_interface_runs_staff_no"), table_name="interface_runs")
    op.drop_table("interface_runs")  # its trigger, policies and grants go with it
    op.execute("DROP FUNCTION interface_runs_append_only()")
    # The role stays: it belongs to the cluster, and other databases may use it.
