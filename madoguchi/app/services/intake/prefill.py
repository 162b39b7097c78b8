"""書かない窓口 (R-INTAKE-5): prefill the form from the card, from received 転出証明書情報 and
from an online 転入予約, and show staff what differs instead of having them retype.

Prefill never decides: it proposes a form, and the side-by-side diff says where two sources
disagree; staff confirm. Looking at received data is a view of personal data and is audited.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from madoguchi.app.context import ServiceContext
from madoguchi.app.domain.intake import IntakeForm, Mover, Variant
from madoguchi.app.domain.kana import search_key
from madoguchi.app.domain.permissions import Action
from madoguchi.smartcard.card_data import CardFace
from madoguchi.storage.audit import append_audit
from madoguchi.storage.models import (
    CertificatePerson,
    MoveInReservation,
    ReceivedMoveOutCertificate,
)
from madoguchi.storage.store import LocalStore

CARD_SEX = {"male": "1", "female": "2", "not_applicable": "9", "unknown": ""}
COMPARED = (
    ("氏", "family_name"),
    ("名", "given_name"),
    ("生年月日", "birth_date"),
    ("性別", "sex"),
    ("個人番号", "individual_number"),
)


def mover_from_card(face: CardFace) -> Mover:
    """The 4 items and the number of a card read as a mover (no kana: the card has none)."""
    family, _, given = face.basic_four.name.partition("　")
    return Mover(
        family_name=family,
        given_name=given,
        birth_date=face.basic_four.birth_date.isoformat(),
        sex=CARD_SEX[face.basic_four.sex],
        individual_number=face.individual_number,
    )


@dataclass(frozen=True)
class ItemDifference:
    """One item of two sources side by side."""

    label: str
    left: str
    right: str
    same: bool


def compare_movers(left: Mover, right: Mover) -> tuple[ItemDifference, ...]:
    """The items of ``left`` (e.g. the card) beside ``right`` (e.g. the certificate).

    The 個人番号 is compared but shown only as 一致/不一致, never as digits.
    """
    rows = []
    for label, name in COMPARED:
        a, b = str(getattr(left, name) or ""), str(getattr(right, name) or "")
        same = a.replace("　", "") == b.replace("　", "")
        if name == "individual_number":
            a = "（一致）" if same else "（相違）"
            b = a
        rows.append(ItemDifference(label, a, b, same))
    return tuple(rows)


@dataclass(frozen=True)
class CertificateSummary:
    """A received 転出証明書情報 as a candidate for a 特例転入."""

    certificate_id: str
    from_municipality: str
    former_address: str
    planned_move_on: dt.date
    householder_name: str
    names: tuple[str, ...]


def _mover_from_certificate(person: dict[str, Any]) -> Mover:
    return Mover(
        family_name=person.get("family_name", ""),
        given_name=person.get("given_name", ""),
        family_name_kana=person.get("family_name_kana", ""),
        given_name_kana=person.get("given_name_kana", ""),
        birth_date=person.get("birth_date", ""),
        sex=person.get("sex", ""),
        relationship=person.get("relationship", ""),
        individual_number=person.get("individual_number"),
        resident_code=person.get("resident_code"),
        honseki=person.get("honseki"),
        hittosha=person.get("hittosha"),
    )


class PrefillService:
    """Finds what can prefill a notification and turns it into a proposed form."""

    def __init__(self, store: LocalStore) -> None:
        self._store = store

    def certificates_for(self, ctx: ServiceContext, mover: Mover) -> list[CertificateSummary]:
        """Unused, unpurged 転出証明書情報 naming ``mover`` (by 個人番号, or kana + birth)."""
        ctx.actor.require(Action.INTAKE)
        conditions = []
        if mover.individual_number:
            conditions.append(CertificatePerson.individual_number == mover.individual_number)
        kana = search_key(f"{mover.family_name_kana}{mover.given_name_kana}")
        if kana and mover.birth_date:
            conditions.append(
                (CertificatePerson.kana_key == kana)
                & (CertificatePerson.birth_date == mover.birth_date)
            )
        if not conditions:
            return []
        with self._store.transaction() as session:
            found = list(
                session.scalars(
                    select(ReceivedMoveOutCertificate)
                    .join(
                        CertificatePerson,
                        CertificatePerson.certificate_id
                        == ReceivedMoveOutCertificate.certificate_id,
                    )
                    .where(or_(*conditions), ReceivedMoveOutCertificate.purged_at.is_(None))
                    .distinct()
                )
            )
            self._audit(
                session, ctx, "view_move_out_certificate", [c.certificate_id for c in found]
            )
            return [
                CertificateSummary(
                    c.certificate_id,
                    c.from_municipality,
                    c.former_address,
                    c.planned_move_on,
                    c.householder_name,
                    tuple(f"{p['family_name']}　{p['given_name']}" for p in c.persons),
                )
                for c in found
            ]

    def form_from_certificate(
        self, ctx: ServiceContext, certificate_id: str, *, notified_on: dt.date
    ) -> IntakeForm:
        """A 特例転入 form proposed from a certificate: 異動日 left empty (standard j480)."""
        ctx.actor.require(Action.INTAKE)
        with self._store.transaction() as session:
            certificate = session.get(ReceivedMoveOutCertificate, certificate_id)
            if certificate is None or certificate.purged_at is not None:
                raise LookupError("転出証明書情報が見つかりません。受信状況を確認してください。")
            self._audit(session, ctx, "view_move_out_certificate", [certificate_id])
            return IntakeForm(
                variant=Variant.SPECIAL_MOVE_IN,
                moved_on=None,
                notified_on=notified_on,
                movers=tuple(_mover_from_certificate(p) for p in certificate.persons),
                previous_address=certificate.former_address,
                move_out_certificate_id=certificate.certificate_id,
            )

    def reservation_for(
        self, ctx: ServiceContext, individual_number: str, *, notified_on: dt.date
    ) -> IntakeForm | None:
        """A form proposed from an online 転入予約 / 転出届 of this applicant, if any."""
        ctx.actor.require(Action.INTAKE)
        with self._store.transaction() as session:
            reservation = session.scalars(
                select(MoveInReservation)
                .where(
                    MoveInReservation.applicant_individual_number == individual_number,
                    MoveInReservation.used_by_draft_id.is_(None),
                )
                .order_by(MoveInReservation.received_at.desc())
            ).first()
            if reservation is None:
                return None
            self._audit(session, ctx, "view_move_in_reservation", [reservation.reservation_id])
            data = reservation.form
            return IntakeForm(
                variant=Variant(data.get("variant", Variant.DOMESTIC_MOVE_IN.value)),
                moved_on=None,
                notified_on=notified_on,
                movers=tuple(_mover_from_certificate(p) for p in data.get("movers", [])),
                previous_address=data.get("previous_address"),
                moving_to_address=data.get("moving_to_address"),
                reservation_id=reservation.reservation_id,
            )

    @staticmethod
    def _audit(session: Session, ctx: ServiceContext, action: str, ids: Sequence[str]) -> None:
        append_audit(
            session,
            at=ctx.now(),
            terminal_id=ctx.terminal_id,
            staff_no=ctx.actor.staff_no,
            action=action,
            detail={"ids": list(ids)},
        )


def merge_card_into(form: IntakeForm, index: int, card: Mover) -> IntakeForm:
    """The form with mover ``index`` taking the card's items where the form has none."""
    movers = list(form.movers)
    current = movers[index]
    movers[index] = replace(
        current,
        family_name=current.family_name or card.family_name,
        given_name=current.given_name or card.given_name,
        birth_date=current.birth_date or card.birth_date,
        sex=current.sex or card.sex,
        individual_number=current.individual_number or card.individual_number,
    )
    return replace(form, movers=tuple(movers))


def record_move_out_certificate(
    session: Session,
    *,
    received_at: dt.datetime,
    from_municipality_code: str,
    from_municipality: str,
    former_address: str,
    moving_to_address: str,
    planned_move_on: dt.date,
    householder_name: str,
    persons: list[dict[str, Any]],
    certificate_id: str | None = None,
) -> ReceivedMoveOutCertificate:
    """Store one received 転出証明書情報 with its persons indexed for matching."""
    certificate = ReceivedMoveOutCertificate(
        certificate_id=certificate_id or str(uuid.uuid4()),
        received_at=received_at,
        from_municipality_code=from_municipality_code,
        from_municipality=from_municipality,
        former_address=former_address,
        moving_to_address=moving_to_address,
        planned_move_on=planned_move_on,
        householder_name=householder_name,
        persons=persons,
    )
    session.add(certificate)
    session.flush()  # the persons' foreign key needs the certificate row first
    for person in persons:
        session.add(
            CertificatePerson(
                certificate_id=certificate.certificate_id,
                individual_number=person.get("individual_number"),
                resident_code=person.get("resident_code"),
                kana_key=search_key(
                    f"{person.get('family_name_kana', '')}{person.get('given_name_kana', '')}"
                ),
                birth_date=person.get("birth_date", ""),
            )
        )
    return certificate
