"""転居 (standard/j630): a new address in the city; nothing but address and household changes."""

from __future__ import annotations

from sqlalchemy.orm import Session

from madoguchi.app.domain import intake_rules as rules
from madoguchi.app.domain.intake import IntakeForm, IntakeKind, Mover
from madoguchi.app.domain.intake_rules import Finding
from madoguchi.app.services.intake.base import IntakeService, Touched
from madoguchi.app.services.intake.household import (
    current_movers,
    destination_findings,
    display_name,
    householder_leaving_findings,
    new_household_findings,
)
from madoguchi.storage.models import Person

# What a 転居 may not change (R-INTAKE-3): every person item except address and 続柄.
_FIXED = (
    "family_name",
    "given_name",
    "family_name_kana",
    "given_name_kana",
    "birth_date",
    "sex",
    "individual_number",
    "resident_code",
    "honseki",
    "hittosha",
    "nationality",
    "residence_status",
    "residence_card_no",
)


def changed_items(mover: Mover, person: Person) -> list[str]:
    """The fixed items the form gives differently from the register (blank = unchanged)."""
    changed = []
    for name in _FIXED:
        typed = getattr(mover, name)
        if typed in (None, ""):
            continue
        if str(typed) != str(getattr(person, name) or ""):
            changed.append(name)
    return changed


class MoveWithinService(IntakeService):
    """Takes 転居届 (全部・一部, to a new or an existing household) into drafts."""

    kind = IntakeKind.MOVE_WITHIN

    def kind_findings(self, session: Session, form: IntakeForm, touched: Touched) -> list[Finding]:
        """Only the address and household change; the destination differs from now."""
        findings: list[Finding] = []
        register = current_movers(session, form, touched, findings)
        persons = {p.atena_no: p for p in register.persons}
        for mover in form.movers:
            person = persons.get(mover.atena_no or "")
            if person is not None and changed_items(mover, person):
                findings.append(
                    Finding(
                        rules.MOVE_WITHIN_CHANGES_PERSON,
                        display_name(person),
                        "、".join(changed_items(mover, person)),
                    )
                )
        destination, joined = destination_findings(session, form, touched)
        findings += destination
        current = register.household
        if destination or current is None:
            return findings
        target = form.destination
        assert target is not None
        if joined is not None:
            if joined.household_no == current.household_no:
                findings.append(Finding(rules.MERGE_TARGET_INVALID, joined.household_no))
        elif (target.address_code, target.banchi, target.katagaki or None) == (
            current.address_code,
            current.banchi,
            current.katagaki or None,
        ):
            findings.append(Finding(rules.SAME_ADDRESS))
        if joined is None and not register.whole_household:
            findings += new_household_findings(form.movers, form.relationship_changes)
        findings += householder_leaving_findings(register)
        return findings
