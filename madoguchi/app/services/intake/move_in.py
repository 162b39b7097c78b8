"""転入 (standard/j590–j620): 国内転入, 特例転入, 国外からの転入, 再転入."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from madoguchi.app.domain import intake_rules as rules
from madoguchi.app.domain.intake import IntakeForm, IntakeKind, Mover, Variant
from madoguchi.app.domain.intake_rules import Finding
from madoguchi.app.domain.kana import search_key
from madoguchi.app.services.intake.base import IntakeService, Touched
from madoguchi.app.services.intake.checks import newcomer_findings
from madoguchi.app.services.intake.household import (
    destination_findings,
    new_household_findings,
    residents_with_numbers,
)
from madoguchi.storage.models import CertificatePerson, Draft, ReceivedMoveOutCertificate


class MoveInService(IntakeService):
    """Takes 転入届 of every variant into drafts."""

    kind = IntakeKind.MOVE_IN

    def kind_findings(self, session: Session, form: IntakeForm, touched: Touched) -> list[Finding]:
        """Newcomers' items, not already residents, the destination, and the variant's source."""
        findings: list[Finding] = []
        for mover in form.movers:
            findings += newcomer_findings(mover, form)
            current = residents_with_numbers(session, mover, status="current")
            if current:
                findings.append(Finding(rules.ALREADY_RESIDENT, mover.name))
            former = residents_with_numbers(session, mover, status="removed")
            for person in former:
                # 再転入: the former record's 宛名番号 is inherited (standard j600).
                touched.persons[person.atena_no] = person
            if form.variant == Variant.RETURNING_MOVE_IN and not former:
                findings.append(Finding(rules.NO_FORMER_RECORD, mover.name))
        destination, household = destination_findings(session, form, touched)
        findings += destination
        if household is None and not destination:
            findings += _householder_findings(form)
        if form.variant == Variant.SPECIAL_MOVE_IN:
            findings += _certificate_findings(session, form)
        return findings


def _householder_findings(form: IntakeForm) -> list[Finding]:
    # Relationship errors are already reported per mover by newcomer_findings.
    return [f for f in new_household_findings(form.movers, {}) if f.rule == rules.NO_HOUSEHOLDER]


def certificate_matches(person: CertificatePerson, mover: Mover) -> bool:
    """A mover is on the certificate by 個人番号, or by kana name and birth date."""
    if mover.individual_number and person.individual_number:
        return person.individual_number == mover.individual_number
    kana = search_key(f"{mover.family_name_kana}{mover.given_name_kana}")
    return bool(kana) and person.kana_key == kana and person.birth_date == mover.birth_date


def _certificate_findings(session: Session, form: IntakeForm) -> list[Finding]:
    """特例転入 needs received 転出証明書情報 naming every mover (R-INTAKE-3)."""
    certificate = (
        session.get(ReceivedMoveOutCertificate, form.move_out_certificate_id)
        if form.move_out_certificate_id
        else None
    )
    if certificate is None or certificate.purged_at is not None:
        return [Finding(rules.NO_MATCHING_CERTIFICATE)]
    if certificate.used_by_draft_id is not None:
        used = session.get(Draft, certificate.used_by_draft_id)
        if used is not None and used.status == "approved":
            # Approval of a 特例転入 consumes the certificate; a draft only points at it.
            return [Finding(rules.NO_MATCHING_CERTIFICATE, "", "使用済み")]
    listed = list(
        session.scalars(
            select(CertificatePerson).where(
                CertificatePerson.certificate_id == certificate.certificate_id
            )
        )
    )
    return [
        Finding(rules.NO_MATCHING_CERTIFICATE, mover.name)
        for mover in form.movers
        if not any(certificate_matches(person, mover) for person in listed)
    ]
