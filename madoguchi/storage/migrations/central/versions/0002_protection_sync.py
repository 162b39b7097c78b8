"""支援措置, 発行抑止 and 一時解除 at the centre: tables, ops, change log, bootstrap.

The five tables mirror the replica's; ``storage/central/sql/0002_protection.sql`` adds their
grants and row-level security (exactly as for the register tables), the view a measure
travels as (``protection_measure_images``), the op functions and the functions of 0001 that
learn the new entities and ops (``CREATE OR REPLACE``), and the op types' rights in
``op_actions``. Its ownership/EXECUTE block runs again at the end.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from madoguchi.storage.central.migration_sql import run_sql, run_sql_file, sql_text

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "protection_measures",
        sa.Column("measure_id", sa.String(length=36), nullable=False),
        sa.Column("provisional", sa.Boolean(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("extensions", sa.Integer(), nullable=False),
        sa.Column("restricted", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("contact", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("registered_by", sa.String(length=16), nullable=False),
        sa.Column("registered_at", sa.DateTime(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("ended_by", sa.String(length=16), nullable=True),
        sa.Column("end_reason", sa.Text(), nullable=True),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("measure_id", name=op.f("pk_protection_measures")),
    )
    op.create_index(
        op.f("ix_protection_measures_ended_on"), "protection_measures", ["ended_on"], unique=False
    )
    op.create_table(
        "protected_persons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("measure_id", sa.String(length=36), nullable=False),
        sa.Column("atena_no", sa.String(length=15), nullable=False),
        sa.Column("role", sa.String(length=12), nullable=False),
        sa.Column("relation_to_applicant", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["measure_id"],
            ["protection_measures.measure_id"],
            name=op.f("fk_protected_persons_measure_id_protection_measures"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_protected_persons")),
    )
    op.create_index(
        op.f("ix_protected_persons_atena_no"), "protected_persons", ["atena_no"], unique=False
    )
    op.create_table(
        "protection_perpetrators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("measure_id", sa.String(length=36), nullable=False),
        sa.Column("atena_no", sa.String(length=15), nullable=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("name_key", sa.Text(), nullable=False),
        sa.Column("birth_date", sa.String(length=10), nullable=True),
        sa.Column("sex", sa.String(length=1), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["measure_id"],
            ["protection_measures.measure_id"],
            name=op.f("fk_protection_perpetrators_measure_id_protection_measures"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_protection_perpetrators")),
    )
    op.create_index(
        op.f("ix_protection_perpetrators_atena_no"),
        "protection_perpetrators",
        ["atena_no"],
        unique=False,
    )
    op.create_index(
        op.f("ix_protection_perpetrators_name_key"),
        "protection_perpetrators",
        ["name_key"],
        unique=False,
    )
    op.create_table(
        "issuance_holds",
        sa.Column("hold_id", sa.String(length=36), nullable=False),
        sa.Column("atena_no", sa.String(length=15), nullable=True),
        sa.Column("household_no", sa.String(length=12), nullable=True),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("set_by", sa.String(length=16), nullable=False),
        sa.Column("set_at", sa.DateTime(), nullable=False),
        sa.Column("lifted_on", sa.Date(), nullable=True),
        sa.Column("lifted_by", sa.String(length=16), nullable=True),
        sa.Column("lift_reason", sa.Text(), nullable=True),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("hold_id", name=op.f("pk_issuance_holds")),
    )
    op.create_index(
        op.f("ix_issuance_holds_atena_no"), "issuance_holds", ["atena_no"], unique=False
    )
    op.create_index(
        op.f("ix_issuance_holds_household_no"), "issuance_holds", ["household_no"], unique=False
    )
    op.create_table(
        "protection_releases",
        sa.Column("release_id", sa.String(length=36), nullable=False),
        sa.Column("request_digest", sa.String(length=64), nullable=False),
        sa.Column("request", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("target_persons", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("requested_by", sa.String(length=16), nullable=False),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("terminal_id", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("decided_by", sa.String(length=16), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("valid_until", sa.DateTime(), nullable=True),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.Column("used_by_issue", sa.String(length=36), nullable=True),
        sa.PrimaryKeyConstraint("release_id", name=op.f("pk_protection_releases")),
    )
    op.create_index(
        op.f("ix_protection_releases_status"), "protection_releases", ["status"], unique=False
    )

    run_sql_file("0002_protection.sql")


def _restore_0001_functions() -> None:
    # The functions 0002 replaced get their 0001 bodies back (every function of those files
    # is redefined in place: same signatures, same owner and grants).
    for name in ("0001_helpers.sql", "0001_ops.sql", "0001_api.sql"):
        run_sql(sql_text(name).replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION"))


def downgrade() -> None:
    _restore_0001_functions()
    for function in (
        "op_issue_certificate(jsonb)",
        "op_decide_release(jsonb)",
        "op_request_release(jsonb)",
        "op_lift_hold(jsonb)",
        "op_set_hold(jsonb)",
        "op_change_measure(jsonb)",
        "op_register_measure(jsonb)",
        "protection_conflict(jsonb, text, text, text, jsonb)",
        "require_op_right(jsonb)",
    ):
        op.execute(f"DROP FUNCTION {function}")
    op.execute("DROP VIEW protection_measure_images")
    op.execute(
        "DELETE FROM op_actions WHERE op_type IN ('register_measure', 'extend_measure', "
        "'end_measure', 'set_hold', 'lift_hold', 'request_release', 'decide_release')"
    )
    op.drop_index(op.f("ix_protection_releases_status"), table_name="protection_releases")
    op.drop_table("protection_releases")
    op.drop_index(op.f("ix_issuance_holds_household_no"), table_name="issuance_holds")
    op.drop_index(op.f("ix_issuance_holds_atena_no"), table_name="issuance_holds")
    op.drop_table("issuance_holds")
    op.drop_index(op.f("ix_protection_perpetrators_name_key"), table_name="protection_perpetrators")
    op.drop_index(op.f("ix_protection_perpetrators_atena_no"), table_name="protection_perpetrators")
    op.drop_table("protection_perpetrators")
    op.drop_index(op.f("ix_protected_persons_atena_no"), table_name="protected_persons")
    op.drop_table("protected_persons")
    op.drop_index(op.f("ix_protection_measures_ended_on"), table_name="protection_measures")
    op.drop_table("protection_measures")
