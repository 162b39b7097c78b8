"""転出 and 転居 (R-INTAKE-1…3)."""

from __future__ import annotations

import datetime as dt

import pytest

from madoguchi.app.domain.intake import Destination, IntakeForm, Variant
from madoguchi.app.services.intake import (
    AlertsNotConfirmed,
    IntakeRefused,
    MoveOutService,
    MoveWithinService,
)
from madoguchi.storage.models import Draft, Person
from tests.app.services.intake.conftest import (
    TODAY,
    days_ago,
    family,
    identity,
    mover_of,
    new_address,
)


def codes(error) -> set[str]:
    found = error.findings if isinstance(error, IntakeRefused) else error.alerts
    return {f.rule.code for f in found}


def move_out(movers, variant=Variant.MOVE_OUT, **changes) -> IntakeForm:
    fields = {
        "variant": variant,
        "moved_on": TODAY + dt.timedelta(days=10),
        "notified_on": TODAY,
        "movers": tuple(movers),
        "moving_to_address": "東京都千代田区霞が関二丁目1番2号",
        "identity_check": identity(),
    }
    fields.update(changes)
    return IntakeForm(**fields)


def move_within(store, movers, **changes) -> IntakeForm:
    fields = {
        "variant": Variant.MOVE_WITHIN,
        "moved_on": days_ago(2),
        "notified_on": TODAY,
        "movers": tuple(movers),
        "destination": new_address(store, "88-8"),
        "identity_check": identity(),
    }
    fields.update(changes)
    return IntakeForm(**fields)


def test_whole_household_move_out_with_a_future_date(store, ctx) -> None:
    home = family(store, 3)
    saved = MoveOutService(store).save(ctx, move_out(mover_of(m) for m in home.members))
    with store.transaction() as session:
        draft = session.get(Draft, saved.draft_id)
        assert draft is not None
        assert set(draft.target_persons) == {m.atena_no for m in home.members}
        assert draft.base_versions["households"] == {
            home.household.household_no: home.household.row_version
        }
        # The register is unchanged: everyone is still a current resident.
        for member in home.members:
            person = session.get(Person, member.atena_no)
            assert person is not None and person.status == "current"


def test_special_move_out_needs_a_card(store, ctx) -> None:
    home = family(store, 1, offset=3)
    person = home.members[0]
    form = move_out([mover_of(person)], Variant.SPECIAL_MOVE_OUT)
    if person.card_status == "issued":
        assert MoveOutService(store).save(ctx, form).draft_id
    else:
        with pytest.raises(IntakeRefused) as refused:
            MoveOutService(store).save(ctx, form)
        assert "E33" in codes(refused.value)


def test_special_move_out_of_a_card_holder(store, ctx) -> None:
    from sqlalchemy import select

    with store.transaction() as session:
        holder = session.scalars(
            select(Person).where(
                Person.status == "current",
                Person.card_status == "issued",
                Person.relationship != "世帯主",
            )
        ).first()
        assert holder is not None
    assert (
        MoveOutService(store)
        .save(ctx, move_out([mover_of(holder)], Variant.SPECIAL_MOVE_OUT))
        .draft_id
    )


def test_move_out_abroad(store, ctx) -> None:
    home = family(store, 1, offset=5)
    form = move_out(
        [mover_of(home.members[0])], Variant.MOVE_OUT_ABROAD, moving_to_address="フランス"
    )
    assert MoveOutService(store).save(ctx, form).draft_id


def test_move_out_without_destination_is_an_error(store, ctx) -> None:
    home = family(store, 1, offset=6)
    with pytest.raises(IntakeRefused) as refused:
        MoveOutService(store).save(
            ctx, move_out([mover_of(home.members[0])], moving_to_address="  ")
        )
    assert "E07" in codes(refused.value)


def test_householder_leaving_two_members_behind_is_an_alert(store, ctx) -> None:
    home = family(store, 3, offset=1)
    form = move_out([mover_of(home.householder)])
    with pytest.raises(AlertsNotConfirmed) as asked:
        MoveOutService(store).save(ctx, form)
    assert codes(asked.value) == {"A03"}
    assert "世帯主変更" in str(asked.value)
    confirmed = {a.key for a in asked.value.alerts}
    assert MoveOutService(store).save(ctx, form, confirmed=confirmed).draft_id


def test_householder_leaving_one_member_behind_makes_them_householder(store, ctx) -> None:
    home = family(store, 2, offset=2)
    with pytest.raises(AlertsNotConfirmed) as asked:
        MoveOutService(store).save(ctx, move_out([mover_of(home.householder)]))
    assert codes(asked.value) == {"A04"}


def test_late_move_out_is_recorded_ex_officio(store, ctx) -> None:
    home = family(store, 1, offset=7)
    form = move_out([mover_of(home.members[0])], moved_on=days_ago(20))
    with pytest.raises(AlertsNotConfirmed) as asked:
        MoveOutService(store).save(ctx, form)
    assert codes(asked.value) == {"A02"}
    saved = MoveOutService(store).save(ctx, form, confirmed={a.key for a in asked.value.alerts})
    assert saved.late and saved.ex_officio


def test_move_out_of_someone_not_resident_is_an_error(store, ctx) -> None:
    from sqlalchemy import select

    with store.transaction() as session:
        gone = session.scalars(select(Person).where(Person.status == "removed")).first()
        assert gone is not None
    with pytest.raises(IntakeRefused) as refused:
        MoveOutService(store).save(ctx, move_out([mover_of(gone)]))
    assert "E17" in codes(refused.value)


def test_movers_from_two_households_is_an_error(store, ctx) -> None:
    a, b = family(store, 1, offset=8), family(store, 1, offset=9)
    with pytest.raises(IntakeRefused) as refused:
        MoveOutService(store).save(ctx, move_out([mover_of(a.members[0]), mover_of(b.members[0])]))
    assert "E18" in codes(refused.value)


def test_an_open_draft_on_the_same_person_is_an_alert(store, ctx) -> None:
    home = family(store, 1, offset=10)
    form = move_out([mover_of(home.members[0])])
    MoveOutService(store).save(ctx, form)
    with pytest.raises(AlertsNotConfirmed) as asked:
        MoveOutService(store).save(ctx, form)
    assert codes(asked.value) == {"A06"}


def test_whole_household_move_within(store, ctx) -> None:
    home = family(store, 3, offset=2)
    saved = MoveWithinService(store).save(
        ctx, move_within(store, [mover_of(m) for m in home.members])
    )
    assert saved.draft_id


def test_part_of_household_moves_within_to_a_new_household(store, ctx) -> None:
    home = family(store, 3, offset=3)
    child = home.others[0]
    form = move_within(store, [mover_of(child, relationship="世帯主")])
    assert MoveWithinService(store).save(ctx, form).draft_id


def test_move_within_into_an_existing_household(store, ctx) -> None:
    home, other = family(store, 2, offset=4), family(store, 2, offset=5)
    form = move_within(
        store,
        [mover_of(home.others[0], relationship="同居人")],
        destination=Destination(household_no=other.household.household_no),
    )
    assert MoveWithinService(store).save(ctx, form).draft_id


def test_move_within_that_changes_the_name_is_an_error(store, ctx) -> None:
    home = family(store, 1, offset=11)
    person = home.members[0]
    renamed = mover_of(person, family_name=person.family_name + "川")
    with pytest.raises(IntakeRefused) as refused:
        MoveWithinService(store).save(ctx, move_within(store, [renamed]))
    assert "E06" in codes(refused.value)
    assert "family_name" in str(refused.value)


def test_move_within_to_the_same_address_is_an_error(store, ctx) -> None:
    home = family(store, 1, offset=12)
    here = Destination(
        address_code=home.household.address_code,
        banchi=home.household.banchi,
        katagaki=home.household.katagaki,
    )
    with pytest.raises(IntakeRefused) as refused:
        MoveWithinService(store).save(
            ctx, move_within(store, [mover_of(home.members[0])], destination=here)
        )
    assert "E23" in codes(refused.value)


def test_move_within_same_banchi_other_building_is_allowed(store, ctx) -> None:
    home = family(store, 1, offset=13)
    next_door = Destination(
        address_code=home.household.address_code,
        banchi=home.household.banchi,
        katagaki="別棟101号",
    )
    assert (
        MoveWithinService(store)
        .save(ctx, move_within(store, [mover_of(home.members[0])], destination=next_door))
        .draft_id
    )


def test_move_within_future_date_is_an_error(store, ctx) -> None:
    home = family(store, 1, offset=14)
    with pytest.raises(IntakeRefused) as refused:
        MoveWithinService(store).save(
            ctx,
            move_within(store, [mover_of(home.members[0])], moved_on=TODAY + dt.timedelta(days=3)),
        )
    assert "E02" in codes(refused.value)
