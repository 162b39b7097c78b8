"""Who a certificate is about, read from the register rows only (R-CERT-8).

A pending draft (仮登録) lives in its own table and never changes these rows, so nothing here
can reflect it. 住民票の写し and 記載事項証明書 take current residents, 除票の写し removed ones,
転出証明書 persons whose registered 転出 (国内転出) removed them; the members come in the
j1010 order of a 世帯連記式 certificate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from madoguchi.app.domain.certificates import (
    KIND_TITLES,
    MOVE_OUT_KINDS,
    CertificateKind,
    CertificateRefused,
    RequesterKind,
    RequestFacts,
    Scope,
)
from madoguchi.app.domain.change_reason import MOVE_OUT_DOMESTIC
from madoguchi.app.domain.relationship import HOUSEHOLDER, HouseholdMember, household_order
from madoguchi.app.services.certificates.request import CertificateRequest
from madoguchi.storage.models import Household, Person, RefIdentityDocument

__all__ = ["Subjects", "load_subjects", "request_facts"]


@dataclass(frozen=True)
class Subjects:
    """The persons of a certificate in print order, their household and its 世帯主."""

    persons: tuple[Person, ...]
    household: Household
    householder: Person | None

    @property
    def atena_nos(self) -> tuple[str, ...]:
        """The persons' 宛名番号 in print order."""
        return tuple(p.atena_no for p in self.persons)

    @property
    def address(self) -> str:
        """The address the persons share (the last one, for a 除票), with its 方書 (j1030)."""
        first = self.persons[0]
        return first.address + (f"　{first.katagaki}" if first.katagaki else "")


def _full_name(person: Person) -> str:
    return f"{person.family_name}　{person.given_name}"


def _ordered(persons: Sequence[Person]) -> tuple[Person, ...]:
    members = [
        HouseholdMember(
            atena_no=p.atena_no,
            relationship=p.relationship,
            birth_iso=p.birth_date,
            is_hittosha=bool(p.hittosha) and p.hittosha == _full_name(p),
        )
        for p in persons
    ]
    by_atena = {p.atena_no: p for p in persons}
    try:
        return tuple(by_atena[m.atena_no] for m in household_order(members))
    except ValueError:
        # A 続柄 outside the vocabulary (old data): keep the register's own order.
        return tuple(sorted(persons, key=lambda p: (p.household_order, p.atena_no)))


_CURRENT_KINDS = frozenset({CertificateKind.RESIDENT_COPY, CertificateKind.RESIDENT_ITEMS})


def _wanted_status(kind: CertificateKind) -> str:
    return "current" if kind in _CURRENT_KINDS else "removed"


def _eligible(person: Person, kind: CertificateKind) -> str | None:
    """Why ``person`` cannot be on a certificate of ``kind``, or None."""
    name = _full_name(person)
    if kind in MOVE_OUT_KINDS:
        if person.status != "removed" or person.removal_reason != MOVE_OUT_DOMESTIC.code:
            return (
                f"{name}さんには登録済みの転出（国内転出）がないため、転出証明書は交付できません。"
            )
        return None
    if person.status != _wanted_status(kind):
        other = "住民票の除票の写し" if person.status == "removed" else "住民票の写し"
        return f"{name}さんは{KIND_TITLES[kind]}の対象になりません。{other}を請求してください。"
    return None


def load_subjects(session: Session, request: CertificateRequest) -> Subjects:
    """The persons of ``request`` from the register, or CertificateRefused saying why not."""
    if not request.atena_nos:
        raise CertificateRefused("証明書の対象者を指定してください。")
    named = {
        p.atena_no: p
        for p in session.scalars(select(Person).where(Person.atena_no.in_(request.atena_nos)))
    }
    missing = [a for a in request.atena_nos if a not in named]
    if missing:
        raise CertificateRefused(f"宛名番号 {missing[0]} の住民は見つかりません。")
    household_nos = {p.household_no for p in named.values()}
    if len(household_nos) > 1:
        raise CertificateRefused(
            "1通の証明書には同じ世帯の方だけを記載できます。世帯ごとに請求してください。"
        )
    (household_no,) = household_nos
    household = session.get(Household, household_no)
    assert household is not None
    members = list(session.scalars(select(Person).where(Person.household_no == household_no)))
    if request.scope is Scope.WHOLE_HOUSEHOLD:
        first = named[request.atena_nos[0]]
        chosen = [m for m in members if _eligible(m, request.kind) is None]
        if request.kind not in _CURRENT_KINDS:
            # 除票 and 転出: the members who left together with the first one named.
            chosen = [m for m in chosen if m.removed_on == first.removed_on]
        if first not in chosen:
            problem = _eligible(first, request.kind)
            raise CertificateRefused(problem or "指定した方を含む世帯員が見つかりません。")
    else:
        for person in named.values():
            problem = _eligible(person, request.kind)
            if problem is not None:
                raise CertificateRefused(problem)
        chosen = [named[a] for a in dict.fromkeys(request.atena_nos)]
    ordered = _ordered(chosen)
    heads = [m for m in ordered if m.relationship == HOUSEHOLDER] or [
        m for m in members if m.relationship == HOUSEHOLDER and m.status == "current"
    ]
    return Subjects(ordered, household, heads[0] if heads else None)


def request_facts(
    session: Session, request: CertificateRequest, subjects: Subjects
) -> RequestFacts:
    """The facts the rules judge: requester and principal against the register, documents."""
    requester = request.requester
    on_certificate = set(subjects.atena_nos)
    household_no = subjects.household.household_no

    # For a 除票 a member who left with the persons still counts; otherwise only current ones.
    former_count = any(p.status == "removed" for p in subjects.persons)

    def in_household(atena_no: str | None) -> bool:
        if not atena_no:
            return False
        if atena_no in on_certificate:
            return True
        person = session.get(Person, atena_no)
        if person is None or person.household_no != household_no:
            return False
        return person.status == "current" or former_count

    photo_codes = set(
        session.scalars(
            select(RefIdentityDocument.code).where(RefIdentityDocument.has_photo.is_(True))
        )
    )
    documents = set(requester.documents)
    identity = bool(documents & photo_codes) or len(documents) >= 2
    return RequestFacts(
        requester_is_person=bool(requester.atena_no) and requester.atena_no in on_certificate,
        requester_in_household=in_household(requester.atena_no),
        principal_entitled=requester.kind is RequesterKind.AGENT
        and in_household(requester.principal_atena_no),
        has_foreign=any(p.is_foreign for p in subjects.persons),
        has_japanese=any(not p.is_foreign for p in subjects.persons),
        identity_confirmed=identity,
    )
