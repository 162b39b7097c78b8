"""Fixtures for the certificate services: a private copy of the demo city and request makers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select

from madoguchi.app.domain.certificates import (
    DEFAULT_ITEMS,
    CertificateKind,
    Layout,
    OptionalItem,
    RequesterKind,
    Scope,
)
from madoguchi.app.domain.permissions import Role
from madoguchi.app.services.certificates import (
    CertificateRequest,
    CertificateService,
    Requester,
)
from madoguchi.storage.models import (
    IssuanceHold,
    Person,
    ProtectedPerson,
    ProtectionPerpetrator,
)
from madoguchi.storage.store import LocalStore
from tests.helpers.stores import context, copy_store

CLERK = context(Role.CLERK, staff_no="S0001", terminal="DEMO-T01")
BRANCH_CLERK = context(Role.CLERK, staff_no="S0003", terminal="DEMO-T02")
OFFICER = context(Role.PROTECTION_OFFICER, staff_no="S0007", terminal="DEMO-T01")


@pytest.fixture(scope="module")
def store(demo_store: LocalStore, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStore]:
    copy = copy_store(demo_store, tmp_path_factory.mktemp("certificates") / "certificates.db")
    yield copy
    copy.close()


@pytest.fixture(scope="module")
def service(store: LocalStore) -> CertificateService:
    return CertificateService(store)


@dataclass(frozen=True)
class Family:
    """A current household in print order is not assumed: members as the register lists them."""

    household_no: str
    members: tuple[Person, ...]

    @property
    def head(self) -> Person:
        return next(m for m in self.members if m.relationship == "世帯主")

    @property
    def others(self) -> list[Person]:
        return [m for m in self.members if m.relationship != "世帯主"]


def _unprotected(store: LocalStore) -> set[str]:
    with store.transaction() as session:
        protected = set(session.scalars(select(ProtectedPerson.atena_no)))
        protected |= {a for a in session.scalars(select(ProtectionPerpetrator.atena_no)) if a}
        held = set(session.scalars(select(IssuanceHold.atena_no))) | set(
            session.scalars(select(IssuanceHold.household_no))
        )
    return protected | held


def family(store: LocalStore, size: int, *, offset: int = 0, japanese: bool = True) -> Family:
    """A current household of ``size`` with one 世帯主, under no 支援措置 or 発行抑止."""
    excluded = _unprotected(store)
    with store.transaction() as session:
        counts = (
            select(Person.household_no)
            .where(Person.status == "current")
            .group_by(Person.household_no)
            .having(func.count() == size)
            .having(func.sum(Person.relationship == "世帯主") == 1)
            .having(func.sum(Person.is_foreign) == (0 if japanese else size))
            .order_by(Person.household_no)
        )
        found = []
        for household_no in session.scalars(counts):
            members = tuple(
                session.scalars(
                    select(Person).where(
                        Person.household_no == household_no, Person.status == "current"
                    )
                )
            )
            if household_no in excluded or any(m.atena_no in excluded for m in members):
                continue
            found.append(Family(household_no, members))
            if len(found) > offset:
                return found[offset]
    raise AssertionError(f"no household of {size}")


def requester_self(person: Person, **changes: object) -> Requester:
    fields: dict[str, object] = {
        "kind": RequesterKind.SELF,
        "name": f"{person.family_name}　{person.given_name}",
        "atena_no": person.atena_no,
        "birth_date": person.birth_date,
        "documents": ("P02",),
    }
    fields.update(changes)
    return Requester(**fields)  # type: ignore[arg-type]


def resident_copy(
    person: Person,
    *,
    requester: Requester | None = None,
    items: frozenset[OptionalItem] = DEFAULT_ITEMS,
    scope: Scope = Scope.WHOLE_HOUSEHOLD,
    layout: Layout = Layout.HOUSEHOLD,
    copies: int = 1,
    kind: CertificateKind = CertificateKind.RESIDENT_COPY,
    atena_nos: tuple[str, ...] | None = None,
) -> CertificateRequest:
    return CertificateRequest(
        kind=kind,
        atena_nos=atena_nos or (person.atena_no,),
        requester=requester or requester_self(person),
        scope=scope,
        layout=layout,
        items=items,
        copies=copies,
    )


def write(tmp_path: Path, pdf: bytes, name: str = "certificate.pdf") -> Path:
    path = tmp_path / name
    path.write_bytes(pdf)
    return path


def full_name(person: Person) -> str:
    return f"{person.family_name}{person.given_name}"
