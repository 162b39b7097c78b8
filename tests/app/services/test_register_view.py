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


def test_history_entries_name_the_approved_draft_that_made_them(
    demo_store: LocalStore, tmp_path
) -> None:
    import datetime as dt

    from madoguchi.app.domain.intake import IntakeForm, Variant
    from madoguchi.app.services.intake import MoveWithinService
    from madoguchi.app.services.review.service import ReviewService
    from tests.app.services.intake.conftest import family, identity, mover_of, new_address
    from tests.helpers.stores import FIXED_NOW, copy_store

    store = copy_store(demo_store, tmp_path / "history-drafts.db")
    try:
        person = family(store, 1, offset=80).members[0]
        form = IntakeForm(
            variant=Variant.MOVE_WITHIN,
            moved_on=FIXED_NOW.date() - dt.timedelta(days=1),
            notified_on=FIXED_NOW.date(),
            movers=(mover_of(person),),
            destination=new_address(store, "41-1"),
            identity_check=identity(),
        )
        saved = MoveWithinService(store).save(context(Role.CLERK, staff_no="S0001"), form)
        ReviewService(store).approve(context(Role.SUPERVISOR, staff_no="S0005"), saved.draft_id)
        detail = RegisterViewService(store).person(context(), person.atena_no)
        *seeded, latest = detail.history
        assert latest.draft_id == saved.draft_id
        assert all(entry.draft_id is None for entry in seeded), "seeded history has no draft"
    finally:
        store.close()
