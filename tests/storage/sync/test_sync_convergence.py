"""Randomized convergence (in the spirit of Jepsen): several in-process terminals approve
changes to the same few households in random interleavings of syncs and lost answers; in the
end every op was applied, conflicted or refused exactly once and every terminal equals the
centre."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from madoguchi.app.context import FixedClock
from madoguchi.app.domain.permissions import Role
from madoguchi.app.services.review.service import ReviewService
from madoguchi.storage.models import OutboxEntry, Person
from madoguchi.storage.sync import PostgresCentre, SyncWorker, enrol_loaded_copy, list_problems
from tests.app.services.intake.conftest import family
from tests.helpers.postgres import drop_centre, new_centre
from tests.helpers.stores import FIXED_NOW, copy_store
from tests.storage.sync.conftest import Terminal
from tests.storage.sync.faults import FaultyCentre
from tests.storage.sync.scenarios import OTHER_SUPERVISOR, SUPERVISOR, move_within

NAMES = ("TERM-A", "TERM-B", "TERM-C")
STEP = st.tuples(
    st.sampled_from(NAMES),
    st.sampled_from(["approve", "approve", "sync", "lose_answer"]),
    st.integers(0, 2),
)
_examples = iter(range(10_000))


def settle(terminals: dict[str, Terminal]) -> None:
    """Sync until a whole round moves nothing; a supervisor rejects each conflicted draft,
    which settles the conflict."""
    for _ in range(12):
        moved = False
        for name, terminal in terminals.items():
            report = terminal.sync()
            assert report.ok, report.error
            moved = moved or bool(report.push.batches or report.pull.applied or report.push.held)
            with terminal.store.transaction() as session:
                conflicts = [p for p in list_problems(session) if p.kind == "conflict"]
            for problem in conflicts:
                approver = OTHER_SUPERVISOR if name == "TERM-B" else SUPERVISOR
                ctx = terminal.ctx(Role.SUPERVISOR, staff_no=approver)
                ReviewService(terminal.store).reject(ctx, problem.draft_id, "競合のため差戻し")
                moved = True
        if not moved:
            return
    raise AssertionError("sync did not settle")


@settings(
    max_examples=5,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(STEP, min_size=4, max_size=9))
def test_random_interleavings_converge(pg_cluster, centre_template, demo_store, tmp_path, steps):
    example = next(_examples)
    centre = new_centre(pg_cluster)
    terminals: dict[str, Terminal] = {}
    try:
        for name in NAMES:
            store = copy_store(demo_store, tmp_path / f"{example}-{name}.db")
            enrol_loaded_copy(store, 0)
            centre_link = PostgresCentre(centre.terminal_dsn(name))
            terminals[name] = Terminal(name, store, FixedClock(FIXED_NOW), centre_link)
        homes = [family(demo_store, 2, offset=60 + i) for i in range(3)]
        for number, (name, action, home) in enumerate(steps):
            terminal = terminals[name]
            if action == "approve":
                move_within(terminal, homes[home], f"{70 + number}-{home}")
            elif action == "sync":
                terminal.sync()
            else:
                faulty = FaultyCentre(terminal.centre, lose_next_answers=1)
                SyncWorker(
                    terminal.store, faulty, clock=terminal.clock.now, listen=False
                ).run_once()
        settle(terminals)

        with centre.admin() as conn:
            answers = dict(conn.execute("SELECT op_id::text, result FROM applied_ops").fetchall())
            central = {
                row[0]: row[1:]
                for row in conn.execute(
                    "SELECT atena_no, banchi, row_version, process_id FROM persons"
                    " WHERE household_no = ANY(%s) OR atena_no = ANY(%s)",
                    [
                        [h.household.household_no for h in homes],
                        [m.atena_no for h in homes for m in h.members],
                    ],
                )
            }
        final = {"delivered": "applied", "conflict": "conflict", "rejected": "rejected"}
        for terminal in terminals.values():
            with terminal.store.transaction() as session:
                ops = session.scalars(
                    select(OutboxEntry).where(OutboxEntry.state != "loaded")
                ).all()
                for op in ops:
                    # Exactly one answer per op, the same at the centre and here.
                    assert op.state in final, (op.op_type, op.state)
                    assert answers[op.op_id] == final[op.state]
                local = {
                    p.atena_no: (p.banchi, p.row_version, p.process_id)
                    for p in session.scalars(select(Person).where(Person.atena_no.in_(central)))
                }
            assert local == central, terminal.terminal_id
    finally:
        for terminal in terminals.values():
            terminal.centre.close()
            terminal.store.close()
        drop_centre(centre)
