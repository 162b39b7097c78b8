"""Masking in one place (R-MASK-1…3): per-role show/hide, reveal with a reason, audited."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from madoguchi.app.domain.individual_number import MASK
from madoguchi.app.domain.permissions import PermissionDenied, Role
from madoguchi.app.services.masking import (
    REVEAL_SECONDS,
    RestrictedItem,
    RevealRefused,
    RevealService,
    may_reveal,
    shown,
)
from madoguchi.app.services.register_view import RegisterViewService
from madoguchi.storage.audit import audit_entries
from madoguchi.storage.models import Person
from madoguchi.storage.store import LocalStore
from tests.helpers.stores import FIXED_NOW, context

ALL_ROLES = list(Role)


@pytest.mark.parametrize("role", ALL_ROLES)
def test_individual_number_is_masked_for_every_role_before_reveal(role: Role) -> None:
    assert shown(context(role), RestrictedItem.INDIVIDUAL_NUMBER, "123456789018") == MASK
    assert shown(context(role), RestrictedItem.RESIDENT_CODE, "12345678901") == "●" * 11


def test_honseki_and_residence_status_follow_the_role() -> None:
    assert shown(context(Role.CLERK), RestrictedItem.HONSEKI, "架空県") == "架空県"
    assert shown(context(Role.CONTRACTOR), RestrictedItem.HONSEKI, "架空県") == "（表示権限なし）"
    assert (
        shown(context(Role.CONTRACTOR), RestrictedItem.RESIDENCE_STATUS, "留学")
        == "（表示権限なし）"
    )


def test_only_entitled_roles_are_offered_a_reveal() -> None:
    assert may_reveal(context(Role.SUPERVISOR), RestrictedItem.INDIVIDUAL_NUMBER)
    for role in (Role.CLERK, Role.CONTRACTOR, Role.PROTECTION_OFFICER, Role.ADMIN, Role.AUDITOR):
        assert not may_reveal(context(role), RestrictedItem.INDIVIDUAL_NUMBER), role


def numbered_person(store: LocalStore) -> Person:
    with store.transaction() as session:
        person = session.scalars(
            select(Person).where(Person.individual_number.is_not(None)).offset(3)
        ).first()
    assert person is not None
    return person


def test_reveal_returns_the_value_for_30_seconds_and_is_audited(demo_store: LocalStore) -> None:
    person = numbered_person(demo_store)
    ctx = context(Role.SUPERVISOR, staff_no="R0001")
    revealed = RevealService(demo_store).reveal(
        ctx, person.atena_no, RestrictedItem.INDIVIDUAL_NUMBER, "本人からの申出の確認"
    )
    assert revealed.value == person.individual_number
    assert revealed.until == FIXED_NOW + dt.timedelta(seconds=REVEAL_SECONDS)
    assert person.individual_number not in repr(revealed)
    with demo_store.transaction() as session:
        entry = [e for e in audit_entries(session, action="reveal") if e.staff_no == "R0001"][-1]
    assert entry.target_persons == [person.atena_no]
    assert entry.purpose == "本人からの申出の確認"
    assert entry.detail == {"item": "individual_number"}


def test_reveal_needs_a_reason(demo_store: LocalStore) -> None:
    person = numbered_person(demo_store)
    with pytest.raises(RevealRefused, match="理由"):
        RevealService(demo_store).reveal(
            context(Role.SUPERVISOR), person.atena_no, RestrictedItem.INDIVIDUAL_NUMBER, " "
        )


@pytest.mark.parametrize("role", [Role.CLERK, Role.CONTRACTOR, Role.ADMIN, Role.AUDITOR])
def test_reveal_is_refused_to_roles_without_the_right(demo_store: LocalStore, role: Role) -> None:
    person = numbered_person(demo_store)
    with pytest.raises(PermissionDenied):
        RevealService(demo_store).reveal(
            context(role), person.atena_no, RestrictedItem.INDIVIDUAL_NUMBER, "確認のため"
        )


def test_person_view_carries_no_restricted_value_for_a_contractor(demo_store: LocalStore) -> None:
    with demo_store.transaction() as session:
        person = session.scalars(
            select(Person).where(Person.honseki.is_not(None), Person.individual_number.is_not(None))
        ).first()
    assert person is not None and person.honseki
    detail = RegisterViewService(demo_store).person(context(Role.CONTRACTOR), person.atena_no)
    text = repr(detail)
    for secret in (person.individual_number, person.resident_code, person.honseki):
        assert secret and secret not in text
    assert not any(f.revealable for f in detail.fields)
