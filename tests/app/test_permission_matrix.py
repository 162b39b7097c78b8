"""The whole permission matrix walked at the service layer, without the GUI (R-ROLE-2),
and the separation-of-duties rules (R-ROLE-3)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from madoguchi.app.context import ServiceContext
from madoguchi.app.domain.certificates import CertificateKind, RequesterKind
from madoguchi.app.domain.intake import IntakeForm, Mover, Variant
from madoguchi.app.domain.permissions import PERMISSIONS, Action, PermissionDenied, Role
from madoguchi.app.domain.separation import (
    SeparationOfDutiesViolation,
    check_approver,
    check_grant,
    check_role_set,
)
from madoguchi.app.services.admin import AdminRefused
from madoguchi.app.services.audit_review import AuditFilter
from madoguchi.app.services.certificates import CertificateRequest, CertificateService, Requester
from madoguchi.app.services.counter import CounterServices
from madoguchi.app.services.intake import MoveInService
from madoguchi.app.services.interfaces import InterfaceQueueService
from madoguchi.app.services.masking import RestrictedItem
from madoguchi.app.services.protection import ProtectionService
from madoguchi.app.services.protection_release import ReleaseReviewService
from madoguchi.app.services.review.corrections import CorrectionService
from madoguchi.app.services.review.service import ReviewFilter, ReviewService
from madoguchi.app.services.search import SearchCriteria
from madoguchi.smartcard.card_data import BasicFour, CardFace
from madoguchi.storage.models import Person
from madoguchi.storage.store import LocalStore
from tests.helpers.stores import add_staff, context

Call = Callable[[CounterServices, ServiceContext], object]


@pytest.fixture(scope="module")
def people(demo_store: LocalStore) -> dict[str, Person]:
    with demo_store.transaction() as session:
        japanese = session.scalars(
            select(Person).where(
                Person.individual_number.is_not(None),
                Person.resident_code.is_not(None),
                Person.honseki.is_not(None),
            )
        ).first()
        foreign = session.scalars(
            select(Person).where(Person.is_foreign.is_(True), Person.residence_status.is_not(None))
        ).first()
    assert japanese is not None and foreign is not None
    return {"japanese": japanese, "foreign": foreign}


def card_face(person: Person) -> CardFace:
    """A card read to compare with ``person`` (only the permission matters here)."""
    assert person.individual_number is not None
    four = BasicFour(person.family_name, person.address, dt.date(1980, 1, 1), "female")
    return CardFace(person.individual_number, four, 3)


def move_in_form() -> IntakeForm:
    """A 転入 form to check (checking writes nothing)."""
    return IntakeForm(
        variant=Variant.DOMESTIC_MOVE_IN,
        moved_on=dt.date(2026, 10, 30),
        notified_on=dt.date(2026, 11, 2),
        movers=(Mover(family_name="試験", given_name="一郎", relationship="世帯主"),),
    )


def certificate_request(person: Person) -> CertificateRequest:
    """The person's own copy, asked for by the person (previewing writes only an audit entry)."""
    kind = CertificateKind.RESIDENT_COPY
    if person.status != "current":
        kind = CertificateKind.REMOVED_COPY
    requester = Requester(
        RequesterKind.SELF, person.family_name, atena_no=person.atena_no, documents=("P01",)
    )
    return CertificateRequest(kind, (person.atena_no,), requester)


def entry_points(people: dict[str, Person]) -> dict[Action, tuple[Call, set[Action]]]:
    """One service entry point per action, and every action it needs."""
    jp, fr = people["japanese"], people["foreign"]
    assert jp.individual_number is not None
    number = jp.individual_number

    def reveal(person: Person, item: RestrictedItem) -> Call:
        return lambda s, ctx: s.reveal.reveal(ctx, person.atena_no, item, "権限一覧の検証")

    return {
        Action.SEARCH_PERSON: (
            lambda s, ctx: s.search.search(ctx, SearchCriteria(atena_no=jp.atena_no)),
            {Action.SEARCH_PERSON},
        ),
        Action.VIEW_PERSON: (
            lambda s, ctx: s.register_view.person(ctx, jp.atena_no),
            {Action.VIEW_PERSON},
        ),
        Action.SEARCH_BY_INDIVIDUAL_NUMBER: (
            lambda s, ctx: s.search.search(ctx, SearchCriteria(individual_number=number)),
            {Action.SEARCH_PERSON, Action.SEARCH_BY_INDIVIDUAL_NUMBER},
        ),
        Action.VIEW_INDIVIDUAL_NUMBER: (
            reveal(jp, RestrictedItem.INDIVIDUAL_NUMBER),
            {Action.VIEW_INDIVIDUAL_NUMBER},
        ),
        Action.VIEW_RESIDENT_CODE: (
            reveal(jp, RestrictedItem.RESIDENT_CODE),
            {Action.VIEW_RESIDENT_CODE},
        ),
        Action.VIEW_HONSEKI: (reveal(jp, RestrictedItem.HONSEKI), {Action.VIEW_HONSEKI}),
        Action.VIEW_RESIDENCE_STATUS: (
            reveal(fr, RestrictedItem.RESIDENCE_STATUS),
            {Action.VIEW_RESIDENCE_STATUS},
        ),
        Action.READ_CARD: (
            lambda s, ctx: s.identity_check.compare(ctx, card_face(jp), jp.atena_no),
            {Action.READ_CARD},
        ),
        Action.INTAKE: (
            lambda s, ctx: MoveInService(s.store).check(ctx, move_in_form()),
            {Action.INTAKE},
        ),
        Action.REVIEW: (lambda s, ctx: ReviewService(s.store).queue(ctx), {Action.REVIEW}),
        Action.PROPOSE_CORRECTION: (
            lambda s, ctx: CorrectionService(s.store).propose_correction(
                ctx, jp.atena_no, {"katagaki": "権限一覧の検証"}, reason="権限一覧の検証"
            ),
            {Action.PROPOSE_CORRECTION},
        ),
        Action.APPROVE_CORRECTION: (
            lambda s, ctx: ReviewService(s.store).queue(ctx, ReviewFilter(kind="correction")),
            {Action.REVIEW, Action.APPROVE_CORRECTION},
        ),
        Action.STAFF_ADMIN: (lambda s, ctx: s.admin.accounts(ctx), {Action.STAFF_ADMIN}),
        Action.AUDIT_VIEW: (
            lambda s, ctx: s.audit_review.entries(ctx, AuditFilter()),
            {Action.AUDIT_VIEW},
        ),
        Action.INTERFACE_OPERATE: (
            lambda s, ctx: InterfaceQueueService(s.store).queues(ctx),
            {Action.INTERFACE_OPERATE},
        ),
        Action.ISSUE_CERTIFICATE: (
            lambda s, ctx: CertificateService(s.store).preview(ctx, certificate_request(jp)),
            {Action.ISSUE_CERTIFICATE},
        ),
        Action.MANAGE_PROTECTION: (
            lambda s, ctx: ProtectionService(s.store).measures(ctx),
            {Action.MANAGE_PROTECTION},
        ),
        Action.RELEASE_PROTECTION: (
            lambda s, ctx: ReleaseReviewService(s.store).releases(ctx),
            {Action.RELEASE_PROTECTION},
        ),
    }


def test_every_action_has_an_entry_point(people: dict[str, Person]) -> None:
    assert set(entry_points(people)) == set(Action)


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("role", list(Role))
def test_role_times_action(
    demo_store: LocalStore, people: dict[str, Person], role: Role, action: Action
) -> None:
    services = CounterServices.build(demo_store, "TEST-T01")
    call, needs = entry_points(people)[action]
    ctx = context(role)
    if needs <= PERMISSIONS[role]:
        assert call(services, ctx) is not None
    else:
        with pytest.raises(PermissionDenied):
            call(services, ctx)


def test_nobody_approves_their_own_entry() -> None:
    with pytest.raises(SeparationOfDutiesViolation, match="決裁できません"):
        check_approver("S0010", ["S0010"])
    with pytest.raises(SeparationOfDutiesViolation):
        check_approver("S0005", ["S0001", "S0005"])  # changed it after the maker
    check_approver("S0005", ["S0001"])


def test_incompatible_roles_and_self_grants_are_refused() -> None:
    with pytest.raises(SeparationOfDutiesViolation, match="兼ねられません"):
        check_role_set({Role.CONTRACTOR, Role.SUPERVISOR})
    check_role_set({Role.CLERK, Role.SUPERVISOR})
    with pytest.raises(SeparationOfDutiesViolation):
        check_grant("S0008", "S0008")


def test_the_admin_service_applies_them(tmp_path: Path) -> None:
    store = LocalStore.open(tmp_path / "admin.db", create=True)
    add_staff(store, "S0008", Role.ADMIN)
    add_staff(store, "S0004", Role.CONTRACTOR)
    services = CounterServices.build(store, "TEST-T01")
    admin = context(Role.ADMIN, staff_no="S0008")
    with pytest.raises(AdminRefused, match="自分自身"):
        services.admin.set_roles(admin, "S0008", [Role.ADMIN, Role.AUDITOR])
    with pytest.raises(AdminRefused, match="兼ねられません"):
        services.admin.set_roles(admin, "S0004", [Role.CONTRACTOR, Role.SUPERVISOR])
    store.close()
