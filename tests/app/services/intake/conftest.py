"""Fixtures for the intake services: a private copy of the demo city and ready-made parts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select
from stdnum.jp import in_ as individual_number_rule

from madoguchi.app.domain.intake import (
    Destination,
    IdentityCheckRecord,
    Mover,
    NotifierKind,
)
from madoguchi.app.domain.permissions import Role
from madoguchi.storage.models import Household, Person, RefTown
from madoguchi.storage.store import LocalStore
from tests.helpers.stores import FIXED_NOW, context, copy_store

TODAY = FIXED_NOW.date()


@pytest.fixture(scope="module")
def store(demo_store: LocalStore, tmp_path_factory: pytest.TempPathFactory):
    copy = copy_store(demo_store, tmp_path_factory.mktemp("intake") / "intake.db")
    yield copy
    copy.close()


@pytest.fixture
def ctx():
    return context(Role.CLERK, staff_no="S0001")


def identity(kind: NotifierKind = NotifierKind.SELF, **changes: object) -> IdentityCheckRecord:
    """A complete identity check: the person themself with a driving licence."""
    fields: dict[str, object] = {
        "notifier_kind": kind,
        "notifier_name": "試験　届出人",
        "documents": ("P02",),
        "power_of_attorney": False,
    }
    fields.update(changes)
    return IdentityCheckRecord(**fields)  # type: ignore[arg-type]


_serial = iter(range(10_000, 99_999))


def new_number() -> str:
    """A fresh check-digit-valid synthetic 個人番号 (9 as the first digit: not in the demo)."""
    body = f"9{next(_serial):05d}{next(_serial):05d}"
    return body + individual_number_rule.calc_check_digit(body)


def newcomer(relationship: str = "世帯主", **changes: object) -> Mover:
    fields: dict[str, object] = {
        "family_name": "試験",
        "given_name": "一郎",
        "family_name_kana": "シケン",
        "given_name_kana": "イチロウ",
        "birth_date": "1980-02-17",
        "sex": "1",
        "relationship": relationship,
        "individual_number": new_number(),
    }
    fields.update(changes)
    return Mover(**fields)  # type: ignore[arg-type]


def mover_of(person: Person, **changes: object) -> Mover:
    """A mover that names a registered person (as 転出・転居・世帯変更 forms do)."""
    fields: dict[str, object] = {
        "atena_no": person.atena_no,
        "family_name": person.family_name,
        "given_name": person.given_name,
        "relationship": person.relationship,
    }
    fields.update(changes)
    return Mover(**fields)  # type: ignore[arg-type]


@dataclass
class Family:
    household: Household
    members: list[Person]

    @property
    def householder(self) -> Person:
        return next(m for m in self.members if m.relationship == "世帯主")

    @property
    def others(self) -> list[Person]:
        return [m for m in self.members if m.relationship != "世帯主"]


def family(store: LocalStore, size: int, *, offset: int = 0) -> Family:
    """A current household with exactly ``size`` current members, one of them 世帯主."""
    with store.transaction() as session:
        counts = (
            select(Person.household_no)
            .where(Person.status == "current")
            .group_by(Person.household_no)
            .having(func.count() == size)
            .order_by(Person.household_no)
        )
        for household_no in session.scalars(counts).all()[offset:]:
            members = list(
                session.scalars(
                    select(Person).where(
                        Person.household_no == household_no, Person.status == "current"
                    )
                )
            )
            if sum(m.relationship == "世帯主" for m in members) == 1:
                household = session.get(Household, household_no)
                assert household is not None
                return Family(household, members)
    raise AssertionError(f"no household of {size}")


def some_town(store: LocalStore) -> RefTown:
    with store.transaction() as session:
        town = session.scalars(select(RefTown).order_by(RefTown.code)).first()
        assert town is not None
        return town


def new_address(
    store: LocalStore, banchi: str = "99-1", katagaki: str | None = None
) -> Destination:
    town = some_town(store)
    return Destination(address_code=town.code, banchi=banchi, katagaki=katagaki)


def days_ago(days: int) -> dt.date:
    return TODAY - dt.timedelta(days=days)
