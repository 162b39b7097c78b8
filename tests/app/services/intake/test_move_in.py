"""転入 of every variant, and the rules a 転入 meets (R-INTAKE-1…4)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from madoguchi.app.domain.intake import IntakeForm, NotifierKind, Variant
from madoguchi.app.domain.permissions import PermissionDenied, Role
from madoguchi.app.services.intake import (
    AlertsNotConfirmed,
    IntakeRefused,
    MoveInService,
)
from madoguchi.app.services.intake.prefill import record_move_out_certificate
from madoguchi.storage.models import Draft, Person
from tests.app.services.intake.conftest import (
    TODAY,
    days_ago,
    family,
    identity,
    new_address,
    newcomer,
)
from tests.helpers.stores import FIXED_NOW, context


def form(store, variant=Variant.DOMESTIC_MOVE_IN, **changes) -> IntakeForm:
    fields = {
        "variant": variant,
        "moved_on": days_ago(3),
        "notified_on": TODAY,
        "movers": (
            newcomer(),
            newcomer("妻", given_name="花子", given_name_kana="ハナコ", sex="2"),
        ),
        "destination": new_address(store),
        "previous_address": "東京都千代田区霞が関二丁目1番2号",
        "identity_check": identity(),
    }
    fields.update(changes)
    return IntakeForm(**fields)


def codes(error: IntakeRefused | AlertsNotConfirmed) -> set[str]:
    found = error.findings if isinstance(error, IntakeRefused) else error.alerts
    return {f.rule.code for f in found}


def persons_count(store) -> int:
    with store.transaction() as session:
        return session.scalar(select(func.count()).select_from(Person)) or 0


def test_domestic_move_in_saves_a_draft_and_leaves_the_register_alone(store, ctx) -> None:
    before = persons_count(store)
    saved = MoveInService(store).save(ctx, form(store))
    assert saved.revision == 1 and not saved.late
    assert persons_count(store) == before
    with store.transaction() as session:
        draft = session.get(Draft, saved.draft_id)
        assert draft is not None
        assert (draft.status, draft.kind, draft.variant) == ("draft", "move_in", "domestic_move_in")
        assert draft.maker_staff_no == "S0001"


def test_move_in_from_abroad(store, ctx) -> None:
    saved = MoveInService(store).save(
        ctx, form(store, Variant.MOVE_IN_FROM_ABROAD, previous_address="アメリカ合衆国")
    )
    assert saved.draft_id


def test_foreign_newcomer_needs_residence_items(store, ctx) -> None:
    foreigner = newcomer(
        family_name="SMITH",
        given_name="JOHN",
        family_name_kana="スミス",
        given_name_kana="ジョン",
        is_foreign=True,
        nationality="アメリカ合衆国",
    )
    with pytest.raises(IntakeRefused) as refused:
        MoveInService(store).save(
            ctx, form(store, Variant.MOVE_IN_FROM_ABROAD, movers=(foreigner,))
        )
    assert "E28" in codes(refused.value)
    complete = replace(
        foreigner,
        residence_status="技術・人文知識・国際業務",
        period_of_stay="3年",
        stay_expires_on="2029-10-31",
        residence_card_no="AB12345678CD",
    )
    assert (
        MoveInService(store)
        .save(ctx, form(store, Variant.MOVE_IN_FROM_ABROAD, movers=(complete,)))
        .draft_id
    )


def test_special_move_in_with_matching_certificate(store, ctx) -> None:
    movers = form(store).movers
    with store.transaction() as session:
        certificate = record_move_out_certificate(
            session,
            received_at=FIXED_NOW,
            from_municipality_code="131016",
            from_municipality="東京都千代田区",
            former_address="東京都千代田区霞が関二丁目1番2号",
            moving_to_address="架空県みどり市",
            planned_move_on=days_ago(3),
            householder_name="試験　一郎",
            persons=[
                {
                    "family_name": m.family_name,
                    "given_name": m.given_name,
                    "family_name_kana": m.family_name_kana,
                    "given_name_kana": m.given_name_kana,
                    "birth_date": m.birth_date,
                    "sex": m.sex,
                    "relationship": m.relationship,
                    "individual_number": m.individual_number,
                }
                for m in movers
            ],
        )
        certificate_id = certificate.certificate_id
    saved = MoveInService(store).save(
        ctx,
        form(store, Variant.SPECIAL_MOVE_IN, movers=movers, move_out_certificate_id=certificate_id),
    )
    assert saved.draft_id
    # Someone not on the certificate cannot come in on it.
    stranger = newcomer(given_name="次郎", given_name_kana="ジロウ", relationship="子")
    with pytest.raises(IntakeRefused) as refused:
        MoveInService(store).save(
            ctx,
            form(
                store,
                Variant.SPECIAL_MOVE_IN,
                movers=(*movers, stranger),
                move_out_certificate_id=certificate_id,
            ),
        )
    assert "E10" in codes(refused.value)


def test_special_move_in_without_certificate_is_an_error(store, ctx) -> None:
    with pytest.raises(IntakeRefused) as refused:
        MoveInService(store).save(ctx, form(store, Variant.SPECIAL_MOVE_IN))
    assert "E10" in codes(refused.value)


def test_returning_move_in_inherits_the_former_record(store, ctx) -> None:
    with store.transaction() as session:
        former = session.scalars(
            select(Person).where(
                Person.status == "removed",
                Person.individual_number.is_not(None),
                Person.removal_reason.in_(["B01", "B02"]),
            )
        ).first()
        assert former is not None
        number, atena_no = former.individual_number, former.atena_no
    returning = newcomer(individual_number=number)
    saved = MoveInService(store).save(
        ctx, form(store, Variant.RETURNING_MOVE_IN, movers=(returning,))
    )
    with store.transaction() as session:
        draft = session.get(Draft, saved.draft_id)
        assert draft is not None
        assert atena_no in draft.target_persons
        assert atena_no in draft.base_versions["persons"]


def test_returning_move_in_without_a_former_record_is_an_error(store, ctx) -> None:
    with pytest.raises(IntakeRefused) as refused:
        MoveInService(store).save(ctx, form(store, Variant.RETURNING_MOVE_IN, movers=(newcomer(),)))
    assert "E26" in codes(refused.value)


def test_move_in_of_a_current_resident_is_an_error(store, ctx) -> None:
    resident = family(store, 2).householder
    again = newcomer(individual_number=resident.individual_number)
    with pytest.raises(IntakeRefused) as refused:
        MoveInService(store).save(ctx, form(store, movers=(again,)))
    assert "E05" in codes(refused.value)
    assert "すでに本市の住民" in str(refused.value)


def test_filed_fifteen_days_after_the_move_is_an_alert_and_listed(store, ctx) -> None:
    late = form(store, moved_on=days_ago(15))
    with pytest.raises(AlertsNotConfirmed) as asked:
        MoveInService(store).save(ctx, late)
    assert codes(asked.value) == {"A01"}
    saved = MoveInService(store).save(ctx, late, confirmed={a.key for a in asked.value.alerts})
    assert saved.late
    from madoguchi.app.services.intake.drafts import DraftService

    listed = DraftService(store).late_notifications(ctx, TODAY, TODAY)
    assert saved.draft_id in {entry.draft_id for entry in listed}
    entry = next(e for e in listed if e.draft_id == saved.draft_id)
    assert entry.days_late == 15


def test_fourteen_days_is_not_late(store, ctx) -> None:
    assert not MoveInService(store).save(ctx, form(store, moved_on=days_ago(14))).late


def test_future_move_date_is_an_error_for_move_in(store, ctx) -> None:
    with pytest.raises(IntakeRefused) as refused:
        MoveInService(store).save(ctx, form(store, moved_on=TODAY + dt.timedelta(days=1)))
    assert "E02" in codes(refused.value)


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"moved_on": None}, "E01"),
        ({"notified_on": TODAY + dt.timedelta(days=1)}, "E03"),
        ({"moved_on": TODAY, "notified_on": days_ago(1)}, "E04"),
    ],
)
def test_date_rules(store, ctx, changes, code) -> None:
    with pytest.raises(IntakeRefused) as refused:
        MoveInService(store).save(ctx, form(store, **changes))
    assert code in codes(refused.value)


def test_agent_without_power_of_attorney_is_an_error(store, ctx) -> None:
    agent = identity(NotifierKind.AGENT, notifier_name="代理　太郎")
    with pytest.raises(IntakeRefused) as refused:
        MoveInService(store).save(ctx, form(store, identity_check=agent))
    assert "E12" in codes(refused.value)
    assert "委任状" in str(refused.value)
    with_letter = identity(NotifierKind.AGENT, notifier_name="代理　太郎", power_of_attorney=True)
    assert MoveInService(store).save(ctx, form(store, identity_check=with_letter)).draft_id


def test_someone_with_no_right_to_notify_is_an_error(store, ctx) -> None:
    with pytest.raises(IntakeRefused) as refused:
        MoveInService(store).save(ctx, form(store, identity_check=identity(NotifierKind.OTHER)))
    assert "E11" in codes(refused.value)


def test_without_identity_check_nothing_is_saved(store, ctx) -> None:
    with pytest.raises(IntakeRefused) as refused:
        MoveInService(store).save(ctx, form(store, identity_check=None))
    assert "E13" in codes(refused.value)


@pytest.mark.parametrize(
    ("documents", "ok"), [(("N01",), False), (("N01", "N04"), True), (("P01",), True), ((), False)]
)
def test_one_photo_id_or_two_others(store, ctx, documents, ok) -> None:
    check = identity(documents=documents)
    service = MoveInService(store)
    if ok:
        assert service.save(ctx, form(store, identity_check=check)).draft_id
    else:
        with pytest.raises(IntakeRefused) as refused:
            service.save(ctx, form(store, identity_check=check))
        assert "E14" in codes(refused.value)


def test_bad_individual_number_check_digit_is_an_error(store, ctx) -> None:
    bad = newcomer(individual_number="123456789012")
    with pytest.raises(IntakeRefused) as refused:
        MoveInService(store).save(ctx, form(store, movers=(bad,)))
    assert "E08" in codes(refused.value)


def test_relationship_grandfather_is_an_error_with_the_fix(store, ctx) -> None:
    movers = (newcomer(), newcomer("祖父", given_name="源蔵", given_name_kana="ゲンゾウ"))
    with pytest.raises(IntakeRefused) as refused:
        MoveInService(store).save(ctx, form(store, movers=movers))
    assert "E09" in codes(refused.value)
    assert "父の父" in str(refused.value)


@pytest.mark.parametrize(
    ("mover_changes", "code"),
    [
        ({"family_name_kana": ""}, "E15"),
        ({"family_name_kana": "しけん"}, "E16"),
        ({"birth_date": "2026-11-01"}, "E29"),
        ({"birth_date": "1980-02-30"}, "E30"),
    ],
)
def test_newcomer_items(store, ctx, mover_changes, code) -> None:
    with pytest.raises(IntakeRefused) as refused:
        MoveInService(store).save(
            ctx, form(store, movers=(newcomer(**mover_changes),), moved_on=days_ago(3))
        )
    assert code in codes(refused.value)


def test_a_new_household_needs_one_householder(store, ctx) -> None:
    movers = (newcomer("妻"), newcomer("子", given_name="太郎", given_name_kana="タロウ"))
    with pytest.raises(IntakeRefused) as refused:
        MoveInService(store).save(ctx, form(store, movers=movers))
    assert "E20" in codes(refused.value)


def test_joining_an_existing_household(store, ctx) -> None:
    target = family(store, 2)
    from madoguchi.app.domain.intake import Destination

    saved = MoveInService(store).save(
        ctx,
        form(
            store,
            movers=(newcomer("父"),),
            destination=Destination(household_no=target.household.household_no),
        ),
    )
    with store.transaction() as session:
        draft = session.get(Draft, saved.draft_id)
        assert draft is not None
        assert target.household.household_no in draft.base_versions["households"]


def test_destination_must_be_in_the_address_master(store, ctx) -> None:
    from madoguchi.app.domain.intake import Destination

    with pytest.raises(IntakeRefused) as refused:
        MoveInService(store).save(
            ctx, form(store, destination=Destination(address_code="99999999999", banchi="1-1"))
        )
    assert "E22" in codes(refused.value)
    with pytest.raises(IntakeRefused) as refused:
        MoveInService(store).save(ctx, form(store, destination=None))
    assert "E21" in codes(refused.value)


def test_duplicate_mover_is_an_error(store, ctx) -> None:
    one = newcomer()
    with pytest.raises(IntakeRefused) as refused:
        MoveInService(store).save(ctx, form(store, movers=(one, one)))
    assert "E27" in codes(refused.value)


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.ADMIN, Role.PROTECTION_OFFICER])
def test_roles_without_intake_are_refused(store, role) -> None:
    with pytest.raises(PermissionDenied):
        MoveInService(store).save(context(role), form(store))


def test_contractor_may_enter_intake_data(store) -> None:
    assert MoveInService(store).save(context(Role.CONTRACTOR, staff_no="S0004"), form(store))


def test_every_error_message_gives_cause_and_fix() -> None:
    from madoguchi.app.domain.intake_rules import RULES

    for rule in RULES:
        assert rule.cause.endswith("。") and rule.fix.endswith("。"), rule.code
        assert rule.cause != rule.fix
