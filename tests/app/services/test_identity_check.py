"""The identity check's service (R-CARD-2, R-CARD-4, R-CARD-6): the card beside the register,
the 個人番号 only as match / no match, audit entries without number or PIN, and who may."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from madoguchi.app.demo_city.cards import DEMO_AUTH_PIN, DEMO_TEXT_PIN, card_address
from madoguchi.app.domain.permissions import PermissionDenied, Role
from madoguchi.app.services.identity_check import (
    MASKED_NUMBER,
    Agreement,
    IdentityCheckService,
    compare_card,
)
from madoguchi.smartcard.card_data import BasicFour, CardFace
from madoguchi.smartcard.genuineness import Genuineness
from madoguchi.storage.audit import audit_entries
from madoguchi.storage.models import Person
from madoguchi.storage.store import LocalStore
from tests.helpers.stores import FIXED_NOW, context, copy_store

SEXES = {"1": "male", "2": "female", "9": "not_applicable"}


def face_of(person: Person, **changes: object) -> CardFace:
    """The card this resident would carry (as the demo city's virtual cards do)."""
    assert person.individual_number is not None
    four = BasicFour(
        name=f"{person.family_name}　{person.given_name}",
        address=card_address(person),
        birth_date=dt.date.fromisoformat(person.birth_date),
        sex=SEXES[person.sex],  # type: ignore[arg-type]
    )
    four = dataclasses.replace(four, **changes)  # type: ignore[arg-type]
    return CardFace(person.individual_number, four, 3)


def find_person(store: LocalStore, *conditions: object) -> Person:
    with store.transaction() as session:
        person = session.scalars(
            select(Person).where(
                Person.status == "current",
                Person.individual_number.is_not(None),
                Person.birth_date_qualifier.is_(None),
                Person.is_foreign.is_(False),
                Person.sex.in_(SEXES),
                *conditions,  # type: ignore[arg-type]
            )
        ).first()
    assert person is not None
    return person


@pytest.fixture(scope="module")
def store(demo_store: LocalStore, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStore]:
    """A private copy: these tests read back the audit entries they write."""
    copy = copy_store(demo_store, tmp_path_factory.mktemp("identity") / "identity.db")
    yield copy
    copy.close()


def test_the_card_of_the_resident_agrees_everywhere(store: LocalStore) -> None:
    person = find_person(store)
    comparison = compare_card(face_of(person), person)
    assert [item.label for item in comparison.items] == ["氏名", "住所", "生年月日", "性別"]
    assert all(item.agreement == Agreement.SAME for item in comparison.items)
    assert comparison.differences == ()
    assert comparison.individual_number_agreement == Agreement.SAME
    assert comparison.individual_number_shown == MASKED_NUMBER
    assert person.individual_number is not None
    assert person.individual_number not in repr(comparison)


def test_a_variant_spelling_is_told_apart_from_a_difference(store: LocalStore) -> None:
    person = find_person(store, Person.family_name == "高橋")
    face = face_of(person, name=f"髙橋　{person.given_name}")
    comparison = compare_card(face, person)
    by_label = {item.label: item.agreement for item in comparison.items}
    assert by_label["氏名"] == Agreement.VARIANT
    assert [item.label for item in comparison.differences] == ["氏名"]

    moved = compare_card(face_of(person, address="架空県みどり市どこか町１－１"), person)
    assert {item.label: item.agreement for item in moved.items}["住所"] == Agreement.DIFFERENT


def test_another_persons_number_does_not_match(store: LocalStore) -> None:
    person = find_person(store)
    other = find_person(store, Person.atena_no != person.atena_no)
    assert other.individual_number is not None
    face = dataclasses.replace(face_of(person), individual_number=other.individual_number)
    assert compare_card(face, person).individual_number_agreement == Agreement.DIFFERENT


def test_without_a_register_entry_nothing_is_compared(store: LocalStore) -> None:
    person = find_person(store)
    comparison = IdentityCheckService(store).compare(
        context(Role.CLERK, staff_no="IC002"), face_of(person), None
    )
    assert comparison.atena_no is None
    assert {item.agreement for item in comparison.items} == {Agreement.NO_REGISTER}
    assert comparison.individual_number_agreement == Agreement.NO_REGISTER
    assert comparison.items[0].card_value == face_of(person).basic_four.name


def test_the_audit_entries_hold_neither_the_number_nor_a_pin(store: LocalStore) -> None:
    person = find_person(store)
    service = IdentityCheckService(store)
    ctx = context(Role.CLERK, staff_no="IC001")
    service.compare(ctx, face_of(person, address="架空県みどり市どこか町１－１"), person.atena_no)
    result = Genuineness(True, "", "CN=test", "1A2B", revocation_checked=False)
    service.record_genuineness(ctx, person.atena_no, result)
    with store.transaction() as session:
        read = [e for e in audit_entries(session, action="card_read") if e.staff_no == "IC001"]
        genuine = [
            e for e in audit_entries(session, action="card_genuineness") if e.staff_no == "IC001"
        ]
    assert len(read) == 1 and len(genuine) == 1
    assert read[0].target_persons == [person.atena_no]
    assert read[0].detail == {"individual_number": "same", "differences": ["住所"]}
    assert genuine[0].detail == {
        "genuine": True,
        "reason": "",
        "certificate_serial": "1A2B",
        "revocation_checked": False,
    }
    assert person.individual_number is not None
    for entry in (read[0], genuine[0]):
        text = json.dumps([entry.detail, entry.target_persons, entry.purpose], ensure_ascii=False)
        for secret in (person.individual_number, DEMO_TEXT_PIN, DEMO_AUTH_PIN):
            assert secret not in text


def test_check_time_is_the_context_clock_in_utc(store: LocalStore) -> None:
    at = IdentityCheckService(store).check_time(context(Role.CLERK))
    assert at.tzinfo is dt.UTC
    assert at == FIXED_NOW.replace(tzinfo=dt.timezone(dt.timedelta(hours=9))).astimezone(dt.UTC)


@pytest.mark.parametrize("role", [Role.CONTRACTOR, Role.AUDITOR, Role.ADMIN])
def test_roles_without_the_right_are_refused(store: LocalStore, role: Role) -> None:
    person = find_person(store)
    service = IdentityCheckService(store)
    with pytest.raises(PermissionDenied):
        service.compare(context(role), face_of(person), person.atena_no)
    with pytest.raises(PermissionDenied):
        service.record_genuineness(
            context(role), person.atena_no, Genuineness(True, "", None, None, False)
        )


@pytest.mark.parametrize("role", [Role.CLERK, Role.SUPERVISOR])
def test_counter_roles_may_read_cards(store: LocalStore, role: Role) -> None:
    person = find_person(store)
    comparison = IdentityCheckService(store).compare(
        context(role, staff_no="IC003"), face_of(person), person.atena_no
    )
    assert comparison.atena_no == person.atena_no
