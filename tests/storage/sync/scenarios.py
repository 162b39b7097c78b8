"""Register work for sync tests: a clerk saves a notification, a supervisor approves it."""

from __future__ import annotations

from sqlalchemy import func, select

from madoguchi.app.domain.intake import IntakeForm, Variant
from madoguchi.app.domain.permissions import Role
from madoguchi.app.services.intake import MoveWithinService
from madoguchi.app.services.intake.base import AlertsNotConfirmed
from madoguchi.app.services.review.service import ReviewService
from madoguchi.storage.models import OutboxEntry, Person
from madoguchi.storage.sync.envelope import envelope
from madoguchi.storage.sync.push import prepare_pending
from tests.app.services.intake.conftest import (
    TODAY,
    Family,
    days_ago,
    family,
    identity,
    mover_of,
    new_address,
)

CLERK = "S0001"
SUPERVISOR = "S0005"
OTHER_SUPERVISOR = "S0006"


def move_within(
    terminal, home: Family, banchi: str, *, approve_as: str | None = SUPERVISOR, maker: str = CLERK
):
    """転居 of the whole household to ``banchi``, saved by the clerk (and approved)."""
    form = IntakeForm(
        variant=Variant.MOVE_WITHIN,
        moved_on=days_ago(1),
        notified_on=TODAY,
        movers=tuple(mover_of(m) for m in home.members),
        destination=new_address(terminal.store, banchi),
        identity_check=identity(),
    )
    service, clerk = MoveWithinService(terminal.store), terminal.ctx(Role.CLERK, staff_no=maker)
    try:
        draft = service.save(clerk, form)
    except AlertsNotConfirmed as alerts:  # e.g. another draft pending: the clerk confirms
        draft = service.save(clerk, form, confirmed={a.key for a in alerts.alerts})
    if approve_as is not None:
        ReviewService(terminal.store).approve(
            terminal.ctx(Role.SUPERVISOR, staff_no=approve_as), draft.draft_id
        )
    return draft.draft_id


def pending_envelopes(terminal) -> list[dict]:
    """The terminal's pending ops, prepared, as ``sync.push`` takes them."""
    prepare_pending(terminal.store)
    with terminal.store.transaction() as session:
        entries = session.scalars(
            select(OutboxEntry).where(OutboxEntry.state == "pending").order_by(OutboxEntry.seq)
        )
        return [envelope(entry) for entry in entries]


def pending_count(terminal) -> int:
    """How many ops wait for the centre."""
    with terminal.store.transaction() as session:
        return session.scalar(
            select(func.count()).select_from(OutboxEntry).where(OutboxEntry.state == "pending")
        )


def banchi_by_person(persons: list[dict], *, after: bool = False) -> dict[str, str]:
    """atena_no → 番地 of a list of person images (``after``: of an approval's effect)."""
    return {p["atena_no"]: (p["after"] if after else p)["banchi"] for p in persons}


def person(terminal, atena_no: str) -> Person:
    """The replica's row of one person."""
    with terminal.store.transaction() as session:
        row = session.get(Person, atena_no)
        assert row is not None
        return row


__all__ = ["family", "move_within", "person"]
