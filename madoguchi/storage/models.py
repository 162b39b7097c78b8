"""SQLAlchemy models of the terminal's local store (the register replica and local state).

One ``DeclarativeBase`` and one metadata for the local SQLite/SQLCipher database. Dates that
the law lets be odd (R-DATA-5: 年月日不詳, non-calendar days, explicit eras) are stored as
sortable ISO-like text ``YYYY-MM-DD`` (``00`` for unknown parts) plus an optional era and
qualifier column; ordinary administrative dates are real ``Date`` columns.

Every register row carries the processing stamps of the seeds (処理年月日, 処理時刻, 処理ID,
端末ID, 職員番号) and a ``row_version`` for sync (R-DATA-4).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    orm,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class LocalBase(DeclarativeBase):
    """Declarative base of the local (terminal) schema."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


class ProcessingStamp:
    """The seeds' processing stamps and the sync row version, shared by register rows."""

    processed_at: Mapped[dt.datetime] = mapped_column(DateTime)
    process_id: Mapped[str] = mapped_column(String(36))
    terminal_id: Mapped[str] = mapped_column(String(16))
    staff_no: Mapped[str] = mapped_column(String(16))
    row_version: Mapped[int] = mapped_column(Integer, default=1)


class Household(ProcessingStamp, LocalBase):
    """世帯: a household, its number and its address."""

    __tablename__ = "households"

    household_no: Mapped[str] = mapped_column(String(12), primary_key=True)
    address_code: Mapped[str] = mapped_column(String(11), ForeignKey("ref_towns.code"))
    address: Mapped[str] = mapped_column(Text)
    banchi: Mapped[str] = mapped_column(String(40))
    katagaki: Mapped[str | None] = mapped_column(Text)
    postal_code: Mapped[str] = mapped_column(String(7))
    removed: Mapped[bool] = mapped_column(Boolean, default=False)

    members: Mapped[list[Person]] = orm.relationship(back_populates="household")


class Person(ProcessingStamp, LocalBase):
    """住民票: one record per person (current or 除票), with every item of R-DATA-1/2."""

    __tablename__ = "persons"

    atena_no: Mapped[str] = mapped_column(String(15), primary_key=True)
    household_no: Mapped[str] = mapped_column(ForeignKey("households.household_no"))
    individual_number: Mapped[str | None] = mapped_column(String(12), unique=True)
    resident_code: Mapped[str | None] = mapped_column(String(11), unique=True)
    status: Mapped[str] = mapped_column(String(8))  # "current" | "removed"

    family_name: Mapped[str] = mapped_column(Text)
    given_name: Mapped[str] = mapped_column(Text)
    family_name_kana: Mapped[str] = mapped_column(Text)
    given_name_kana: Mapped[str] = mapped_column(Text)
    furigana_source: Mapped[str | None] = mapped_column(String(16))
    convenience_kana: Mapped[str | None] = mapped_column(Text)
    former_surname: Mapped[str | None] = mapped_column(Text)
    former_surname_kana: Mapped[str | None] = mapped_column(Text)
    has_gaiji: Mapped[bool] = mapped_column(Boolean, default=False)

    birth_date: Mapped[str] = mapped_column(String(10))
    birth_date_era: Mapped[str | None] = mapped_column(String(4))
    birth_date_qualifier: Mapped[str | None] = mapped_column(Text)
    sex: Mapped[str] = mapped_column(String(1))  # 1 男, 2 女 (住基 codes)
    relationship: Mapped[str] = mapped_column(Text)
    household_order: Mapped[int] = mapped_column(Integer, default=0)

    honseki: Mapped[str | None] = mapped_column(Text)
    hittosha: Mapped[str | None] = mapped_column(Text)

    became_resident_on: Mapped[str] = mapped_column(String(10))
    address_code: Mapped[str] = mapped_column(String(11), ForeignKey("ref_towns.code"))
    banchi: Mapped[str] = mapped_column(String(40))  # canonical "3-12" form
    address: Mapped[str] = mapped_column(Text)  # display form, town + 番地
    katagaki: Mapped[str | None] = mapped_column(Text)
    address_set_on: Mapped[str] = mapped_column(String(10))
    notified_on: Mapped[dt.date | None] = mapped_column(Date)
    previous_address: Mapped[str | None] = mapped_column(Text)
    move_out_planned_address: Mapped[str | None] = mapped_column(Text)
    move_out_planned_on: Mapped[dt.date | None] = mapped_column(Date)
    move_out_confirmed_address: Mapped[str | None] = mapped_column(Text)
    move_out_confirmed_on: Mapped[dt.date | None] = mapped_column(Date)
    removed_on: Mapped[str | None] = mapped_column(String(10))
    removal_reason: Mapped[str | None] = mapped_column(String(4))

    card_status: Mapped[str] = mapped_column(String(12), default="none")
    card_expires_on: Mapped[dt.date | None] = mapped_column(Date)

    is_foreign: Mapped[bool] = mapped_column(Boolean, default=False)
    nationality: Mapped[str | None] = mapped_column(Text)
    residence_category: Mapped[str | None] = mapped_column(Text)  # 第30条の45区分
    residence_status: Mapped[str | None] = mapped_column(Text)  # 在留資格
    period_of_stay: Mapped[str | None] = mapped_column(Text)
    stay_expires_on: Mapped[dt.date | None] = mapped_column(Date)
    residence_card_no: Mapped[str | None] = mapped_column(String(12))
    alias_name: Mapped[str | None] = mapped_column(Text)  # 通称
    alias_kana: Mapped[str | None] = mapped_column(Text)
    alphabet_name: Mapped[str | None] = mapped_column(Text)

    # Derived search keys (R-DATA-5): never typed, always computed from the names.
    kana_key: Mapped[str] = mapped_column(Text)
    given_kana_key: Mapped[str] = mapped_column(Text)
    name_key: Mapped[str] = mapped_column(Text)
    given_name_key: Mapped[str] = mapped_column(Text)

    household: Mapped[Household] = orm.relationship(back_populates="members")
    history: Mapped[list[ChangeHistory]] = orm.relationship(
        back_populates="person", order_by="ChangeHistory.id"
    )

    __table_args__ = (
        Index("ix_persons_birth_kana", "birth_date", "kana_key"),
        Index("ix_persons_birth_name", "birth_date", "name_key"),
        Index("ix_persons_town_kana", "address_code", "kana_key"),
        Index("ix_persons_town_name", "address_code", "name_key"),
        Index("ix_persons_town_given_kana", "address_code", "given_kana_key"),
        Index("ix_persons_town_given_name", "address_code", "given_name_key"),
        Index("ix_persons_town_banchi", "address_code", "banchi"),
        Index("ix_persons_household", "household_no"),
    )


class AliasHistory(LocalBase):
    """通称履歴: every 通称 a foreign resident has had, with when and where it was recorded."""

    __tablename__ = "alias_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    atena_no: Mapped[str] = mapped_column(ForeignKey("persons.atena_no"), index=True)
    alias_name: Mapped[str] = mapped_column(Text)
    alias_kana: Mapped[str | None] = mapped_column(Text)
    recorded_on: Mapped[dt.date] = mapped_column(Date)
    recorded_by_municipality: Mapped[str] = mapped_column(Text)
    removed_on: Mapped[dt.date | None] = mapped_column(Date)


class IndividualItem(LocalBase):
    """個別事項: 選挙人名簿資格, 国保, 後期高齢, 介護, 国年, 児童手当."""

    __tablename__ = "individual_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    atena_no: Mapped[str] = mapped_column(ForeignKey("persons.atena_no"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(Text)
    since: Mapped[dt.date | None] = mapped_column(Date)


class ChangeHistory(LocalBase):
    """異動履歴: one entry per change of a person (R-DATA-1, R-DATA-3: never rewritten)."""

    __tablename__ = "change_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    atena_no: Mapped[str] = mapped_column(ForeignKey("persons.atena_no"))
    household_no: Mapped[str] = mapped_column(String(12))
    change_reason: Mapped[str] = mapped_column(String(4), ForeignKey("ref_change_reasons.code"))
    change_date: Mapped[str] = mapped_column(String(10))
    change_date_qualifier: Mapped[str | None] = mapped_column(Text)
    notified_on: Mapped[dt.date | None] = mapped_column(Date)
    processed_at: Mapped[dt.datetime] = mapped_column(DateTime)
    process_id: Mapped[str] = mapped_column(String(36))
    terminal_id: Mapped[str] = mapped_column(String(16))
    staff_no: Mapped[str] = mapped_column(String(16))
    summary: Mapped[str] = mapped_column(Text)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    person: Mapped[Person] = orm.relationship(back_populates="history")

    __table_args__ = (Index("ix_change_history_person", "atena_no", "id"),)


class OutboxEntry(LocalBase):
    """An op waiting to be pushed to the centre; written in the same transaction as its change."""

    __tablename__ = "outbox"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    op_id: Mapped[str] = mapped_column(String(36), unique=True)
    op_type: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    terminal_id: Mapped[str] = mapped_column(String(16))
    staff_no: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(12), default="pending")

    # The queue (pending, in order) and the status bar's depth read it by state.
    __table_args__ = (Index("ix_outbox_state_seq", "state", "seq"),)


class AuditEntry(LocalBase):
    """監査ログ: one append-only entry per search, view, login… (R-AUDIT-1, R-SRCH-4).

    Entries are hash-chained per terminal (R-AUDIT-2): ``seq`` counts 1, 2, 3… on each
    terminal, ``prev_hash`` is the previous entry's ``entry_hash`` and ``entry_hash`` covers
    every field and ``prev_hash``. Triggers refuse UPDATE and DELETE.
    """

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    terminal_id: Mapped[str] = mapped_column(String(16))
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    staff_no: Mapped[str] = mapped_column(String(16), index=True)
    action: Mapped[str] = mapped_column(String(32), index=True)
    target_persons: Mapped[list[Any]] = mapped_column(JSON)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)
    purpose: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (UniqueConstraint("terminal_id", "seq"),)


class StaffMember(LocalBase):
    """職員: a personal staff account with its roles and credentials (R-ROLE-1, R-ROLE-4).

    The password is kept only as an argon2id hash. ``failed_logins`` counts consecutive
    failures; the fifth locks the account (``locked_at``) until an admin unlocks it.
    """

    __tablename__ = "staff"

    staff_no: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    office: Mapped[str] = mapped_column(Text)
    roles: Mapped[list[Any]] = mapped_column(JSON)
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_until: Mapped[dt.date | None] = mapped_column(Date)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    password_hash: Mapped[str | None] = mapped_column(Text, default=None)
    password_changed_on: Mapped[dt.date | None] = mapped_column(Date, default=None)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_at: Mapped[dt.datetime | None] = mapped_column(DateTime, default=None)
    second_factor: Mapped[str | None] = mapped_column(String(16), default=None)
    totp_secret: Mapped[str | None] = mapped_column(String(64), default=None)
    totp_last_step: Mapped[int | None] = mapped_column(Integer, default=None)
    atena_no: Mapped[str | None] = mapped_column(String(15), default=None)
    row_version: Mapped[int] = mapped_column(Integer, default=1)


class Terminal(LocalBase):
    """端末: a registered counter terminal."""

    __tablename__ = "terminals"

    terminal_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    office: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The centre's lane for this terminal's new 宛名番号/世帯番号 (None: a standalone store).
    number_lane: Mapped[int | None] = mapped_column(SmallInteger)


class RefTown(LocalBase):
    """Address master (町字): 11-digit address code, names, kana and postal code (R-DATA-6)."""

    __tablename__ = "ref_towns"

    code: Mapped[str] = mapped_column(String(11), primary_key=True)
    prefecture: Mapped[str] = mapped_column(Text)
    municipality: Mapped[str] = mapped_column(Text)
    town_name: Mapped[str] = mapped_column(Text)
    chome: Mapped[str | None] = mapped_column(Text)
    kana: Mapped[str] = mapped_column(Text)
    postal_code: Mapped[str] = mapped_column(String(7), index=True)
    name_key: Mapped[str] = mapped_column(Text, index=True)


class RefChangeReason(LocalBase):
    """異動事由 codes (standard/j210.txt)."""

    __tablename__ = "ref_change_reasons"

    code: Mapped[str] = mapped_column(String(4), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(8))


class RefIdentityDocument(LocalBase):
    """本人確認書類: identity-document kinds; photo IDs count alone, others in pairs."""

    __tablename__ = "ref_identity_documents"

    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    has_photo: Mapped[bool] = mapped_column(Boolean)


class StoreMeta(LocalBase):
    """Key/value facts about this store (municipality, demo seed, data as of…)."""

    __tablename__ = "store_meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Draft(LocalBase):
    """仮登録: a notification as the counter saved it, waiting for review (R-INTAKE-6).

    The register does not change until a supervisor approves it (R-REVIEW). ``form`` is the
    whole notification as typed (``app.domain.intake.form_to_json``); ``base_versions`` are the
    ``row_version`` of every person and household it touches when it was saved, so approval
    can see that the register moved underneath it (R-REVIEW-5).
    """

    __tablename__ = "drafts"

    draft_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    variant: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(12), index=True)  # draft|withdrawn|rejected|approved
    maker_staff_no: Mapped[str] = mapped_column(String(16), index=True)
    terminal_id: Mapped[str] = mapped_column(String(16))
    office: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    moved_on: Mapped[dt.date | None] = mapped_column(Date)
    notified_on: Mapped[dt.date] = mapped_column(Date)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    ex_officio: Mapped[bool] = mapped_column(Boolean, default=False)
    summary: Mapped[str] = mapped_column(Text)
    target_persons: Mapped[list[Any]] = mapped_column(JSON)
    form: Mapped[dict[str, Any]] = mapped_column(JSON)
    base_versions: Mapped[dict[str, Any]] = mapped_column(JSON)
    confirmed_alerts: Mapped[list[Any]] = mapped_column(JSON)
    status_reason: Mapped[str | None] = mapped_column(Text)
    reviewer_staff_no: Mapped[str | None] = mapped_column(String(16))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(DateTime, index=True)
    process_id: Mapped[str | None] = mapped_column(String(36))
    applied: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    row_version: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (Index("ix_drafts_late", "late", "notified_on"),)


class ReceivedMoveOutCertificate(LocalBase):
    """転出証明書情報 received over 住基ネット for a 特例転入 (standard/j610.txt).

    Kept until a 特例転入 uses it or the set period passes (then purged, with a log entry).
    ``persons`` lists the movers as the former municipality recorded them.
    """

    __tablename__ = "received_move_out_certificates"

    certificate_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    received_at: Mapped[dt.datetime] = mapped_column(DateTime)
    from_municipality_code: Mapped[str] = mapped_column(String(6))
    from_municipality: Mapped[str] = mapped_column(Text)
    former_address: Mapped[str] = mapped_column(Text)
    moving_to_address: Mapped[str] = mapped_column(Text)
    planned_move_on: Mapped[dt.date] = mapped_column(Date)
    householder_name: Mapped[str] = mapped_column(Text)
    persons: Mapped[list[Any]] = mapped_column(JSON)
    used_by_draft_id: Mapped[str | None] = mapped_column(String(36))
    purged_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class CertificatePerson(LocalBase):
    """One mover of a received 転出証明書情報, indexed for matching at the counter."""

    __tablename__ = "received_move_out_persons"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    certificate_id: Mapped[str] = mapped_column(
        ForeignKey("received_move_out_certificates.certificate_id")
    )
    individual_number: Mapped[str | None] = mapped_column(String(12), index=True)
    resident_code: Mapped[str | None] = mapped_column(String(11), index=True)
    kana_key: Mapped[str] = mapped_column(Text)
    birth_date: Mapped[str] = mapped_column(String(10))

    __table_args__ = (Index("ix_received_person_kana_birth", "kana_key", "birth_date"),)


class MoveInReservation(LocalBase):
    """An online 転出届 / 転入予約 (引越しワンストップ) that prefills the counter's form."""

    __tablename__ = "move_in_reservations"

    reservation_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    received_at: Mapped[dt.datetime] = mapped_column(DateTime)
    kind: Mapped[str] = mapped_column(String(20))  # move_in | move_out
    planned_move_on: Mapped[dt.date | None] = mapped_column(Date)
    visit_planned_on: Mapped[dt.date | None] = mapped_column(Date)
    applicant_individual_number: Mapped[str | None] = mapped_column(String(12), index=True)
    form: Mapped[dict[str, Any]] = mapped_column(JSON)
    used_by_draft_id: Mapped[str | None] = mapped_column(String(36))


class InterfaceRecord(LocalBase):
    """One outbound record of an interface queue (R-IF-1, REQUIREMENTS §10).

    Written by approval in the same transaction as the register change, in approval order
    (``seq`` grows across all queues). ``record_id`` makes re-delivery idempotent: the
    consumer sees the same id again. ``status`` is pending / delivered / failed.
    """

    __tablename__ = "interface_records"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    record_id: Mapped[str] = mapped_column(String(36), unique=True)
    queue: Mapped[str] = mapped_column(String(32), index=True)
    record_type: Mapped[str] = mapped_column(String(40))
    draft_id: Mapped[str | None] = mapped_column(String(36), index=True)
    atena_no: Mapped[str | None] = mapped_column(String(15))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    failure_reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_interface_queue_status", "queue", "status", "seq"),)


class InterfaceConsumer(LocalBase):
    """A department system that receives 庁内連携 change events (R-IF, R-MASK-4).

    Only a consumer registered as entitled (個人番号利用事務) receives the 個人番号.
    """

    __tablename__ = "interface_consumers"

    consumer_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    entitled_to_individual_number: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class ReconciliationSignOff(LocalBase):
    """The next-day reconciliation of one day's registered changes, signed off (R-REVIEW-4)."""

    __tablename__ = "reconciliation_signoffs"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    office: Mapped[str] = mapped_column(Text, primary_key=True)
    signed_by: Mapped[str] = mapped_column(String(16))
    signed_at: Mapped[dt.datetime] = mapped_column(DateTime)
    changes: Mapped[int] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)


class ProtectionMeasure(LocalBase):
    """支援措置 (standard/j160, j440): one request for support, its period and what it stops.

    ``ends_on`` is one year after ``starts_on`` unless corrected; an extension moves it one
    more year. The measure stays in force until it is ended (``ended_on``): a period that ran
    out only raises an alert (j410: 抑止は自動的に終了しない). ``provisional`` marks a
    仮支援措置. ``restricted`` lists the work it stops (写しの交付, 閲覧, 附票の写し).
    """

    __tablename__ = "protection_measures"

    measure_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    extensions: Mapped[int] = mapped_column(Integer, default=0)
    restricted: Mapped[list[Any]] = mapped_column(JSON)
    contact: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    registered_by: Mapped[str] = mapped_column(String(16))
    registered_at: Mapped[dt.datetime] = mapped_column(DateTime)
    ended_on: Mapped[dt.date | None] = mapped_column(Date, index=True)
    ended_by: Mapped[str | None] = mapped_column(String(16))
    end_reason: Mapped[str | None] = mapped_column(Text)
    row_version: Mapped[int] = mapped_column(Integer, default=1)


class ProtectedPerson(LocalBase):
    """A person a 支援措置 protects: the 申出者 or one who 併せて支援を求める (j160)."""

    __tablename__ = "protected_persons"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    measure_id: Mapped[str] = mapped_column(ForeignKey("protection_measures.measure_id"))
    atena_no: Mapped[str] = mapped_column(String(15), index=True)
    role: Mapped[str] = mapped_column(String(12))  # applicant | accompanying
    relation_to_applicant: Mapped[str | None] = mapped_column(Text)


class ProtectionPerpetrator(LocalBase):
    """The 加害者 named in a 支援措置: a resident (宛名番号) or just a name and birth date."""

    __tablename__ = "protection_perpetrators"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    measure_id: Mapped[str] = mapped_column(ForeignKey("protection_measures.measure_id"))
    atena_no: Mapped[str | None] = mapped_column(String(15), index=True)
    name: Mapped[str] = mapped_column(Text)
    name_key: Mapped[str] = mapped_column(Text, index=True)
    birth_date: Mapped[str | None] = mapped_column(String(10))
    sex: Mapped[str | None] = mapped_column(String(1))
    address: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)


class IssuanceHold(LocalBase):
    """発行抑止 (standard/j410): certificates of a person or household are stopped.

    ``level`` "error" blocks issuance until a 支援措置責任者 releases one request; "alert"
    only warns. Passing ``ends_on`` does not lift it: only ``lifted_on`` does.
    """

    __tablename__ = "issuance_holds"

    hold_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    atena_no: Mapped[str | None] = mapped_column(String(15), index=True)
    household_no: Mapped[str | None] = mapped_column(String(12), index=True)
    level: Mapped[str] = mapped_column(String(8))
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date | None] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    set_by: Mapped[str] = mapped_column(String(16))
    set_at: Mapped[dt.datetime] = mapped_column(DateTime)
    lifted_on: Mapped[dt.date | None] = mapped_column(Date)
    lifted_by: Mapped[str | None] = mapped_column(String(16))
    lift_reason: Mapped[str | None] = mapped_column(Text)
    row_version: Mapped[int] = mapped_column(Integer, default=1)


class ProtectionRelease(LocalBase):
    """一時解除: a 支援措置責任者's review of ONE certificate request that a measure blocks.

    The clerk asks (``pending``); another staff member with the right releases or refuses it;
    a release is good for that exact request (``request_digest``) until ``valid_until`` and is
    used up by the issuance (j410: 一時解除 returns to the blocked state by itself).
    """

    __tablename__ = "protection_releases"

    release_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    request_digest: Mapped[str] = mapped_column(String(64))
    request: Mapped[dict[str, Any]] = mapped_column(JSON)
    target_persons: Mapped[list[Any]] = mapped_column(JSON)
    requested_by: Mapped[str] = mapped_column(String(16))
    requested_at: Mapped[dt.datetime] = mapped_column(DateTime)
    terminal_id: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), index=True)  # pending|released|refused|used
    decided_by: Mapped[str | None] = mapped_column(String(16))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    valid_until: Mapped[dt.datetime | None] = mapped_column(DateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    used_by_issue: Mapped[str | None] = mapped_column(String(36))


class CertificateIssue(LocalBase):
    """交付履歴 (standard/j300, R-CERT-6): one issuance, with every item the law asks to keep.

    ``request`` is the request as made, so a reprint can be issued again (with new 発行番号,
    ``reprint_of`` naming this one). ``disposed_*`` is the 処分情報 of a spoiled copy.
    ``offline`` marks an issuance made while the centre was unreachable, from the terminal's
    replica as of ``data_as_of`` (R-SYNC-3, R-CERT-8); the op carrying the log says so too.
    """

    __tablename__ = "certificate_issues"

    issue_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    office: Mapped[str] = mapped_column(Text)
    terminal_id: Mapped[str] = mapped_column(String(16))
    staff_no: Mapped[str] = mapped_column(String(16), index=True)
    requester_kind: Mapped[str] = mapped_column(String(20))
    requester_name: Mapped[str] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(24))
    scope: Mapped[str] = mapped_column(String(20))
    layout: Mapped[str] = mapped_column(String(12))
    target_persons: Mapped[list[Any]] = mapped_column(JSON)
    items: Mapped[list[Any]] = mapped_column(JSON)
    individual_number_printed: Mapped[bool] = mapped_column(Boolean)
    resident_code_printed: Mapped[bool] = mapped_column(Boolean)
    copies: Mapped[int] = mapped_column(Integer)
    pages: Mapped[int] = mapped_column(Integer)
    issue_numbers: Mapped[list[Any]] = mapped_column(JSON)
    fee: Mapped[int] = mapped_column(Integer)
    official: Mapped[bool] = mapped_column(Boolean)
    delivery: Mapped[str] = mapped_column(String(24))
    release_id: Mapped[str | None] = mapped_column(String(36))
    reprint_of: Mapped[str | None] = mapped_column(String(36), index=True)
    data_as_of: Mapped[str] = mapped_column(Text)
    offline: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    request: Mapped[dict[str, Any]] = mapped_column(JSON)
    disposed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    disposed_by: Mapped[str | None] = mapped_column(String(16))
    disposal_reason: Mapped[str | None] = mapped_column(Text)


class CertificateCopy(LocalBase):
    """One copy (通) of an issuance and its 発行番号, unique across every terminal (j1040)."""

    __tablename__ = "certificate_copies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    issue_id: Mapped[str] = mapped_column(ForeignKey("certificate_issues.issue_id"), index=True)
    issue_no: Mapped[str] = mapped_column(String(96), unique=True)
    copy_index: Mapped[int] = mapped_column(Integer)
    atena_nos: Mapped[list[Any]] = mapped_column(JSON)
    pages: Mapped[int] = mapped_column(Integer)


class IssueNumberSequence(LocalBase):
    """The last 発行番号 sequence used by a terminal on a day (the sequence restarts daily)."""

    __tablename__ = "issue_number_sequences"

    terminal_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
