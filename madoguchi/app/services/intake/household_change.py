"""世帯変更 (standard/j720–j730): 世帯分離, 世帯合併, 世帯主変更, 世帯構成変更."""

from __future__ import annotations

from sqlalchemy.orm import Session

from madoguchi.app.domain import intake_rules as rules
from madoguchi.app.domain.intake import IntakeForm, IntakeKind, Mover, Variant
from madoguchi.app.domain.intake_rules import Finding
from madoguchi.app.domain.relationship import HOUSEHOLDER
from madoguchi.app.services.intake.base import IntakeService, Touched
from madoguchi.app.services.intake.checks import relationship_finding
from madoguchi.app.services.intake.household import (
    MoversInRegister,
    current_movers,
    destination_findings,
    display_name,
    householder_leaving_findings,
    new_household_findings,
)
from madoguchi.storage.models import Person


class HouseholdChangeService(IntakeService):
    """Takes 世帯変更届 into drafts; the address does not change."""

    kind = IntakeKind.HOUSEHOLD_CHANGE

    def kind_findings(self, session: Session, form: IntakeForm, touched: Touched) -> list[Finding]:
        """The variant's own rules on top of: current residents of one household."""
        findings: list[Finding] = []
        register = current_movers(session, form, touched, findings)
        if register.household is None:
            return findings
        if form.variant == Variant.HOUSEHOLD_SPLIT:
            findings += _split(form, register)
        elif form.variant == Variant.HOUSEHOLD_MERGE:
            findings += _merge(session, form, register, touched)
        elif form.variant == Variant.HOUSEHOLDER_CHANGE:
            findings += _householder_change(form, register)
        else:
            findings += _recomposition(form, register)
        return findings


def _split(form: IntakeForm, register: MoversInRegister) -> list[Finding]:
    if register.whole_household:
        return [Finding(rules.SPLIT_WHOLE_HOUSEHOLD)]
    return new_household_findings(form.movers, form.relationship_changes) + (
        householder_leaving_findings(register)
    )


def _merge(
    session: Session, form: IntakeForm, register: MoversInRegister, touched: Touched
) -> list[Finding]:
    assert register.household is not None
    if form.destination is None or not form.destination.household_no:
        return [Finding(rules.MERGE_TARGET_INVALID)]
    findings, target = destination_findings(session, form, touched)
    if findings or target is None:
        return findings
    if target.household_no == register.household.household_no:
        return [Finding(rules.MERGE_TARGET_INVALID, target.household_no)]
    for mover in form.movers:
        relationship = form.relationship_changes.get(mover.atena_no or "", mover.relationship)
        if relationship.strip() == HOUSEHOLDER:
            findings.append(Finding(rules.BAD_RELATIONSHIP, mover.name, "合併先には世帯主がいます"))
            continue
        finding = relationship_finding(mover, relationship)
        if finding is not None:
            findings.append(finding)
    return findings + householder_leaving_findings(register)


def _householder_change(form: IntakeForm, register: MoversInRegister) -> list[Finding]:
    members = {m.atena_no: m for m in register.members}
    new_head = members.get(form.new_householder_atena_no or "")
    if new_head is None:
        return [Finding(rules.NEW_HOUSEHOLDER_NOT_MEMBER)]
    if new_head.relationship == HOUSEHOLDER:
        return [Finding(rules.NOTHING_CHANGES, display_name(new_head))]
    findings = _relationship_change_findings(form, members)
    not_reset = [
        m
        for m in register.members
        if m.atena_no != new_head.atena_no and m.atena_no not in form.relationship_changes
    ]
    findings += [
        Finding(rules.RELATIONSHIP_NOT_RESET, display_name(member)) for member in not_reset
    ]
    return findings


def _recomposition(form: IntakeForm, register: MoversInRegister) -> list[Finding]:
    members = {m.atena_no: m for m in register.members}
    if not form.relationship_changes:
        return [Finding(rules.NOTHING_CHANGES)]
    return _relationship_change_findings(form, members)


def _relationship_change_findings(form: IntakeForm, members: dict[str, Person]) -> list[Finding]:
    findings = []
    for atena_no, relationship in form.relationship_changes.items():
        if atena_no not in members:
            findings.append(Finding(rules.NOT_A_CURRENT_RESIDENT, atena_no))
            continue
        finding = relationship_finding(Mover(atena_no=atena_no), relationship)
        if finding is not None:
            findings.append(finding)
    return findings
