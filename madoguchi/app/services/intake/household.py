"""Reading the register for intake: the movers, their household and who stays behind."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from madoguchi.app.domain import intake_rules as rules
from madoguchi.app.domain.intake import Destination, IntakeForm, Mover
from madoguchi.app.domain.intake_rules import Finding
from madoguchi.app.domain.relationship import HOUSEHOLDER
from madoguchi.app.services.intake.base import Touched
from madoguchi.app.services.intake.checks import relationship_finding
from madoguchi.storage.models import Household, Person, RefTown


def display_name(person: Person) -> str:
    """氏名 with U+3000."""
    return f"{person.family_name}　{person.given_name}"


@dataclass
class MoversInRegister:
    """The movers as the register has them, and their (single) household."""

    persons: list[Person]
    household: Household | None
    members: list[Person]  # current members of that household, movers included

    @property
    def remaining(self) -> list[Person]:
        """Current members who do not move."""
        moving = {p.atena_no for p in self.persons}
        return [m for m in self.members if m.atena_no not in moving]

    @property
    def whole_household(self) -> bool:
        """Every current member moves (全部)."""
        return bool(self.persons) and not self.remaining


def current_movers(
    session: Session, form: IntakeForm, touched: Touched, findings: list[Finding]
) -> MoversInRegister:
    """Load the movers, who must be current residents of one household."""
    persons: list[Person] = []
    for mover in form.movers:
        person = session.get(Person, mover.atena_no) if mover.atena_no else None
        if person is None or person.status != "current":
            findings.append(Finding(rules.NOT_A_CURRENT_RESIDENT, mover.name))
            continue
        persons.append(person)
        touched.persons[person.atena_no] = person
    households = {p.household_no for p in persons}
    if form.source_household_no:
        households.add(form.source_household_no)
    if len(households) > 1:
        findings.append(Finding(rules.SEVERAL_HOUSEHOLDS))
        return MoversInRegister(persons, None, [])
    if not households:
        return MoversInRegister(persons, None, [])
    household = session.get(Household, households.pop())
    if household is None:
        findings.append(Finding(rules.NOT_A_CURRENT_RESIDENT))
        return MoversInRegister(persons, None, [])
    touched.households[household.household_no] = household
    members = list(
        session.scalars(
            select(Person).where(
                Person.household_no == household.household_no, Person.status == "current"
            )
        )
    )
    return MoversInRegister(persons, household, members)


def householder_leaving_findings(register: MoversInRegister) -> list[Finding]:
    """standard j490: the 世帯主 leaves and members remain."""
    leaving = any(p.relationship == HOUSEHOLDER for p in register.persons)
    remaining = register.remaining
    if not leaving or not remaining:
        return []
    if len(remaining) == 1:
        return [Finding(rules.SOLE_MEMBER_BECOMES_HOUSEHOLDER, display_name(remaining[0]))]
    return [Finding(rules.HOUSEHOLDER_LEAVES)]


def new_household_findings(
    movers: tuple[Mover, ...], relationships: dict[str, str]
) -> list[Finding]:
    """A new household needs exactly one 世帯主 among its members, and valid 続柄."""
    findings: list[Finding] = []
    heads = 0
    for mover in movers:
        relationship = relationships.get(mover.atena_no or "", mover.relationship)
        finding = relationship_finding(mover, relationship)
        if finding is not None:
            findings.append(finding)
        elif relationship.strip() == HOUSEHOLDER:
            heads += 1
    if heads != 1 and not any(f.rule == rules.BAD_RELATIONSHIP for f in findings):
        findings.append(Finding(rules.NO_HOUSEHOLDER))
    return findings


def destination_findings(
    session: Session, form: IntakeForm, touched: Touched, *, required: bool = True
) -> tuple[list[Finding], Household | None]:
    """The destination: an existing household (returned) or a new address in the master."""
    destination = form.destination
    if destination is None or (not destination.household_no and not destination.address_code):
        return ([Finding(rules.DESTINATION_MISSING)] if required else []), None
    if destination.household_no:
        household = session.get(Household, destination.household_no)
        if household is None or household.removed:
            return [Finding(rules.MERGE_TARGET_INVALID, destination.household_no)], None
        touched.households[household.household_no] = household
        for member in session.scalars(
            select(Person).where(
                Person.household_no == household.household_no, Person.status == "current"
            )
        ):
            touched.persons.setdefault(member.atena_no, member)
        return [], household
    findings: list[Finding] = []
    if not destination.banchi.strip():
        findings.append(Finding(rules.DESTINATION_MISSING))
    if session.get(RefTown, destination.address_code) is None:
        findings.append(Finding(rules.ADDRESS_UNKNOWN, destination.address_code or ""))
    return findings, None


def banchi_text(banchi: str, *, has_blocks: bool) -> str:
    """Canonical ``16-3`` as printed: ``16番3号`` (住居表示) or ``1234番地5`` (地番)."""
    first, _, rest = banchi.strip().partition("-")
    if has_blocks:
        return f"{first}番{rest}号" if rest else f"{first}番"
    return f"{first}番地{rest}"


def destination_address(session: Session, destination: Destination) -> str:
    """The address text of a destination as the register prints it (方書 after U+3000)."""
    if destination.household_no:
        household = session.get(Household, destination.household_no)
        if household is None:
            return ""
        return household.address + (f"　{household.katagaki}" if household.katagaki else "")
    town = session.get(RefTown, destination.address_code) if destination.address_code else None
    if town is None:
        return ""
    text = f"{town.prefecture}{town.municipality}{town.town_name}{town.chome or ''}"
    text += banchi_text(destination.banchi, has_blocks=town.chome is not None)
    return text + (f"　{destination.katagaki}" if destination.katagaki else "")


def residents_with_numbers(session: Session, mover: Mover, *, status: str) -> list[Person]:
    """Persons of ``status`` sharing the mover's 個人番号, 住民票コード or 在留カード番号."""
    conditions = []
    if mover.individual_number:
        conditions.append(Person.individual_number == mover.individual_number)
    if mover.resident_code:
        conditions.append(Person.resident_code == mover.resident_code)
    if mover.residence_card_no:
        conditions.append(Person.residence_card_no == mover.residence_card_no)
    if not conditions:
        return []
    return list(session.scalars(select(Person).where(or_(*conditions), Person.status == status)))
