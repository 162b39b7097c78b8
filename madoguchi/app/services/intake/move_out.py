"""転出 (standard/j640–j670): 転出（転出証明書）, 特例転出, 国外転出."""

from __future__ import annotations

from sqlalchemy.orm import Session

from madoguchi.app.domain import intake_rules as rules
from madoguchi.app.domain.intake import IntakeForm, IntakeKind, Variant
from madoguchi.app.domain.intake_rules import Finding
from madoguchi.app.services.intake.base import IntakeService, Touched
from madoguchi.app.services.intake.household import (
    current_movers,
    display_name,
    householder_leaving_findings,
)


class MoveOutService(IntakeService):
    """Takes 転出届 into drafts; a future 異動日 (the planned date) is allowed."""

    kind = IntakeKind.MOVE_OUT

    def kind_findings(self, session: Session, form: IntakeForm, touched: Touched) -> list[Finding]:
        """Current residents of one household, a destination, and who stays behind."""
        findings: list[Finding] = []
        register = current_movers(session, form, touched, findings)
        if not (form.moving_to_address or "").strip():
            findings.append(Finding(rules.NO_DESTINATION))
        if form.variant == Variant.SPECIAL_MOVE_OUT:
            findings += [
                Finding(rules.NO_CARD_FOR_SPECIAL_MOVE_OUT, display_name(person))
                for person in register.persons
                if person.card_status != "issued"
            ]
        findings += householder_leaving_findings(register)
        return findings
