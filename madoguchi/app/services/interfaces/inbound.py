"""Inbound records (REQUIREMENTS §10): 転出証明書情報 from 住基ネット and online reservations.

Imports read a JSON Lines file (``inbound_format``), check every record and store the good
ones; a bad record is reported with its line and field and skipped. Each record is stored
in its own savepoint, so none is half-imported, and the run's audit entry commits together
with what it imported. A record whose id is already stored is skipped (importing the same
file twice changes nothing); a different record under a stored id is reported, and the
stored one stays.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from madoguchi.app.context import ServiceContext
from madoguchi.app.domain.permissions import Action
from madoguchi.app.services.intake.prefill import record_move_out_certificate
from madoguchi.app.services.interfaces.inbound_format import (
    WHOLE_LINE,
    CertificateRecord,
    InvalidRecord,
    ReservationRecord,
    parse_certificate,
    parse_reservation,
    read_lines,
)
from madoguchi.app.services.interfaces.retention import purge_unused_certificates
from madoguchi.storage.audit import append_audit
from madoguchi.storage.models import MoveInReservation, ReceivedMoveOutCertificate
from madoguchi.storage.store import LocalStore

__all__ = [
    "ImportReport",
    "InboundFileError",
    "RecordProblem",
    "import_move_out_certificates",
    "import_reservations",
    "purge_unused_certificates",
]

_Parsed = TypeVar("_Parsed", CertificateRecord, ReservationRecord)


class InboundFileError(Exception):
    """The file itself cannot be read (missing, no permission…); nothing was imported."""


@dataclass(frozen=True)
class RecordProblem:
    """A record that was not imported: its line, the field and what is wrong."""

    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.line}行目 {self.field}: {self.message}"


@dataclass(frozen=True)
class ImportReport:
    """What one import did: ids imported, ids already there, records refused."""

    imported: tuple[str, ...]
    already: tuple[str, ...]
    problems: tuple[RecordProblem, ...]


def import_move_out_certificates(
    ctx: ServiceContext, store: LocalStore, path: Path
) -> ImportReport:
    """Import a file of 転出証明書情報 (one family per line) for 特例転入."""

    def store_one(session: Session, record: CertificateRecord) -> None:
        record_move_out_certificate(
            session,
            certificate_id=record.certificate_id,
            received_at=ctx.now(),
            from_municipality_code=record.from_municipality_code,
            from_municipality=record.from_municipality,
            former_address=record.former_address,
            moving_to_address=record.moving_to_address,
            planned_move_on=record.planned_move_on,
            householder_name=record.householder_name,
            persons=record.persons,
        )

    def stored_as(session: Session, record: CertificateRecord) -> bool | None:
        row = session.get(ReceivedMoveOutCertificate, record.certificate_id)
        if row is None:
            return None
        if row.purged_at is not None:
            return True  # received and purged before: not to be revived
        return _certificate_key(row) == _certificate_key(record)

    return _import(
        ctx,
        store,
        path,
        kind="move_out_certificates",
        parse=parse_certificate,
        record_id=lambda r: r.certificate_id,
        stored_as=stored_as,
        store_one=store_one,
    )


def import_reservations(ctx: ServiceContext, store: LocalStore, path: Path) -> ImportReport:
    """Import a file of online 転入予約 / 転出届 (引越しワンストップ), one per line."""

    def store_one(session: Session, record: ReservationRecord) -> None:
        session.add(
            MoveInReservation(
                reservation_id=record.reservation_id,
                received_at=ctx.now(),
                kind=record.kind,
                planned_move_on=record.planned_move_on,
                visit_planned_on=record.visit_planned_on,
                applicant_individual_number=record.applicant_individual_number,
                form=record.form,
            )
        )
        session.flush()

    def stored_as(session: Session, record: ReservationRecord) -> bool | None:
        row = session.get(MoveInReservation, record.reservation_id)
        if row is None:
            return None
        return _reservation_key(row) == _reservation_key(record)

    return _import(
        ctx,
        store,
        path,
        kind="move_in_reservations",
        parse=parse_reservation,
        record_id=lambda r: r.reservation_id,
        stored_as=stored_as,
        store_one=store_one,
    )


def _import(
    ctx: ServiceContext,
    store: LocalStore,
    path: Path,
    *,
    kind: str,
    parse: Callable[[dict[str, Any], Any], _Parsed],
    record_id: Callable[[_Parsed], str],
    stored_as: Callable[[Session, _Parsed], bool | None],
    store_one: Callable[[Session, _Parsed], None],
) -> ImportReport:
    ctx.actor.require(Action.INTERFACE_OPERATE)
    try:
        lines = list(read_lines(path))
    except OSError as exc:
        raise InboundFileError(
            f"取込ファイルを読めません（{path}）: {exc.strerror or exc}"
        ) from exc
    imported: list[str] = []
    already: list[str] = []
    problems: list[RecordProblem] = []
    with store.transaction() as session:
        for line in lines:
            if line.data is None:
                problems.append(RecordProblem(line.number, WHOLE_LINE, line.problem or ""))
                continue
            try:
                record = parse(line.data, ctx.today())
            except InvalidRecord as exc:
                problems.append(RecordProblem(line.number, exc.field, exc.message))
                continue
            identifier = record_id(record)
            same = stored_as(session, record)
            if same is True:
                already.append(identifier)
                continue
            if same is False:
                problems.append(
                    RecordProblem(
                        line.number,
                        WHOLE_LINE,
                        f"ID {identifier} で内容の異なるデータが取込済みです"
                        "（取込済みのものを残しました）",
                    )
                )
                continue
            try:
                with session.begin_nested():
                    store_one(session, record)
            except IntegrityError:
                problems.append(
                    RecordProblem(line.number, WHOLE_LINE, "保存できませんでした（IDの重複）")
                )
                continue
            imported.append(identifier)
        append_audit(
            session,
            at=ctx.now(),
            terminal_id=ctx.terminal_id,
            staff_no=ctx.actor.staff_no,
            action=f"import_{kind}",
            detail={
                "file": path.name,
                "imported": imported,
                "already": already,
                "problems": [{"line": p.line, "field": p.field} for p in problems],
            },
        )
    return ImportReport(tuple(imported), tuple(already), tuple(problems))


def _certificate_key(row: ReceivedMoveOutCertificate | CertificateRecord) -> tuple[Any, ...]:
    return (
        row.from_municipality_code,
        row.from_municipality,
        row.former_address,
        row.moving_to_address,
        row.planned_move_on,
        row.householder_name,
        row.persons,
    )


def _reservation_key(row: MoveInReservation | ReservationRecord) -> tuple[Any, ...]:
    return (
        row.kind,
        row.planned_move_on,
        row.visit_planned_on,
        row.applicant_individual_number,
        row.form,
    )
