"""支援措置 and 発行抑止 at the certificate counter (R-CERT-4, j160, j410, j440)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from sqlalchemy import select

from madoguchi.app.context import FixedClock, ServiceContext
from madoguchi.app.domain.certificates import RequesterKind
from madoguchi.app.domain.permissions import PermissionDenied, Role
from madoguchi.app.domain.separation import SeparationOfDutiesViolation
from madoguchi.app.services.audit_review import PROTECTED_PERSON, AuditFilter, AuditReviewService
from madoguchi.app.services.certificates import (
    CertificateService,
    IssuanceBlocked,
    PerpetratorRefused,
)
from madoguchi.app.services.protection import (
    HoldInput,
    MeasureInput,
    PerpetratorInput,
    ProtectionRefused,
    ProtectionService,
)
from madoguchi.app.services.protection_release import ReleaseReviewService
from madoguchi.storage.audit import append_audit, audit_entries
from madoguchi.storage.models import (
    IssuanceHold,
    Person,
    ProtectedPerson,
    ProtectionMeasure,
    ProtectionPerpetrator,
)
from madoguchi.storage.store import LocalStore
from tests.app.services.certificates.conftest import (
    CLERK,
    OFFICER,
    family,
    requester_self,
    resident_copy,
)
from tests.helpers.stores import FIXED_NOW, context


def at(ctx: ServiceContext, moment: dt.datetime) -> ServiceContext:
    return dataclasses.replace(ctx, clock=FixedClock(moment))


def demo_measure(
    store: LocalStore, *, resident_perpetrator: bool
) -> tuple[ProtectionMeasure, list[Person]]:
    """A (non-provisional) demo measure whose 加害者 is a resident or only a name."""
    with store.transaction() as session:
        for measure in session.scalars(
            select(ProtectionMeasure)
            .where(
                ProtectionMeasure.provisional.is_(False),
                ProtectionMeasure.ended_on.is_(None),
                ProtectionMeasure.note == "デモ用の支援措置",
            )
            .order_by(ProtectionMeasure.starts_on)
        ):
            perpetrator = session.scalars(
                select(ProtectionPerpetrator).where(
                    ProtectionPerpetrator.measure_id == measure.measure_id
                )
            ).one()
            if (perpetrator.atena_no is not None) == resident_perpetrator:
                persons = list(
                    session.scalars(
                        select(Person)
                        .join(ProtectedPerson, ProtectedPerson.atena_no == Person.atena_no)
                        .where(ProtectedPerson.measure_id == measure.measure_id)
                        .order_by(ProtectedPerson.id)
                    )
                )
                return measure, persons
    raise AssertionError("the demo city has both kinds of measures")


def test_the_demo_city_has_measures_and_holds(store: LocalStore) -> None:
    with store.transaction() as session:
        measures = list(session.scalars(select(ProtectionMeasure)))
        holds = list(session.scalars(select(IssuanceHold)))
    assert len(measures) == 3 and sum(m.provisional for m in measures) == 1
    assert {h.level for h in holds} == {"error", "alert"}
    views = ProtectionService(store).measures(OFFICER)
    assert any("1か月以内に終了" in alert for view in views for alert in view.alerts)


def test_a_protected_person_blocks_until_another_user_releases_this_request(
    store: LocalStore,
) -> None:
    _measure, persons = demo_measure(store, resident_perpetrator=False)
    applicant = persons[0]
    service, review = CertificateService(store), ReleaseReviewService(store)
    request = resident_copy(applicant)
    with pytest.raises(IssuanceBlocked, match="支援措置の対象者が含まれています") as blocked:
        service.preview(CLERK, request)
    assert applicant.atena_no in blocked.value.atena_nos

    release_id = service.request_release(CLERK, request, "本人からの請求（本人確認済み）")
    assert service.release_state(CLERK, release_id) == ("pending", None)
    with pytest.raises(IssuanceBlocked, match="審査がまだ終わっていません"):
        service.issue(CLERK, request, release_id=release_id)
    # A clerk has no release right; an officer who asked for it may not release it either.
    with pytest.raises(PermissionDenied):
        review.release(CLERK, release_id, "確認済み")
    both = context(Role.CLERK, Role.PROTECTION_OFFICER, staff_no="S0001", terminal="DEMO-T01")
    with pytest.raises(SeparationOfDutiesViolation):
        review.release(both, release_id, "確認済み")

    (pending,) = [v for v in review.releases(OFFICER) if v.release_id == release_id]
    assert pending.requested_by == "S0001" and pending.protected
    review.release(OFFICER, release_id, "申出者本人の請求であることを確認")
    issued = service.issue(CLERK, request, release_id=release_id)
    assert issued.issue_numbers
    # The release covered that one request: the next one is blocked again.
    with pytest.raises(IssuanceBlocked, match="すでに使われています"):
        service.issue(CLERK, request, release_id=release_id)
    with pytest.raises(IssuanceBlocked, match="審査"):
        service.preview(CLERK, request)
    with store.transaction() as session:
        entry = audit_entries(session, action="protection_release")[-1]
        assert entry.staff_no == "S0007" and entry.purpose == "申出者本人の請求であることを確認"


def test_a_release_is_for_that_request_and_runs_out(store: LocalStore) -> None:
    _measure, persons = demo_measure(store, resident_perpetrator=False)
    service, review = CertificateService(store), ReleaseReviewService(store)
    request = resident_copy(persons[0])
    release_id = service.request_release(CLERK, request, "")
    until = review.release(OFFICER, release_id, "確認済み")
    assert until == FIXED_NOW + dt.timedelta(minutes=30)
    with pytest.raises(IssuanceBlocked, match="この請求のものではありません"):
        service.issue(CLERK, dataclasses.replace(request, copies=2), release_id=release_id)
    with pytest.raises(IssuanceBlocked, match="有効時間"):
        service.issue(at(CLERK, until + dt.timedelta(minutes=1)), request, release_id=release_id)
    refused_id = service.request_release(CLERK, request, "")
    review.refuse(OFFICER, refused_id, "加害者の関係者の可能性があるため")
    with pytest.raises(IssuanceBlocked, match="認めませんでした"):
        service.issue(CLERK, request, release_id=refused_id)


def test_a_request_by_the_perpetrator_is_always_refused(store: LocalStore) -> None:
    _measure, persons = demo_measure(store, resident_perpetrator=False)
    service = CertificateService(store)
    with store.transaction() as session:
        named = session.scalars(
            select(ProtectionPerpetrator).where(ProtectionPerpetrator.atena_no.is_(None))
        ).all()
    perpetrator = next(p for p in named if p.birth_date)
    as_third_party = requester_self(
        persons[0],
        kind=RequesterKind.THIRD_PARTY,
        name=perpetrator.name.replace("\u3000", " "),
        atena_no=None,
        birth_date=perpetrator.birth_date,
        reason="家族の住所確認のため",
    )
    request = resident_copy(persons[0], requester=as_third_party)
    with pytest.raises(PerpetratorRefused, match="加害者"):
        service.preview(CLERK, request)
    with pytest.raises(PerpetratorRefused):
        service.request_release(CLERK, request, "")
    # The resident named as 加害者 of another measure, asking by 宛名番号 as an agent.
    _other, protected = demo_measure(store, resident_perpetrator=True)
    with store.transaction() as session:
        resident = session.scalars(
            select(ProtectionPerpetrator).where(ProtectionPerpetrator.atena_no.is_not(None))
        ).one()
        person = session.get(Person, resident.atena_no)
        assert person is not None
    agent = requester_self(
        person,
        kind=RequesterKind.AGENT,
        principal_atena_no=protected[0].atena_no,
        power_of_attorney=True,
    )
    with pytest.raises(PerpetratorRefused):
        service.preview(CLERK, resident_copy(protected[0], requester=agent))
    with store.transaction() as session:
        entry = audit_entries(session, action="certificate_refused")[-1]
        assert entry.detail["refusal"] == "PerpetratorRefused"


def test_an_issuance_hold_blocks_and_an_alert_hold_warns(store: LocalStore) -> None:
    service = CertificateService(store)
    home = family(store, 2, offset=4)
    protection = ProtectionService(store)
    hold_id = protection.set_hold(
        OFFICER,
        HoldInput(
            reason="住所の実態調査中", starts_on=FIXED_NOW.date(), atena_no=home.others[0].atena_no
        ),
    )
    with pytest.raises(IssuanceBlocked, match="発行抑止"):
        service.preview(CLERK, resident_copy(home.head))
    protection.lift_hold(OFFICER, hold_id, "調査終了")
    protection.set_hold(
        OFFICER,
        HoldInput(
            reason="世帯の確認中",
            starts_on=FIXED_NOW.date(),
            household_no=home.household_no,
            level="alert",
        ),
    )
    preview = service.preview(CLERK, resident_copy(home.head))
    assert any("世帯の確認中" in alert for alert in preview.alerts)


def test_managing_a_measure_its_period_and_its_end(store: LocalStore) -> None:
    protection = ProtectionService(store)
    service = CertificateService(store)
    home = family(store, 2, offset=5)
    measure_id = protection.register_measure(
        OFFICER,
        MeasureInput(
            applicant_atena_no=home.head.atena_no,
            accompanying=((home.others[0].atena_no, home.others[0].relationship),),
            starts_on=dt.date(2026, 4, 1),
            perpetrators=(PerpetratorInput("架空　加害者", birth_date="1970-01-01"),),
        ),
    )
    (view,) = [v for v in protection.measures(OFFICER) if v.measure_id == measure_id]
    assert view.ends_on == dt.date(2027, 3, 31) and len(view.protected) == 2
    with pytest.raises(ProtectionRefused, match="1か月前"):
        protection.extend(OFFICER, measure_id)
    later = at(OFFICER, dt.datetime(2027, 3, 10, 9, 0))
    assert protection.extend(later, measure_id) == dt.date(2028, 3, 31)
    assert protection.person_alerts(CLERK, home.head.atena_no)
    with pytest.raises(IssuanceBlocked):
        service.preview(CLERK, resident_copy(home.head))
    protection.end_measure(OFFICER, measure_id, "申出者からの終了の申出")
    assert service.preview(CLERK, resident_copy(home.head)).persons
    with pytest.raises(PermissionDenied):
        protection.register_measure(
            CLERK,
            MeasureInput(
                applicant_atena_no=home.head.atena_no,
                starts_on=dt.date(2026, 4, 1),
                perpetrators=(PerpetratorInput("架空　加害者"),),
            ),
        )


def test_the_auditor_sees_look_ups_of_protected_persons(store: LocalStore) -> None:
    _measure, persons = demo_measure(store, resident_perpetrator=False)
    with store.transaction() as session:
        append_audit(
            session,
            at=FIXED_NOW,
            terminal_id="DEMO-T01",
            staff_no="S0002",
            action="view_person",
            target_persons=[persons[0].atena_no],
        )
    auditor = context(Role.AUDITOR, staff_no="S0009")
    rows = AuditReviewService(store).entries(auditor, AuditFilter(atena_no=persons[0].atena_no))
    assert any(PROTECTED_PERSON in row.flags for row in rows if row.action == "view_person")
