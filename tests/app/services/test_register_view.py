"""Person and household views: removed members, history, masking, audit (R-SRCH-3/4)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from madoguchi.app.domain.individual_number import MASK
from madoguchi.app.domain.permissions import PermissionDenied, Role
from madoguchi.app.services.register_view import NotFound, RegisterViewService
from madoguchi.storage.audit import audit_entries
from madoguchi.storage.models import Person
from madoguchi.storage.store import LocalStore
from tests.helpers.stores import context, household_with_removed_member


def test_household_view_lists_removed_members_and_history(demo_store: LocalStore) -> None:
    household_no = household_with_removed_member(demo_store)
    view = RegisterViewService(demo_store).household(context(), household_no)
    statuses = [m.status for m in view.members]
    assert "removed" in statuses and "current" in statuses
    assert statuses == sorted(statuses, key=lambda s: s != "current"), "current members first"
    assert view.householder
    assert view.history
    assert {h.atena_no for h in view.history} <= {m.atena_no for m in view.members}


def test_person_view_masks_restricted_items_for_a_clerk(demo_store: LocalStore) -> None:
    with demo_store.transaction() as session:
        person = session.scalars(
            select(Person).where(
                Person.individual_number.is_not(None), Person.is_foreign.is_(False)
            )
        ).first()
        assert person is not None
    detail = RegisterViewService(demo_store).person(context(Role.CLERK), person.atena_no)
    values = {f.label: f.value for f in detail.fields}
    assert values["個人番号"] == MASK
    assert values["住民票コード"] == "●" * 11
    text = repr(detail)
    assert person.individual_number not in text
    assert person.resident_code not in text
    assert detail.history


def test_person_view_is_audited(demo_store: LocalStore) -> None:
    with demo_store.transaction() as session:
        atena_no = session.scalars(select(Person.atena_no)).first()
        assert atena_no is not None
    RegisterViewService(demo_store).person(context(staff_no="V0007"), atena_no)
    with demo_store.transaction() as session:
        entries = [e for e in audit_entries(session, action="view_person") if e.staff_no == "V0007"]
    assert [e.target_persons for e in entries] == [[atena_no]]


def test_unknown_numbers_are_reported(demo_store: LocalStore) -> None:
    service = RegisterViewService(demo_store)
    with pytest.raises(NotFound):
        service.person(context(), "9999999999")
    with pytest.raises(NotFound):
        service.household(context(), "9999999999")


def test_admin_cannot_view_persons(demo_store: LocalStore) -> None:
    with pytest.raises(PermissionDenied):
        RegisterViewService(demo_store).person(context(Role.ADMIN), "0000000001")
