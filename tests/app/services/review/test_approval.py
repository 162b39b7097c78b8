"""Approval applies a draft in one transaction (R-REVIEW-2), and its interface records (R-IF)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from madoguchi.app.domain.intake import Destination, IntakeForm, Variant
from madoguchi.app.domain.permissions import PermissionDenied, Role
from madoguchi.app.domain.separation import SeparationOfDutiesViolation
from madoguchi.app.services.intake import (
    HouseholdChangeService,
    MoveInService,
    MoveOutService,
    MoveWithinService,
)
from madoguchi.app.services.register_view import RegisterViewService
from madoguchi.app.services.review.service import ReviewRefused, ReviewService
from madoguchi.storage.models import (
    AuditEntry,
    ChangeHistory,
    Draft,
    Household,
    InterfaceRecord,
    OutboxEntry,
    Person,
)
from tests.app.services.intake.conftest import (
    TODAY,
    days_ago,
    family,
    identity,
    mover_of,
    new_address,
    newcomer,
)
from tests.helpers.stores import context


def records(store, draft_id: str) -> list[InterfaceRecord]:
    with store.transaction() as session:
        return list(
            session.scalars(
                select(InterfaceRecord)
                .where(InterfaceRecord.draft_id == draft_id)
                .order_by(InterfaceRecord.seq)
            )
        )


def of_type(rows: list[InterfaceRecord], record_type: str) -> list[InterfaceRecord]:
    return [r for r in rows if r.record_type == record_type]


def move_in_form(store, movers=None, **changes) -> IntakeForm:
    fields = {
        "variant": Variant.DOMESTIC_MOVE_IN,
        "moved_on": days_ago(2),
        "notified_on": TODAY,
        "movers": movers or (newcomer(),),
        "destination": new_address(store, "12-3"),
        "previous_address": "東京都千代田区霞が関二丁目1番2号",
        "identity_check": identity(),
    }
    fields.update(changes)
    return IntakeForm(**fields)


def test_move_in_approval_registers_the_person_with_history_and_records(
    store, clerk, supervisor
) -> None:
    mover = newcomer(family_name="登録", family_name_kana="トウロク")
    saved = MoveInService(store).save(clerk, move_in_form(store, (mover,)))
    change = ReviewService(store).approve(supervisor, saved.draft_id)
    (person_change,) = change.persons
    assert person_change.entered and person_change.reason_code == "A01"
    with store.transaction() as session:
        person = session.get(Person, person_change.atena_no)
        assert person is not None
        assert (person.status, person.family_name, person.individual_number) == (
            "current",
            "登録",
            mover.individual_number,
        )
        assert person.address.endswith("12番3号") or person.address.endswith("12番地3")
        assert person.relationship == "世帯主"
        household = session.get(Household, person.household_no)
        assert household is not None and not household.removed
        history = session.scalars(
            select(ChangeHistory).where(ChangeHistory.atena_no == person.atena_no)
        ).all()
        assert [(h.change_reason, h.change_date) for h in history] == [
            ("A01", days_ago(2).isoformat())
        ]
        assert history[0].staff_no == "S0005" and history[0].terminal_id == "TEST-T01"
        draft = session.get(Draft, saved.draft_id)
        assert draft is not None and draft.status == "approved"
        assert draft.reviewer_staff_no == "S0005"
        actions = {a.action for a in session.scalars(select(AuditEntry).where(AuditEntry.seq > 0))}
        assert "review_approved" in actions
        assert session.scalar(
            select(func.count())
            .select_from(OutboxEntry)
            .where(OutboxEntry.op_type == "approve_draft")
        )
    rows = records(store, saved.draft_id)
    (identity_record,) = of_type(rows, "本人確認情報")
    for item in (
        "住民票コード",
        "氏名",
        "生年月日",
        "性別",
        "住所",
        "個人番号",
        "異動事由",
        "異動年月日",
    ):
        assert item in identity_record.payload, item
    assert len(of_type(rows, "転入通知")) == 1


def test_move_within_gives_identity_information_with_only_the_address_changed(
    store, clerk, supervisor
) -> None:
    home = family(store, 2, offset=40)
    form = IntakeForm(
        variant=Variant.MOVE_WITHIN,
        moved_on=days_ago(1),
        notified_on=TODAY,
        movers=tuple(mover_of(m) for m in home.members),
        destination=new_address(store, "45-6", "ハイツ転居201"),
        identity_check=identity(),
    )
    saved = MoveWithinService(store).save(clerk, form)
    ReviewService(store).approve(supervisor, saved.draft_id)
    rows = of_type(records(store, saved.draft_id), "本人確認情報")
    assert len(rows) == 2
    for row in rows:
        assert row.payload["異動事由"] == "転居"
        assert row.payload["changed_items"] == ["住所"]
    view = RegisterViewService(store).person(supervisor, home.householder.atena_no)
    shown = {f.label: f.value for f in view.fields}
    assert any("ハイツ転居201" in value for value in shown.values())
    assert view.history[-1].change_reason == "転居"


def test_householder_change_gives_no_identity_information(store, clerk, supervisor) -> None:
    home = family(store, 2, offset=41)
    spouse = home.others[0]
    form = IntakeForm(
        variant=Variant.HOUSEHOLDER_CHANGE,
        moved_on=days_ago(1),
        notified_on=TODAY,
        movers=(mover_of(spouse),),
        new_householder_atena_no=spouse.atena_no,
        relationship_changes={spouse.atena_no: "世帯主", home.householder.atena_no: "夫"},
        identity_check=identity(),
    )
    saved = HouseholdChangeService(store).save(clerk, form)
    ReviewService(store).approve(supervisor, saved.draft_id)
    assert of_type(records(store, saved.draft_id), "本人確認情報") == []
    with store.transaction() as session:
        head = session.get(Person, spouse.atena_no)
        assert head is not None and head.relationship == "世帯主"


def test_whole_household_move_out_makes_removed_records(store, clerk, supervisor) -> None:
    home = family(store, 2, offset=42)
    form = IntakeForm(
        variant=Variant.MOVE_OUT,
        moved_on=days_ago(1),
        notified_on=TODAY,
        movers=tuple(mover_of(m) for m in home.members),
        moving_to_address="大阪府大阪市北区中之島一丁目3番20号",
        identity_check=identity(),
    )
    saved = MoveOutService(store).save(clerk, form)
    ReviewService(store).approve(supervisor, saved.draft_id)
    with store.transaction() as session:
        for member in home.members:
            person = session.get(Person, member.atena_no)
            assert person is not None
            assert (person.status, person.removal_reason) == ("removed", "B01")
        household = session.get(Household, home.household.household_no)
        assert household is not None and household.removed


def test_rejecting_produces_no_records_and_the_maker_resubmits(store, clerk, supervisor) -> None:
    review = ReviewService(store)
    saved = MoveInService(store).save(clerk, move_in_form(store))
    review.reject(supervisor, saved.draft_id, "転入前住所の番地を確認してください")
    assert records(store, saved.draft_id) == []
    with pytest.raises(ReviewRefused):
        review.approve(supervisor, saved.draft_id)
    with store.transaction() as session:
        draft = session.get(Draft, saved.draft_id)
        assert draft is not None
        form = draft.form
    from madoguchi.app.domain.intake import form_from_json

    again = MoveInService(store).save(clerk, form_from_json(form), draft_id=saved.draft_id)
    assert again.revision == 2
    review.approve(supervisor, saved.draft_id)
    assert records(store, saved.draft_id)


def test_reject_needs_a_reason(store, clerk, supervisor) -> None:
    saved = MoveInService(store).save(clerk, move_in_form(store))
    with pytest.raises(ReviewRefused, match="理由"):
        ReviewService(store).reject(supervisor, saved.draft_id, " ")


def test_self_approval_is_refused_by_the_service(store) -> None:
    both = context(Role.CLERK, Role.SUPERVISOR, staff_no="S0010")
    saved = MoveInService(store).save(both, move_in_form(store))
    with pytest.raises(SeparationOfDutiesViolation, match="決裁できません"):
        ReviewService(store).approve(both, saved.draft_id)
    with store.transaction() as session:
        draft = session.get(Draft, saved.draft_id)
        assert draft is not None and draft.status == "draft"


def test_a_clerk_cannot_approve(store, clerk) -> None:
    saved = MoveInService(store).save(clerk, move_in_form(store))
    with pytest.raises(PermissionDenied):
        ReviewService(store).approve(context(Role.CLERK, staff_no="S0002"), saved.draft_id)


def test_review_view_shows_before_and_after_without_applying(store, clerk, supervisor) -> None:
    home = family(store, 1, offset=43)
    form = IntakeForm(
        variant=Variant.MOVE_WITHIN,
        moved_on=days_ago(1),
        notified_on=TODAY,
        movers=(mover_of(home.members[0]),),
        destination=new_address(store, "77-1"),
        identity_check=identity(),
    )
    saved = MoveWithinService(store).save(clerk, form)
    view = ReviewService(store).open(supervisor, saved.draft_id)
    labels = {c.label for c in view.changes}
    assert "住所" in labels
    address = next(c for c in view.changes if c.label == "住所")
    assert address.before == home.members[0].address and "77番" in address.after
    assert view.identity_check is not None
    with store.transaction() as session:
        person = session.get(Person, home.members[0].atena_no)
        assert person is not None and person.address == home.members[0].address


def test_stale_draft_cannot_be_approved_until_refreshed(store, clerk, supervisor) -> None:
    home = family(store, 1, offset=44)
    person = home.members[0]
    form = IntakeForm(
        variant=Variant.MOVE_WITHIN,
        moved_on=days_ago(1),
        notified_on=TODAY,
        movers=(mover_of(person),),
        destination=new_address(store, "66-1"),
        identity_check=identity(),
    )
    first = MoveWithinService(store).save(clerk, form)
    # A second draft on the same person, approved first, moves the base of the first.
    second_form = IntakeForm(
        variant=Variant.MOVE_WITHIN,
        moved_on=days_ago(1),
        notified_on=TODAY,
        movers=(mover_of(person),),
        destination=new_address(store, "66-2"),
        identity_check=identity(),
    )
    second = MoveWithinService(store).save(
        clerk, second_form, confirmed={"A06:" + f"{person.family_name}　{person.given_name}"}
    )
    review = ReviewService(store)
    review.approve(supervisor, second.draft_id)
    assert any(item.stale for item in review.queue(supervisor) if item.draft_id == first.draft_id)
    from madoguchi.app.services.review.service import StaleDraft

    with pytest.raises(StaleDraft, match="最新化"):
        review.approve(supervisor, first.draft_id)
    review.refresh(supervisor, first.draft_id)
    review.approve(supervisor, first.draft_id)
    with store.transaction() as session:
        moved = session.get(Person, person.atena_no)
        assert moved is not None
        assert "66番1号" in moved.address or "66番地1" in moved.address


def test_bulk_approval_respects_the_cap(store, clerk, supervisor) -> None:
    review = ReviewService(store, bulk_cap=2)
    ids = [MoveInService(store).save(clerk, move_in_form(store)).draft_id for _ in range(3)]
    with pytest.raises(ReviewRefused, match="2 件まで"):
        review.approve_many(supervisor, ids)
    result = review.approve_many(supervisor, ids[:2])
    assert result.approved == tuple(ids[:2]) and result.refused == {}


def test_queue_filters(store, clerk, supervisor) -> None:
    saved = MoveInService(store).save(clerk, move_in_form(store))
    from madoguchi.app.services.review.service import ReviewFilter

    review = ReviewService(store)
    assert saved.draft_id in {
        i.draft_id for i in review.queue(supervisor, ReviewFilter(kind="move_in"))
    }
    assert saved.draft_id not in {
        i.draft_id for i in review.queue(supervisor, ReviewFilter(kind="move_out"))
    }
    assert saved.draft_id not in {
        i.draft_id for i in review.queue(supervisor, ReviewFilter(terminal_id="OTHER"))
    }
    assert saved.draft_id not in {
        i.draft_id for i in review.queue(supervisor, ReviewFilter(older_than_hours=1))
    }


def test_joining_an_existing_household_on_move_in(store, clerk, supervisor) -> None:
    target = family(store, 2, offset=45)
    form = move_in_form(
        store,
        (newcomer("父", given_name="源一", given_name_kana="ゲンイチ"),),
        destination=Destination(household_no=target.household.household_no),
    )
    saved = MoveInService(store).save(clerk, form)
    change = ReviewService(store).approve(supervisor, saved.draft_id)
    with store.transaction() as session:
        person = session.get(Person, change.persons[0].atena_no)
        assert person is not None
        assert person.household_no == target.household.household_no
        assert person.address == target.household.address
