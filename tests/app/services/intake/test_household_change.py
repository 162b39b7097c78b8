"""世帯変更: 世帯分離, 世帯合併, 世帯主変更, 世帯構成変更 (R-INTAKE-1, standard j720–j730)."""

from __future__ import annotations

import pytest

from madoguchi.app.domain.intake import Destination, IntakeForm, Variant
from madoguchi.app.services.intake import (
    AlertsNotConfirmed,
    HouseholdChangeService,
    IntakeRefused,
)
from tests.app.services.intake.conftest import TODAY, days_ago, family, identity, mover_of


def codes(error) -> set[str]:
    found = error.findings if isinstance(error, IntakeRefused) else error.alerts
    return {f.rule.code for f in found}


def change(variant, movers, **changes) -> IntakeForm:
    fields = {
        "variant": variant,
        "moved_on": days_ago(1),
        "notified_on": TODAY,
        "movers": tuple(movers),
        "identity_check": identity(),
    }
    fields.update(changes)
    return IntakeForm(**fields)


def test_household_split(store, ctx) -> None:
    home = family(store, 3, offset=20)
    form = change(Variant.HOUSEHOLD_SPLIT, [mover_of(home.others[0], relationship="世帯主")])
    assert HouseholdChangeService(store).save(ctx, form).draft_id


def test_split_of_everyone_is_an_error(store, ctx) -> None:
    home = family(store, 2, offset=21)
    movers = [mover_of(home.householder), mover_of(home.others[0], relationship="妻")]
    with pytest.raises(IntakeRefused) as refused:
        HouseholdChangeService(store).save(ctx, change(Variant.HOUSEHOLD_SPLIT, movers))
    assert "E31" in codes(refused.value)


def test_split_needs_a_householder_of_the_new_household(store, ctx) -> None:
    home = family(store, 3, offset=22)
    form = change(Variant.HOUSEHOLD_SPLIT, [mover_of(home.others[0], relationship="子")])
    with pytest.raises(IntakeRefused) as refused:
        HouseholdChangeService(store).save(ctx, form)
    assert "E20" in codes(refused.value)


def test_household_merge(store, ctx) -> None:
    single, target = family(store, 1, offset=20), family(store, 2, offset=23)
    form = change(
        Variant.HOUSEHOLD_MERGE,
        [mover_of(single.members[0], relationship="同居人")],
        destination=Destination(household_no=target.household.household_no),
    )
    assert HouseholdChangeService(store).save(ctx, form).draft_id


def test_merge_into_the_own_household_is_an_error(store, ctx) -> None:
    home = family(store, 2, offset=24)
    form = change(
        Variant.HOUSEHOLD_MERGE,
        [mover_of(home.others[0], relationship="同居人")],
        destination=Destination(household_no=home.household.household_no),
    )
    with pytest.raises(IntakeRefused) as refused:
        HouseholdChangeService(store).save(ctx, form)
    assert "E25" in codes(refused.value)


def test_householder_change_with_relationships_reset(store, ctx) -> None:
    home = family(store, 2, offset=25)
    spouse = home.others[0]
    form = change(
        Variant.HOUSEHOLDER_CHANGE,
        [mover_of(spouse)],
        new_householder_atena_no=spouse.atena_no,
        relationship_changes={spouse.atena_no: "世帯主", home.householder.atena_no: "夫"},
    )
    assert HouseholdChangeService(store).save(ctx, form).draft_id


def test_householder_change_without_reset_relationships_is_an_alert(store, ctx) -> None:
    home = family(store, 3, offset=26)
    new_head = home.others[0]
    form = change(
        Variant.HOUSEHOLDER_CHANGE,
        [mover_of(new_head)],
        new_householder_atena_no=new_head.atena_no,
        relationship_changes={new_head.atena_no: "世帯主"},
    )
    with pytest.raises(AlertsNotConfirmed) as asked:
        HouseholdChangeService(store).save(ctx, form)
    assert codes(asked.value) == {"A05"}


def test_householder_change_to_an_outsider_is_an_error(store, ctx) -> None:
    home, other = family(store, 2, offset=27), family(store, 1, offset=28)
    form = change(
        Variant.HOUSEHOLDER_CHANGE,
        [mover_of(home.householder)],
        new_householder_atena_no=other.members[0].atena_no,
    )
    with pytest.raises(IntakeRefused) as refused:
        HouseholdChangeService(store).save(ctx, form)
    assert "E24" in codes(refused.value)


def test_household_recomposition(store, ctx) -> None:
    home = family(store, 2, offset=29)
    member = home.others[0]
    form = change(
        Variant.HOUSEHOLD_RECOMPOSITION,
        [mover_of(member)],
        relationship_changes={member.atena_no: "妻（未届）"},
    )
    assert HouseholdChangeService(store).save(ctx, form).draft_id


def test_recomposition_with_a_bad_relationship_is_an_error(store, ctx) -> None:
    home = family(store, 2, offset=30)
    member = home.others[0]
    form = change(
        Variant.HOUSEHOLD_RECOMPOSITION,
        [mover_of(member)],
        relationship_changes={member.atena_no: "祖父"},
    )
    with pytest.raises(IntakeRefused) as refused:
        HouseholdChangeService(store).save(ctx, form)
    assert "E09" in codes(refused.value)


def test_recomposition_without_changes_is_an_error(store, ctx) -> None:
    home = family(store, 2, offset=31)
    with pytest.raises(IntakeRefused) as refused:
        HouseholdChangeService(store).save(
            ctx, change(Variant.HOUSEHOLD_RECOMPOSITION, [mover_of(home.others[0])])
        )
    assert "E32" in codes(refused.value)


def test_a_form_of_another_kind_is_refused(store, ctx) -> None:
    from madoguchi.app.services.intake.base import WrongKind

    home = family(store, 1, offset=32)
    with pytest.raises(WrongKind):
        HouseholdChangeService(store).save(
            ctx, change(Variant.MOVE_WITHIN, [mover_of(home.members[0])])
        )
