"""A stale base becomes a conflict with both versions, never an overwrite (R-SYNC-2)."""

from __future__ import annotations

from sqlalchemy import select

from madoguchi.app.domain.permissions import Role
from madoguchi.app.services.review.service import ReviewService
from madoguchi.storage.models import ChangeHistory, Draft
from madoguchi.storage.sync import blocked_persons, list_problems
from tests.storage.sync.scenarios import (
    OTHER_SUPERVISOR,
    SUPERVISOR,
    banchi_by_person,
    family,
    move_within,
    person,
)


def draft_status(terminal, draft_id: str) -> str:
    with terminal.store.transaction() as session:
        draft = session.get(Draft, draft_id)
        assert draft is not None
        return draft.status


def test_two_terminals_approving_the_same_household_one_applies_one_conflicts(
    make_terminal, centre
):
    a, b = make_terminal("TERM-A"), make_terminal("TERM-B")
    home = family(a.store, 2, offset=11)
    atena_no = home.householder.atena_no
    # A works offline; B approves a different move of the same household and syncs first.
    late = move_within(a, home, "1-1")
    early = move_within(b, home, "2-2", approve_as=OTHER_SUPERVISOR)
    assert b.sync().push.conflicts == 0
    ours = person(a, atena_no)

    report = a.sync()
    assert report.ok and report.push.conflicts == 1 and report.push.rejected == 0

    # The centre kept B's change and queued A's with both versions; nothing was lost.
    assert centre.scalar("SELECT banchi FROM persons WHERE atena_no = %s", [atena_no]) == "2-2"
    with centre.admin() as conn:
        status, stale, client, server = conn.execute(
            "SELECT status, stale, client_version, server_version FROM sync_conflicts"
            " WHERE draft_id = %s",
            [late],
        ).fetchone()
    assert status == "open"
    members = {m.atena_no for m in home.members}
    assert {s["key"] for s in stale if s["entity"] == "person"} == members
    assert banchi_by_person(client["persons"], after=True)[atena_no] == "1-1"
    assert banchi_by_person(server["persons"])[atena_no] == "2-2"

    # A shows the centre's state again, the draft waits for review again, and the conflict
    # is listed with both versions; the person is blocked.
    assert person(a, atena_no).banchi == "2-2"
    assert draft_status(a, late) == "draft"
    with a.store.transaction() as session:
        assert not session.scalars(
            select(ChangeHistory).where(ChangeHistory.process_id == ours.process_id)
        ).all()
        (problem,) = list_problems(session)
        assert problem.kind == "conflict" and problem.draft_id == late
        assert atena_no in problem.persons
        assert banchi_by_person(problem.ours["persons"], after=True)[atena_no] == "1-1"
        assert banchi_by_person(problem.centre["persons"])[atena_no] == "2-2"
        assert atena_no in blocked_persons(session)
    # B is untouched by A's conflicting approval.
    assert b.sync().ok and person(b, atena_no).banchi == "2-2"
    assert draft_status(b, early) == "approved"


def test_later_ops_on_a_conflicted_household_wait_until_it_is_settled(make_terminal, centre):
    a, b = make_terminal("TERM-A"), make_terminal("TERM-B")
    home = family(a.store, 2, offset=12)
    atena_no = home.householder.atena_no
    late = move_within(a, home, "3-3")
    move_within(b, home, "4-4", approve_as=OTHER_SUPERVISOR)
    b.sync()
    assert a.sync().push.conflicts == 1

    # Another notification for the same household, saved on A while the conflict is open.
    waiting = move_within(a, family(a.store, 2, offset=12), "5-5", approve_as=None)
    report = a.sync()
    assert report.push.held == 1 and report.push.delivered >= 1  # its audit entry went on

    # The supervisor settles it: refresh the conflicted draft against the centre's state,
    # approve it again (a new op on the same draft, not held); the centre supersedes the
    # conflict, and the waiting op goes through.
    supervisor = a.ctx(Role.SUPERVISOR, staff_no=SUPERVISOR)
    review = ReviewService(a.store)
    review.refresh(supervisor, late)
    review.approve(supervisor, late)
    settled = a.sync()
    assert settled.push.conflicts == 0 and settled.push.delivered >= 2
    assert centre.scalar("SELECT status FROM sync_conflicts WHERE draft_id = %s", [late]) == (
        "superseded"
    )
    assert centre.scalar("SELECT banchi FROM persons WHERE atena_no = %s", [atena_no]) == "3-3"
    final = a.sync()
    assert final.push.held == 0
    assert centre.scalar("SELECT status FROM drafts WHERE draft_id = %s", [waiting]) == "draft"
    with a.store.transaction() as session:
        assert list_problems(session) == []
        assert blocked_persons(session) == set()


def test_a_conflict_restores_a_person_into_a_household_this_terminal_has_not_pulled_yet(
    make_terminal, centre
):
    from madoguchi.app.domain.intake import IntakeForm, Variant
    from madoguchi.app.services.intake import MoveWithinService
    from tests.app.services.intake.conftest import TODAY, days_ago, identity, mover_of, new_address

    a, b = make_terminal("TERM-A"), make_terminal("TERM-B")
    home = family(a.store, 2, offset=13)
    leaver = home.others[0]
    late = move_within(a, home, "8-1")  # A, offline: the whole household moves
    # B: one member moves out on their own, into a new household.
    form = IntakeForm(
        variant=Variant.MOVE_WITHIN,
        moved_on=days_ago(1),
        notified_on=TODAY,
        movers=(mover_of(leaver, relationship="世帯主"),),
        destination=new_address(b.store, "8-2"),
        identity_check=identity(),
    )
    draft = MoveWithinService(b.store).save(b.ctx(Role.CLERK, staff_no="S0001"), form)
    ReviewService(b.store).approve(
        b.ctx(Role.SUPERVISOR, staff_no=OTHER_SUPERVISOR), draft.draft_id
    )
    assert b.sync().push.conflicts == 0
    new_household = person(b, leaver.atena_no).household_no
    assert new_household != home.household.household_no

    report = a.sync()
    assert report.ok and report.push.conflicts == 1
    assert person(a, leaver.atena_no).household_no == new_household
    assert draft_status(a, late) == "draft"
