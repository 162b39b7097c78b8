"""Checks every kind of notification shares: the identity-check step and each mover's items."""

from __future__ import annotations

import datetime as dt

from stdnum.jp import in_ as individual_number_rule

from madoguchi.app.domain import intake_rules as rules
from madoguchi.app.domain.intake import IdentityCheckRecord, IntakeForm, Mover, NotifierKind
from madoguchi.app.domain.intake_rules import Finding
from madoguchi.app.domain.kana import is_katakana_name
from madoguchi.app.domain.relationship import InvalidRelationship, validate_relationship


def identity_findings(check: IdentityCheckRecord | None, photo_codes: set[str]) -> list[Finding]:
    """R-INTAKE-4: someone with the right to notify, and enough documents seen."""
    if check is None:
        return [Finding(rules.IDENTITY_CHECK_MISSING)]
    findings: list[Finding] = []
    if check.notifier_kind == NotifierKind.OTHER:
        findings.append(Finding(rules.NOTIFIER_NO_RIGHT, check.notifier_name))
    if check.notifier_kind == NotifierKind.AGENT and not check.power_of_attorney:
        findings.append(Finding(rules.AGENT_WITHOUT_POWER_OF_ATTORNEY, check.notifier_name))
    documents = set(check.documents)
    photo = documents & photo_codes
    if not photo and len(documents) < 2:
        findings.append(Finding(rules.DOCUMENTS_INSUFFICIENT))
    return findings


def individual_number_finding(mover: Mover) -> Finding | None:
    """A typed 個人番号 must carry its check digit (R-INTAKE-3)."""
    number = mover.individual_number
    if not number:
        return None
    if not individual_number_rule.is_valid(number):
        return Finding(rules.BAD_INDIVIDUAL_NUMBER, mover.name)
    return None


def relationship_finding(mover: Mover, relationship: str) -> Finding | None:
    """続柄 must be in the j110 vocabulary; the message suggests the right form."""
    try:
        validate_relationship(relationship)
    except InvalidRelationship as problem:
        return Finding(rules.BAD_RELATIONSHIP, mover.name, str(problem))
    return None


def newcomer_findings(mover: Mover, form: IntakeForm) -> list[Finding]:
    """Items a person entering the register must have (standard j60, j590)."""
    findings: list[Finding] = []
    required = (
        mover.family_name,
        mover.family_name_kana,
        mover.birth_date,
        mover.sex,
        mover.relationship,
    )
    if not all(value.strip() for value in required):
        findings.append(Finding(rules.REQUIRED_MISSING, mover.name))
    for kana in (mover.family_name_kana, mover.given_name_kana):
        if kana and not is_katakana_name(kana):
            findings.append(Finding(rules.KANA_NOT_KATAKANA, mover.name, kana))
            break
    if mover.birth_date:
        try:
            birth = dt.date.fromisoformat(mover.birth_date)
        except ValueError:
            findings.append(Finding(rules.BAD_DATE, mover.name, mover.birth_date))
        else:
            if form.moved_on is not None and birth > form.moved_on:
                findings.append(Finding(rules.BIRTH_AFTER_MOVE, mover.name))
    if mover.is_foreign and not (
        mover.residence_status and mover.stay_expires_on and mover.residence_card_no
    ):
        findings.append(Finding(rules.RESIDENCE_ITEMS_MISSING, mover.name))
    if mover.relationship:
        finding = relationship_finding(mover, mover.relationship)
        if finding is not None:
            findings.append(finding)
    number = individual_number_finding(mover)
    if number is not None:
        findings.append(number)
    return findings


def duplicate_findings(form: IntakeForm) -> list[Finding]:
    """No one listed twice (by 宛名番号 or 個人番号)."""
    seen: set[str] = set()
    for mover in form.movers:
        for key in (mover.atena_no, mover.individual_number):
            if not key:
                continue
            if key in seen:
                return [Finding(rules.DUPLICATE_MOVER, mover.name)]
            seen.add(key)
    return []
