"""Corrections and cancellation (R-REVIEW-3, standard/j980.txt)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from madoguchi.app.domain.intake import IntakeForm, Variant
from madoguchi.app.domain.permissions import PermissionDenied, Role
from madoguchi.app.services.intake import HouseholdChangeService, MoveWithinService
from madoguchi.app.services.review.corrections import CorrectionRefused, CorrectionService
from madoguchi.app.services.review.service import ReviewService
from madoguchi.storage.models import ChangeHistory, Household, Person
from tests.app.services.intake.conftest import (
    TODAY,
    days_ago,
    family,
    identity,
    mover_of,
    new_address,
)
from tests.helpers.stores import context

_STAMPS = {"processed_at", "process_id", "terminal_id", "staff_no", "row_version"}


def household_state(store, *household_nos: str) -> dict[str, object]:
    """Households and their current members, every column but the stamps."""
    with store.transaction() as session:
        state: dict[str, object] = {}
        for number in household_nos:
            household = session.get(Household, number)
            assert household is not None
            members = session.scalars(
                select(Person).where(Person.household_no == number, Person.status == "current")
            ).all()
            state[number] = (
                {
                    c.key: getattr(household, c.key)
                    for c in Household.__table__.columns
                    if c.key not in _STAMPS
                },
                sorted(
                    (
                        {
                            c.key: getattr(m, c.key)
                            for c in Person.__table__.columns
                            if c.key not in _STAMPS
                        }
                        for m in members
                    ),
                    key=lambda row: str(row["atena_no"]),
                ),
            )
        return state


def test_clerical_correction_keeps_before_after_and_reason(store, clerk, supervisor) -> None:
    person = family(store, 1, offset=50).members[0]
    draft_id = CorrectionService(store).propose_correction(
        clerk,
        person.atena_no,
        {"given_name": person.given_name + "子"},
        reason="届書の誤記",
        kind="clerical",
    )
    ReviewService(store).approve(supervisor, draft_id)
    with store.transaction() as session:
        corrected = session.get(Person, person.atena_no)
        assert corrected is not None and corrected.given_name == person.given_name + "子"
        entry = session.scalars(
            select(ChangeHistory)
            .where(ChangeHistory.atena_no == person.atena_no)
            .order_by(ChangeHistory.id.desc())
        ).first()
        assert entry is not None
        assert entry.change_reason == "C04"
        assert entry.before is not None and entry.before["given_name"] == person.given_name
        assert entry.after is not None and entry.after["given_name"] == person.given_name + "子"
        assert "届書の誤記" in entry.summary


def test_correction_needs_the_correction_right_and_another_person(store, clerk, supervisor) -> None:
    person = family(store, 1, offset=51).members[0]
    service = CorrectionService(store)
    with pytest.raises(PermissionDenied):
        service.propose_correction(
            context(Role.CONTRACTOR), person.atena_no, {"sex": "2"}, reason="x"
        )
    draft_id = service.propose_correction(
        supervisor, person.atena_no, {"honseki": "架空県みどり市本町1番地"}, reason="戸籍照合"
    )
    from madoguchi.app.domain.separation import SeparationOfDutiesViolation

    with pytest.raises(SeparationOfDutiesViolation):
        ReviewService(store).approve(supervisor, draft_id)
    with pytest.raises(CorrectionRefused, match="続柄"):
        service.propose_correction(clerk, person.atena_no, {"relationship": "祖父"}, reason="x")
    with pytest.raises(CorrectionRefused, match="理由"):
        service.propose_correction(clerk, person.atena_no, {"sex": "2"}, reason=" ")


def test_cancellation_restores_the_previous_household_exactly(
    store, clerk, supervisor, other_supervisor
) -> None:
    home = family(store, 3, offset=52)
    before = household_state(store, home.household.household_no)
    child = home.others[0]
    form = IntakeForm(
        variant=Variant.HOUSEHOLD_SPLIT,
        moved_on=days_ago(1),
        notified_on=TODAY,
        movers=(mover_of(child, relationship="世帯主"),),
        identity_check=identity(),
    )
    saved = HouseholdChangeService(store).save(clerk, form)
    change = ReviewService(store).approve(supervisor, saved.draft_id)
    new_household = next(no for no, snap in change.households_before.items() if snap is None)
    assert household_state(store, home.household.household_no) != before
    cancel = CorrectionService(store).propose_cancellation(clerk, saved.draft_id, reason="受付誤り")
    ReviewService(store).approve(other_supervisor, cancel)
    assert household_state(store, home.household.household_no) == before
    with store.transaction() as session:
        split_off = session.get(Household, new_household)
        assert split_off is not None and split_off.removed
        codes = [
            h.change_reason
            for h in session.scalars(
                select(ChangeHistory)
                .where(ChangeHistory.atena_no == child.atena_no)
                .order_by(ChangeHistory.id)
            )
        ]
        assert codes[-2:] == ["C10", "C19"]


def test_cancelling_a_move_within_puts_the_address_back(store, clerk, supervisor) -> None:
    home = family(store, 2, offset=53)
    before = household_state(store, home.household.household_no)
    form = IntakeForm(
        variant=Variant.MOVE_WITHIN,
        moved_on=days_ago(1),
        notified_on=TODAY,
        movers=tuple(mover_of(m) for m in home.members),
        destination=new_address(store, "31-4"),
        identity_check=identity(),
    )
    saved = MoveWithinService(store).save(clerk, form)
    ReviewService(store).approve(supervisor, saved.draft_id)
    cancel = CorrectionService(store).propose_cancellation(clerk, saved.draft_id, reason="取消")
    ReviewService(store).approve(supervisor, cancel)
    assert household_state(store, home.household.household_no) == before


def test_only_approved_changes_can_be_cancelled(store, clerk) -> None:
    with pytest.raises(CorrectionRefused, match="決裁済み"):
        CorrectionService(store).propose_cancellation(clerk, "no-such-draft", reason="x")


def test_a_change_is_cancelled_only_once(store, clerk, supervisor, other_supervisor) -> None:
    home = family(store, 1, offset=54)
    form = IntakeForm(
        variant=Variant.MOVE_WITHIN,
        moved_on=days_ago(1),
        notified_on=TODAY,
        movers=(mover_of(home.members[0]),),
        destination=new_address(store, "32-5"),
        identity_check=identity(),
    )
    saved = MoveWithinService(store).save(clerk, form)
    ReviewService(store).approve(supervisor, saved.draft_id)
    service = CorrectionService(store)
    cancel = service.propose_cancellation(clerk, saved.draft_id, reason="取消")
    with pytest.raises(CorrectionRefused, match="決裁待ち"):
        service.propose_cancellation(clerk, saved.draft_id, reason="二重")
    ReviewService(store).approve(other_supervisor, cancel)
    with pytest.raises(CorrectionRefused, match="すでに取り消されて"):
        service.propose_cancellation(clerk, saved.draft_id, reason="三重")


def test_reviewers_without_the_correction_right_do_not_see_corrections(
    store, clerk, supervisor, monkeypatch
) -> None:
    from madoguchi.app.domain import permissions

    person = family(store, 1, offset=55).members[0]
    draft_id = CorrectionService(store).propose_correction(
        clerk, person.atena_no, {"katagaki": "本館"}, reason="方書の誤記", kind="clerical"
    )
    view = ReviewService(store).open(supervisor, draft_id)
    assert view.reason == "方書の誤記"
    monkeypatch.setitem(
        permissions.PERMISSIONS,
        Role.SUPERVISOR,
        permissions.PERMISSIONS[Role.SUPERVISOR] - {permissions.Action.APPROVE_CORRECTION},
    )
    assert draft_id not in {i.draft_id for i in ReviewService(store).queue(supervisor)}
