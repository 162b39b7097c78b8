"""Next-day reconciliation report and sign-off (R-REVIEW-4)."""

from __future__ import annotations

import datetime as dt

import pytest

from madoguchi.app.context import FixedClock, ServiceContext
from madoguchi.app.domain.intake import IntakeForm, Variant
from madoguchi.app.domain.permissions import Role
from madoguchi.app.services.intake import MoveInService
from madoguchi.app.services.review.reconciliation import ReconciliationService
from madoguchi.app.services.review.service import ReviewRefused, ReviewService
from madoguchi.storage.models import Draft
from tests.app.services.intake.conftest import TODAY, days_ago, identity, new_address, newcomer
from tests.helpers.stores import FIXED_NOW, context


def test_yesterdays_changes_are_listed_and_signed_once(store, clerk, supervisor) -> None:
    form = IntakeForm(
        variant=Variant.DOMESTIC_MOVE_IN,
        moved_on=days_ago(2),
        notified_on=TODAY,
        movers=(newcomer(),),
        destination=new_address(store, "5-5"),
        previous_address="東京都千代田区霞が関二丁目1番2号",
        identity_check=identity(),
    )
    saved = MoveInService(store).save(clerk, form)
    ReviewService(store).approve(supervisor, saved.draft_id)
    office = supervisor.actor.office
    service = ReconciliationService(store)
    with pytest.raises(ReviewRefused, match="翌日"):
        service.sign_off(supervisor, TODAY, office)
    tomorrow = ServiceContext(
        actor=context(Role.SUPERVISOR, staff_no="S0006").actor,
        terminal_id="TEST-T01",
        clock=FixedClock(FIXED_NOW + dt.timedelta(days=1)),
    )
    report = service.report(tomorrow, TODAY, office)
    line = next(line for line in report.lines if line.draft_id == saved.draft_id)
    assert (line.maker_staff_no, line.reviewer_staff_no, line.reasons) == (
        "S0001",
        "S0005",
        ("A01",),
    )
    assert report.signed_by is None
    service.sign_off(tomorrow, TODAY, office, "全件確認")
    assert service.report(tomorrow, TODAY, office).signed_by == "S0006"
    with pytest.raises(ReviewRefused, match="確認済み"):
        service.sign_off(tomorrow, TODAY, office)
    with store.transaction() as session:
        assert session.get(Draft, saved.draft_id) is not None
