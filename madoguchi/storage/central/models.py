"""The central PostgreSQL schema: the register, the change log, applied ops, conflicts, audit.

One ``DeclarativeBase`` and one metadata for the central database (the local store has its
own). The register tables mirror the terminal's replica table for table (``Table.to_metadata``
from the local models, JSON as ``jsonb``), so a column added to the replica shows up as a
difference in the central ``alembic check`` until a central revision adds it too.

Terminals never touch these tables: their roles hold no table privileges and only call the
``SECURITY DEFINER`` functions of schema ``sync`` (``storage/central/sql``), and row-level
security is enabled on every table with no policy for them (default deny).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from madoguchi.storage.models import (
    NAMING_CONVENTION,
    AliasHistory,
    ChangeHistory,
    Draft,
    Household,
    IndividualItem,
    IssuanceHold,
    Person,
    ProtectedPerson,
    ProtectionMeasure,
    ProtectionPerpetrator,
    ProtectionRelease,
    RefChangeReason,
    RefTown,
)


class CentralBase(DeclarativeBase):
    """Declarative base of the central (PostgreSQL) schema."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: JSONB,
        list[Any]: JSONB,
    }


def _mirror(local: Table) -> Table:
    """A copy of a replica table in the central metadata, JSON columns as ``jsonb``."""
    table = local.to_metadata(CentralBase.metadata)
    for column in table.columns:
        if isinstance(column.type, JSON):
            column.type = JSONB()
    return table


def _local(model: type[Any]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


# The register and its reference data, as the replica holds them (REQUIREMENTS §2, R-DATA-6).
ref_change_reasons = _mirror(_local(RefChangeReason))
ref_towns = _mirror(_local(RefTown))
households = _mirror(_local(Household))
persons = _mirror(_local(Person))
change_history = _mirror(_local(ChangeHistory))
individual_items = _mirror(_local(IndividualItem))
alias_history = _mirror(_local(AliasHistory))
drafts = _mirror(_local(Draft))

# One history entry per person and approval: how a terminal's pulled entry is matched.
Index(
    "uq_change_history_person_process",
    change_history.c.atena_no,
    change_history.c.process_id,
    unique=True,
)

REGISTER_TABLES: tuple[Table, ...] = (
    ref_change_reasons,
    ref_towns,
    households,
    persons,
    change_history,
    individual_items,
    alias_history,
)

# 支援措置, 発行抑止 and 一時解除 (R-CERT-4, revision 0002), as the replica holds them. A measure
# travels as one image with its persons and 加害者 (view ``protection_measure_images``); the
# ids of those two tables are the centre's own (each terminal numbers its copies).
protection_measures = _mirror(_local(ProtectionMeasure))
protected_persons = _mirror(_local(ProtectedPerson))
protection_perpetrators = _mirror(_local(ProtectionPerpetrator))
issuance_holds = _mirror(_local(IssuanceHold))
protection_releases = _mirror(_local(ProtectionRelease))

PROTECTION_TABLES: tuple[Table, ...] = (
    protection_measures,
    protected_persons,
    protection_perpetrators,
    issuance_holds,
    protection_releases,
)


class Staff(CentralBase):
    """職員 accounts as every terminal must know them (R-ROLE-4); no password hash, no secret."""

    __tablename__ = "staff"

    staff_no: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    office: Mapped[str] = mapped_column(Text)
    roles: Mapped[list[Any]] = mapped_column(JSONB)
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_until: Mapped[dt.date | None] = mapped_column(Date)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    locked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    second_factor: Mapped[str | None] = mapped_column(String(16))
    password_changed_on: Mapped[dt.date | None] = mapped_column(Date)
    atena_no: Mapped[str | None] = mapped_column(String(15))
    row_version: Mapped[int] = mapped_column(Integer, default=1)


class Terminal(CentralBase):
    """端末: a counter terminal and the database role it logs in as (one per terminal)."""

    __tablename__ = "terminals"

    terminal_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    office: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    db_role: Mapped[str | None] = mapped_column(String(63), unique=True)
    # Its own lane of new 宛名番号/世帯番号 (number % 100 == lane): revision 0005.
    number_lane: Mapped[int | None] = mapped_column(SmallInteger, unique=True)

    __table_args__ = (CheckConstraint("number_lane BETWEEN 1 AND 99", name="number_lane_range"),)


class RolePermission(CentralBase):
    """The permission matrix (role × action) the sync functions check, installed from
    ``madoguchi.app.domain.permissions`` (the one place it is written) by the centre setup."""

    __tablename__ = "role_permissions"

    role: Mapped[str] = mapped_column(String(32), primary_key=True)
    action: Mapped[str] = mapped_column(String(40), primary_key=True)


class OpAction(CentralBase):
    """The action a journal op type needs (``issue_certificate`` …), installed with the matrix."""

    __tablename__ = "op_actions"

    op_type: Mapped[str] = mapped_column(String(32), primary_key=True)
    action: Mapped[str] = mapped_column(String(40))


class SyncState(CentralBase):
    """One row: the change counter and the oldest change-log entry still kept.

    ``last_seq`` is the change log's sequence. Every applying transaction takes the next
    numbers with ``UPDATE … RETURNING`` as its last step, which holds this row's lock until it
    commits: numbers are handed out in commit order, so a reader that has seen ``n`` can
    never later see a commit below ``n`` (a bare ``BIGSERIAL`` can: it numbers at insert).
    """

    __tablename__ = "sync_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    retained_from: Mapped[int] = mapped_column(BigInteger, default=1)

    __table_args__ = (CheckConstraint("id = 1", name="one_row"),)


class ChangeLogEntry(CentralBase):
    """One change as terminals pull it: the entity's full row image after the change."""

    __tablename__ = "change_log"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    entity: Mapped[str] = mapped_column(String(16))
    entity_key: Mapped[str] = mapped_column(Text)
    op_id: Mapped[str | None] = mapped_column(UUID(as_uuid=False))
    committed_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=text("now()")
    )
    image: Mapped[dict[str, Any]] = mapped_column(JSONB)


class AppliedOp(CentralBase):
    """Every op the centre has seen, by its UUID: a re-sent op gets this answer back."""

    __tablename__ = "applied_ops"

    op_id: Mapped[str] = mapped_column(UUID(as_uuid=False), primary_key=True)
    terminal_id: Mapped[str] = mapped_column(String(16))
    staff_no: Mapped[str] = mapped_column(String(16))
    op_type: Mapped[str] = mapped_column(String(32))
    received_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=text("now()")
    )
    result: Mapped[str] = mapped_column(String(12))  # applied | conflict | rejected
    response: Mapped[dict[str, Any]] = mapped_column(JSONB)

    __table_args__ = (Index("ix_applied_ops_terminal", "terminal_id", "received_at"),)


class SyncConflict(CentralBase):
    """A change based on a stale version (R-SYNC-2): kept with both versions for a supervisor."""

    __tablename__ = "sync_conflicts"

    conflict_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    op_id: Mapped[str] = mapped_column(UUID(as_uuid=False), unique=True)
    terminal_id: Mapped[str] = mapped_column(String(16))
    staff_no: Mapped[str] = mapped_column(String(16))
    op_type: Mapped[str] = mapped_column(String(32))
    draft_id: Mapped[str | None] = mapped_column(String(36), index=True)
    reason: Mapped[str] = mapped_column(Text)
    stale: Mapped[list[Any]] = mapped_column(JSONB)
    client_version: Mapped[dict[str, Any]] = mapped_column(JSONB)
    server_version: Mapped[dict[str, Any]] = mapped_column(JSONB)
    status: Mapped[str] = mapped_column(String(12), default="open", index=True)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=text("now()")
    )
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_by: Mapped[str | None] = mapped_column(String(16))
    resolution: Mapped[str | None] = mapped_column(Text)


class CentralAuditEntry(CentralBase):
    """The central copy of every terminal's audit chain (R-AUDIT-2, R-AUDIT-3).

    Entries arrive in chain order and are verified on arrival (hash and link); a trigger
    refuses UPDATE and DELETE.
    """

    __tablename__ = "audit_log"

    terminal_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    staff_no: Mapped[str] = mapped_column(String(16), index=True)
    action: Mapped[str] = mapped_column(String(32), index=True)
    target_persons: Mapped[list[Any]] = mapped_column(JSONB)
    detail: Mapped[dict[str, Any]] = mapped_column(JSONB)
    purpose: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=text("now()")
    )


class CentralInterfaceRecord(CentralBase):
    """One outbound record of an interface queue, in the order the centre applied approvals."""

    __tablename__ = "interface_records"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    record_id: Mapped[str] = mapped_column(String(36), unique=True)
    queue: Mapped[str] = mapped_column(String(32))
    record_type: Mapped[str] = mapped_column(String(40))
    draft_id: Mapped[str | None] = mapped_column(String(36), index=True)
    atena_no: Mapped[str | None] = mapped_column(String(15))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    failure_reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_central_interface_queue_status", "queue", "status", "seq"),)


class OpJournal(CentralBase):
    """Ops that only record what a terminal did (certificate issuance …), after the checks."""

    __tablename__ = "op_journal"

    op_id: Mapped[str] = mapped_column(UUID(as_uuid=False), primary_key=True)
    op_type: Mapped[str] = mapped_column(String(32), index=True)
    terminal_id: Mapped[str] = mapped_column(String(16))
    staff_no: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)


class InterfaceRun(CentralBase):
    """One run at the centre's interface queues (revision 0004): append-only.

    Delivery, resend, purge of 送付先情報, and looking at records, each with who ran it: the
    database role (``session_user``, filled in by the centre, not by the caller) and the
    staff member it named, when, on which queue, and how many records it handed over, failed,
    held back or purged. A trigger refuses UPDATE and DELETE.
    """

    __tablename__ = "interface_runs"

    run_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    recorded_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=text("now()")
    )
    db_role: Mapped[str] = mapped_column(String(63), server_default=text("session_user"))
    staff_no: Mapped[str] = mapped_column(String(16), index=True)
    terminal_id: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(24))
    queue: Mapped[str | None] = mapped_column(String(32))
    run_at: Mapped[dt.datetime] = mapped_column(DateTime)
    delivered: Mapped[int] = mapped_column(Integer)
    failed: Mapped[int] = mapped_column(Integer)
    held: Mapped[int] = mapped_column(Integer)
    purged: Mapped[int] = mapped_column(Integer)
    record_ids: Mapped[list[Any]] = mapped_column(JSONB)
    detail: Mapped[dict[str, Any]] = mapped_column(JSONB)
