"""Central schema: register, change log, applied ops, conflicts, audit store, sync functions.

The tables come first; then ``storage/central/sql/0001_security.sql`` (roles, grants, RLS,
the append-only audit trigger, the one ``sync_state`` row), ``0001_helpers.sql``,
``0001_ops.sql`` (one function per op type) and ``0001_api.sql`` (the ``SECURITY DEFINER``
functions of schema ``sync``, then ownership and EXECUTE for all of them). The SQL files belong to
this revision: a later revision that changes a function ships its own file.

Revision ID: 0001
Revises:
Create Date: 2026-11-23 01:33:51.002395
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from madoguchi.storage.central.migration_sql import run_sql_file

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "applied_ops",
        sa.Column("op_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("terminal_id", sa.String(length=16), nullable=False),
        sa.Column("staff_no", sa.String(length=16), nullable=False),
        sa.Column("op_type", sa.String(length=32), nullable=False),
        sa.Column(
            "received_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("result", sa.String(length=12), nullable=False),
        sa.Column("response", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.PrimaryKeyConstraint("op_id", name=op.f("pk_applied_ops")),
    )
    op.create_index(
        "ix_applied_ops_terminal", "applied_ops", ["terminal_id", "received_at"], unique=False
    )
    op.create_table(
        "audit_log",
        sa.Column("terminal_id", sa.String(length=16), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("staff_no", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("target_persons", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("detail", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("entry_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "received_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("terminal_id", "seq", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_action"), "audit_log", ["action"], unique=False)
    op.create_index(op.f("ix_audit_log_at"), "audit_log", ["at"], unique=False)
    op.create_index(op.f("ix_audit_log_staff_no"), "audit_log", ["staff_no"], unique=False)
    op.create_table(
        "change_log",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("entity", sa.String(length=16), nullable=False),
        sa.Column("entity_key", sa.Text(), nullable=False),
        sa.Column("op_id", sa.UUID(as_uuid=False), nullable=True),
        sa.Column(
            "committed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("image", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_change_log")),
    )
    op.create_table(
        "drafts",
        sa.Column("draft_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("variant", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("maker_staff_no", sa.String(length=16), nullable=False),
        sa.Column("terminal_id", sa.String(length=16), nullable=False),
        sa.Column("office", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("moved_on", sa.Date(), nullable=True),
        sa.Column("notified_on", sa.Date(), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("ex_officio", sa.Boolean(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("target_persons", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("form", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("base_versions", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("confirmed_alerts", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column("reviewer_staff_no", sa.String(length=16), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(), nullable=True),
        sa.Column("process_id", sa.String(length=36), nullable=True),
        sa.Column("applied", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("draft_id", name=op.f("pk_drafts")),
    )
    op.create_index("ix_drafts_late", "drafts", ["late", "notified_on"], unique=False)
    op.create_index(op.f("ix_drafts_maker_staff_no"), "drafts", ["maker_staff_no"], unique=False)
    op.create_index(op.f("ix_drafts_reviewed_at"), "drafts", ["reviewed_at"], unique=False)
    op.create_index(op.f("ix_drafts_status"), "drafts", ["status"], unique=False)
    op.create_table(
        "interface_records",
        sa.Column("seq", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("queue", sa.String(length=32), nullable=False),
        sa.Column("record_type", sa.String(length=40), nullable=False),
        sa.Column("draft_id", sa.String(length=36), nullable=True),
        sa.Column("atena_no", sa.String(length=15), nullable=True),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("delivered_at", sa.DateTime(), nullable=True),
        sa.Column("failure_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_interface_records")),
        sa.UniqueConstraint("record_id", name=op.f("uq_interface_records_record_id")),
    )
    op.create_index(
        "ix_central_interface_queue_status",
        "interface_records",
        ["queue", "status", "seq"],
        unique=False,
    )
    op.create_index(
        op.f("ix_interface_records_draft_id"), "interface_records", ["draft_id"], unique=False
    )
    op.create_table(
        "op_actions",
        sa.Column("op_type", sa.String(length=32), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("op_type", name=op.f("pk_op_actions")),
    )
    op.create_table(
        "op_journal",
        sa.Column("op_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("op_type", sa.String(length=32), nullable=False),
        sa.Column("terminal_id", sa.String(length=16), nullable=False),
        sa.Column("staff_no", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.PrimaryKeyConstraint("op_id", name=op.f("pk_op_journal")),
    )
    op.create_index(op.f("ix_op_journal_op_type"), "op_journal", ["op_type"], unique=False)
    op.create_table(
        "ref_change_reasons",
        sa.Column("code", sa.String(length=4), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=8), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_ref_change_reasons")),
    )
    op.create_table(
        "ref_towns",
        sa.Column("code", sa.String(length=11), nullable=False),
        sa.Column("prefecture", sa.Text(), nullable=False),
        sa.Column("municipality", sa.Text(), nullable=False),
        sa.Column("town_name", sa.Text(), nullable=False),
        sa.Column("chome", sa.Text(), nullable=True),
        sa.Column("kana", sa.Text(), nullable=False),
        sa.Column("postal_code", sa.String(length=7), nullable=False),
        sa.Column("name_key", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_ref_towns")),
    )
    op.create_index(op.f("ix_ref_towns_name_key"), "ref_towns", ["name_key"], unique=False)
    op.create_index(op.f("ix_ref_towns_postal_code"), "ref_towns", ["postal_code"], unique=False)
    op.create_table(
        "role_permissions",
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("role", "action", name=op.f("pk_role_permissions")),
    )
    op.create_table(
        "staff",
        sa.Column("staff_no", sa.String(length=16), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("office", sa.Text(), nullable=False),
        sa.Column("roles", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("locked_at", sa.DateTime(), nullable=True),
        sa.Column("second_factor", sa.String(length=16), nullable=True),
        sa.Column("password_changed_on", sa.Date(), nullable=True),
        sa.Column("atena_no", sa.String(length=15), nullable=True),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("staff_no", name=op.f("pk_staff")),
    )
    op.create_table(
        "sync_conflicts",
        sa.Column("conflict_id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("op_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("terminal_id", sa.String(length=16), nullable=False),
        sa.Column("staff_no", sa.String(length=16), nullable=False),
        sa.Column("op_type", sa.String(length=32), nullable=False),
        sa.Column("draft_id", sa.String(length=36), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("stale", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("client_version", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("server_version", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.String(length=16), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("conflict_id", name=op.f("pk_sync_conflicts")),
        sa.UniqueConstraint("op_id", name=op.f("uq_sync_conflicts_op_id")),
    )
    op.create_index(
        op.f("ix_sync_conflicts_draft_id"), "sync_conflicts", ["draft_id"], unique=False
    )
    op.create_index(op.f("ix_sync_conflicts_status"), "sync_conflicts", ["status"], unique=False)
    op.create_table(
        "sync_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("retained_from", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_sync_state_one_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_state")),
    )
    op.create_table(
        "terminals",
        sa.Column("terminal_id", sa.String(length=16), nullable=False),
        sa.Column("office", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("db_role", sa.String(length=63), nullable=True),
        sa.PrimaryKeyConstraint("terminal_id", name=op.f("pk_terminals")),
        sa.UniqueConstraint("db_role", name=op.f("uq_terminals_db_role")),
    )
    op.create_table(
        "households",
        sa.Column("household_no", sa.String(length=12), nullable=False),
        sa.Column("address_code", sa.String(length=11), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("banchi", sa.String(length=40), nullable=False),
        sa.Column("katagaki", sa.Text(), nullable=True),
        sa.Column("postal_code", sa.String(length=7), nullable=False),
        sa.Column("removed", sa.Boolean(), nullable=False),
        sa.Column("processed_at", sa.DateTime(), nullable=False),
        sa.Column("process_id", sa.String(length=36), nullable=False),
        sa.Column("terminal_id", sa.String(length=16), nullable=False),
        sa.Column("staff_no", sa.String(length=16), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["address_code"], ["ref_towns.code"], name=op.f("fk_households_address_code_ref_towns")
        ),
        sa.PrimaryKeyConstraint("household_no", name=op.f("pk_households")),
    )
    op.create_table(
        "persons",
        sa.Column("atena_no", sa.String(length=15), nullable=False),
        sa.Column("household_no", sa.String(length=12), nullable=False),
        sa.Column("individual_number", sa.String(length=12), nullable=True),
        sa.Column("resident_code", sa.String(length=11), nullable=True),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("family_name", sa.Text(), nullable=False),
        sa.Column("given_name", sa.Text(), nullable=False),
        sa.Column("family_name_kana", sa.Text(), nullable=False),
        sa.Column("given_name_kana", sa.Text(), nullable=False),
        sa.Column("furigana_source", sa.String(length=16), nullable=True),
        sa.Column("convenience_kana", sa.Text(), nullable=True),
        sa.Column("former_surname", sa.Text(), nullable=True),
        sa.Column("former_surname_kana", sa.Text(), nullable=True),
        sa.Column("has_gaiji", sa.Boolean(), nullable=False),
        sa.Column("birth_date", sa.String(length=10), nullable=False),
        sa.Column("birth_date_era", sa.String(length=4), nullable=True),
        sa.Column("birth_date_qualifier", sa.Text(), nullable=True),
        sa.Column("sex", sa.String(length=1), nullable=False),
        sa.Column("relationship", sa.Text(), nullable=False),
        sa.Column("household_order", sa.Integer(), nullable=False),
        sa.Column("honseki", sa.Text(), nullable=True),
        sa.Column("hittosha", sa.Text(), nullable=True),
        sa.Column("became_resident_on", sa.String(length=10), nullable=False),
        sa.Column("address_code", sa.String(length=11), nullable=False),
        sa.Column("banchi", sa.String(length=40), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("katagaki", sa.Text(), nullable=True),
        sa.Column("address_set_on", sa.String(length=10), nullable=False),
        sa.Column("notified_on", sa.Date(), nullable=True),
        sa.Column("previous_address", sa.Text(), nullable=True),
        sa.Column("move_out_planned_address", sa.Text(), nullable=True),
        sa.Column("move_out_planned_on", sa.Date(), nullable=True),
        sa.Column("move_out_confirmed_address", sa.Text(), nullable=True),
        sa.Column("move_out_confirmed_on", sa.Date(), nullable=True),
        sa.Column("removed_on", sa.String(length=10), nullable=True),
        sa.Column("removal_reason", sa.String(length=4), nullable=True),
        sa.Column("card_status", sa.String(length=12), nullable=False),
        sa.Column("card_expires_on", sa.Date(), nullable=True),
        sa.Column("is_foreign", sa.Boolean(), nullable=False),
        sa.Column("nationality", sa.Text(), nullable=True),
        sa.Column("residence_category", sa.Text(), nullable=True),
        sa.Column("residence_status", sa.Text(), nullable=True),
        sa.Column("period_of_stay", sa.Text(), nullable=True),
        sa.Column("stay_expires_on", sa.Date(), nullable=True),
        sa.Column("residence_card_no", sa.String(length=12), nullable=True),
        sa.Column("alias_name", sa.Text(), nullable=True),
        sa.Column("alias_kana", sa.Text(), nullable=True),
        sa.Column("alphabet_name", sa.Text(), nullable=True),
        sa.Column("kana_key", sa.Text(), nullable=False),
        sa.Column("given_kana_key", sa.Text(), nullable=False),
        sa.Column("name_key", sa.Text(), nullable=False),
        sa.Column("given_name_key", sa.Text(), nullable=False),
        sa.Column("processed_at", sa.DateTime(), nullable=False),
        sa.Column("process_id", sa.String(length=36), nullable=False),
        sa.Column("terminal_id", sa.String(length=16), nullable=False),
        sa.Column("staff_no", sa.String(length=16), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["address_code"], ["ref_towns.code"], name=op.f("fk_persons_address_code_ref_towns")
        ),
        sa.ForeignKeyConstraint(
            ["household_no"],
            ["households.household_no"],
            name=op.f("fk_persons_household_no_households"),
        ),
        sa.PrimaryKeyConstraint("atena_no", name=op.f("pk_persons")),
        sa.UniqueConstraint("individual_number", name=op.f("uq_persons_individual_number")),
        sa.UniqueConstraint("resident_code", name=op.f("uq_persons_resident_code")),
    )
    op.create_index("ix_persons_birth_kana", "persons", ["birth_date", "kana_key"], unique=False)
    op.create_index("ix_persons_birth_name", "persons", ["birth_date", "name_key"], unique=False)
    op.create_index("ix_persons_household", "persons", ["household_no"], unique=False)
    op.create_index("ix_persons_town_banchi", "persons", ["address_code", "banchi"], unique=False)
    op.create_index(
        "ix_persons_town_given_kana", "persons", ["address_code", "given_kana_key"], unique=False
    )
    op.create_index(
        "ix_persons_town_given_name", "persons", ["address_code", "given_name_key"], unique=False
    )
    op.create_index("ix_persons_town_kana", "persons", ["address_code", "kana_key"], unique=False)
    op.create_index("ix_persons_town_name", "persons", ["address_code", "name_key"], unique=False)
    op.create_table(
        "alias_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("atena_no", sa.String(length=15), nullable=False),
        sa.Column("alias_name", sa.Text(), nullable=False),
        sa.Column("alias_kana", sa.Text(), nullable=True),
        sa.Column("recorded_on", sa.Date(), nullable=False),
        sa.Column("recorded_by_municipality", sa.Text(), nullable=False),
        sa.Column("removed_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["atena_no"], ["persons.atena_no"], name=op.f("fk_alias_history_atena_no_persons")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alias_history")),
    )
    op.create_index(op.f("ix_alias_history_atena_no"), "alias_history", ["atena_no"], unique=False)
    op.create_table(
        "change_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("atena_no", sa.String(length=15), nullable=False),
        sa.Column("household_no", sa.String(length=12), nullable=False),
        sa.Column("change_reason", sa.String(length=4), nullable=False),
        sa.Column("change_date", sa.String(length=10), nullable=False),
        sa.Column("change_date_qualifier", sa.Text(), nullable=True),
        sa.Column("notified_on", sa.Date(), nullable=True),
        sa.Column("processed_at", sa.DateTime(), nullable=False),
        sa.Column("process_id", sa.String(length=36), nullable=False),
        sa.Column("terminal_id", sa.String(length=16), nullable=False),
        sa.Column("staff_no", sa.String(length=16), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("before", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("after", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.ForeignKeyConstraint(
            ["atena_no"], ["persons.atena_no"], name=op.f("fk_change_history_atena_no_persons")
        ),
        sa.ForeignKeyConstraint(
            ["change_reason"],
            ["ref_change_reasons.code"],
            name=op.f("fk_change_history_change_reason_ref_change_reasons"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_history")),
    )
    op.create_index("ix_change_history_person", "change_history", ["atena_no", "id"], unique=False)
    op.create_index(
        "uq_change_history_person_process",
        "change_history",
        ["atena_no", "process_id"],
        unique=True,
    )
    op.create_table(
        "individual_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("atena_no", sa.String(length=15), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("since", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["atena_no"], ["persons.atena_no"], name=op.f("fk_individual_items_atena_no_persons")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_individual_items")),
    )
    op.create_index(
        op.f("ix_individual_items_atena_no"), "individual_items", ["atena_no"], unique=False
    )

    for name in ("0001_security.sql", "0001_helpers.sql", "0001_ops.sql", "0001_api.sql"):
        run_sql_file(name)


def downgrade() -> None:
    op.execute("DROP SCHEMA sync CASCADE")
    for helper in (
        "refuse(text)",
        "caller_terminal()",
        "require_terminal()",
        "staff_may(text, text, date)",
        "require_right(text, text, date)",
        "canonical_json(jsonb)",
        "row_image(text, text)",
        "change_of(text, text)",
        "emit_changes(jsonb, uuid)",
        "upsert_image(text, text, jsonb)",
        "applied(jsonb, jsonb)",
        "restore_images(jsonb)",
        "conflict(jsonb, text, text, jsonb)",
        "supersede_conflicts(text, text)",
        "op_on(jsonb)",
        "op_audit_entry(jsonb)",
        "op_submit_draft(jsonb)",
        "op_withdraw_draft(jsonb)",
        "op_reject_draft(jsonb)",
        "stale_entry(text, text, jsonb, boolean, integer, text)",
        "op_approve_draft(jsonb)",
        "op_staff_changed(jsonb)",
        "op_terminal_changed(jsonb)",
        "op_resolve_conflict(jsonb)",
        "op_journal_entry(jsonb)",
        "apply_op(text, jsonb)",
    ):
        op.execute(f"DROP FUNCTION {helper}")
    op.execute("DROP TRIGGER audit_log_no_update ON audit_log")
    op.execute("DROP FUNCTION audit_log_append_only()")
    op.drop_index(op.f("ix_individual_items_atena_no"), table_name="individual_items")
    op.drop_table("individual_items")
    op.drop_index("uq_change_history_person_process", table_name="change_history")
    op.drop_index("ix_change_history_person", table_name="change_history")
    op.drop_table("change_history")
    op.drop_index(op.f("ix_alias_history_atena_no"), table_name="alias_history")
    op.drop_table("alias_history")
    op.drop_index("ix_persons_town_name", table_name="persons")
    op.drop_index("ix_persons_town_kana", table_name="persons")
    op.drop_index("ix_persons_town_given_name", table_name="persons")
    op.drop_index("ix_persons_town_given_kana", table_name="persons")
    op.drop_index("ix_persons_town_banchi", table_name="persons")
    op.drop_index("ix_persons_household", table_name="persons")
    op.drop_index("ix_persons_birth_name", table_name="persons")
    op.drop_index("ix_persons_birth_kana", table_name="persons")
    op.drop_table("persons")
    op.drop_table("households")
    op.drop_table("terminals")
    op.drop_table("sync_state")
    op.drop_index(op.f("ix_sync_conflicts_status"), table_name="sync_conflicts")
    op.drop_index(op.f("ix_sync_conflicts_draft_id"), table_name="sync_conflicts")
    op.drop_table("sync_conflicts")
    op.drop_table("staff")
    op.drop_table("role_permissions")
    op.drop_index(op.f("ix_ref_towns_postal_code"), table_name="ref_towns")
    op.drop_index(op.f("ix_ref_towns_name_key"), table_name="ref_towns")
    op.drop_table("ref_towns")
    op.drop_table("ref_change_reasons")
    op.drop_index(op.f("ix_op_journal_op_type"), table_name="op_journal")
    op.drop_table("op_journal")
    op.drop_table("op_actions")
    op.drop_index(op.f("ix_interface_records_draft_id"), table_name="interface_records")
    op.drop_index("ix_central_interface_queue_status", table_name="interface_records")
    op.drop_table("interface_records")
    op.drop_index(op.f("ix_drafts_status"), table_name="drafts")
    op.drop_index(op.f("ix_drafts_reviewed_at"), table_name="drafts")
    op.drop_index(op.f("ix_drafts_maker_staff_no"), table_name="drafts")
    op.drop_index("ix_drafts_late", table_name="drafts")
    op.drop_table("drafts")
    op.drop_table("change_log")
    op.drop_index(op.f("ix_audit_log_staff_no"), table_name="audit_log")
    op.drop_index(op.f("ix_audit_log_at"), table_name="audit_log")
    op.drop_index(op.f("ix_audit_log_action"), table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_index("ix_applied_ops_terminal", table_name="applied_ops")
    op.drop_table("applied_ops")
    # The roles stay: they belong to the cluster, and other databases may use them.
