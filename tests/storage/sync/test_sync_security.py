"""Least privilege at the centre (R-SYNC-4): terminals call functions, never tables, and
the functions check every op again (a terminal is not trusted)."""

from __future__ import annotations

import psycopg
import pytest

from madoguchi.app.domain.permissions import Action, Role
from madoguchi.app.services.centre_setup import ACTIONS_NAMED_IN_SQL
from madoguchi.app.services.review.service import ReviewService
from madoguchi.storage.central.admin import PROTECTION_OP_ACTIONS
from madoguchi.storage.central.models import CentralBase
from madoguchi.storage.sync import CentreRefused, PostgresCentre, list_problems
from tests.storage.sync.scenarios import family, move_within, pending_envelopes, person

OTHER_CLERK = "S0002"
MAKER_SUPERVISOR = "S0010"
# Every table of the metadata (the 支援措置 tables of revision 0002 included), and the view a
# measure travels as.
CENTRAL_TABLES = sorted(
    [*CentralBase.metadata.tables, "alembic_version", "protection_measure_images"]
)


def first_column(centre, table: str) -> str:
    return centre.scalar(
        "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum = 1", [table]
    )


@pytest.mark.parametrize("verb", ["SELECT", "INSERT", "UPDATE", "DELETE"])
def test_a_terminal_role_is_refused_every_statement_on_every_table(centre, verb):
    refused = []
    with psycopg.connect(centre.terminal_dsn("TERM-A"), autocommit=True) as terminal:
        for table in CENTRAL_TABLES:
            column = first_column(centre, table)
            statement = {
                "SELECT": f"SELECT * FROM public.{table} LIMIT 1",
                "INSERT": f"INSERT INTO public.{table} DEFAULT VALUES",
                "UPDATE": f"UPDATE public.{table} SET {column} = {column}",
                "DELETE": f"DELETE FROM public.{table}",
            }[verb]
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                terminal.execute(statement)
            refused.append(table)
    assert refused == CENTRAL_TABLES and len(refused) >= 26
    assert {"protection_measures", "issuance_holds", "protection_releases"} <= set(refused)


def test_the_sync_functions_work_for_a_terminal_and_know_who_it_is(centre):
    with psycopg.connect(centre.terminal_dsn("TERM-B"), autocommit=True) as terminal:
        (who,) = terminal.execute("SELECT sync.whoami()").fetchone()
    assert who["terminal_id"] == "TERM-B" and who["role"] == "term_b"


def test_row_level_security_stands_behind_the_grants(centre):
    # Should a table right ever be granted by mistake, RLS still shows a terminal nothing.
    with centre.admin() as admin:
        admin.execute("GRANT USAGE ON SCHEMA public TO term_a")
        admin.execute("GRANT SELECT ON persons TO term_a")
    try:
        with psycopg.connect(centre.terminal_dsn("TERM-A"), autocommit=True) as terminal:
            assert terminal.execute("SELECT count(*) FROM public.persons").fetchone()[0] == 0
        assert centre.scalar("SELECT count(*) FROM persons") > 0
    finally:
        with centre.admin() as admin:
            admin.execute("REVOKE SELECT ON persons FROM term_a")
            admin.execute("REVOKE USAGE ON SCHEMA public FROM term_a")


def test_a_role_that_is_not_a_registered_terminal_is_refused(centre):
    with centre.admin() as admin:
        admin.execute("CREATE ROLE stranger LOGIN IN ROLE madoguchi_terminal")
    stranger = PostgresCentre(centre.cluster.dsn(centre.name, user="stranger"))
    try:
        with pytest.raises(CentreRefused):
            stranger.push([])
    finally:
        stranger.close()


def test_the_centre_refuses_an_approval_by_someone_who_is_not_a_supervisor(make_terminal, centre):
    a = make_terminal("TERM-A")
    home = family(a.store, 2, offset=15)
    before = person(a, home.householder.atena_no)
    # The terminal believes the clerk is a supervisor (a tampered or stale terminal).
    draft_id = move_within(a, home, "6-6", approve_as=None)
    ReviewService(a.store).approve(a.ctx(Role.SUPERVISOR, staff_no=OTHER_CLERK), draft_id)

    report = a.sync()
    assert report.ok and report.push.rejected == 1 and report.push.conflicts == 0
    assert centre.scalar("SELECT status FROM drafts WHERE draft_id = %s", [draft_id]) == "draft"
    assert (
        centre.scalar("SELECT banchi FROM persons WHERE atena_no = %s", [home.householder.atena_no])
        == before.banchi
    )
    # The terminal shows the centre's state again and the refusal with its reason.
    assert person(a, home.householder.atena_no).banchi == before.banchi
    with a.store.transaction() as session:
        (problem,) = list_problems(session)
    assert problem.kind == "rejected" and "権限" in problem.reason and OTHER_CLERK in problem.reason


def test_the_centre_refuses_self_approval_and_ops_of_another_terminal(make_terminal, centre):
    a = make_terminal("TERM-A")
    # S0010 is a clerk and a supervisor: the maker here, and then the forged approver.
    draft_id = move_within(a, family(a.store, 2, offset=16), "7-1", maker=MAKER_SUPERVISOR)
    ops = pending_envelopes(a)
    approval = next(op for op in ops if op["op_type"] == "approve_draft")
    others = [op for op in ops if op is not approval]
    assert {r["result"] for r in a.centre.push(others)} == {"applied"}

    forged = dict(approval, op_id="00000000-0000-4000-8000-000000000001", staff_no=MAKER_SUPERVISOR)
    (answer,) = a.centre.push([forged])
    assert answer["result"] == "rejected" and "自分が受け付けた" in answer["reason"]
    elsewhere = dict(approval, op_id="00000000-0000-4000-8000-000000000002", terminal_id="TERM-B")
    (answer,) = a.centre.push([elsewhere])
    assert answer["result"] == "rejected" and "TERM-B" in answer["reason"]
    (answer,) = a.centre.push([approval])
    assert answer["result"] == "applied"
    assert centre.scalar("SELECT status FROM drafts WHERE draft_id = %s", [draft_id]) == "approved"


def test_the_actions_the_central_sql_names_are_in_the_matrix():
    assert set(ACTIONS_NAMED_IN_SQL) <= {a.value for a in Action}
    assert set(PROTECTION_OP_ACTIONS.values()) <= {a.value for a in Action}


def test_the_centre_knows_the_right_of_every_protection_op(centre):
    with centre.admin() as conn:
        rows = dict(conn.execute("SELECT op_type, action FROM op_actions").fetchall())
    assert PROTECTION_OP_ACTIONS.items() <= rows.items()
    assert rows["decide_release"] == Action.RELEASE_PROTECTION.value
    assert rows["register_measure"] == rows["end_measure"] == Action.MANAGE_PROTECTION.value


def test_the_centre_holds_the_applications_permission_matrix(centre):
    from madoguchi.app.services.centre_setup import matrix

    with centre.admin() as conn:
        rows = conn.execute("SELECT role, action FROM role_permissions").fetchall()
    assert {(r, a) for r, a in rows} == {(r, a) for r, actions in matrix().items() for a in actions}


# -- the interfaces role (revision 0004) -------------------------------------------------------

QUEUE_TABLES = {"interface_records", "interface_runs"}


def interfaces_operator(centre) -> psycopg.Connection:
    from madoguchi.storage.central.queues import provision_interfaces_role

    with centre.admin() as admin:
        provision_interfaces_role(admin, "iface_ops")
    return psycopg.connect(centre.cluster.dsn(centre.name, user="iface_ops"), autocommit=True)


def test_the_interfaces_role_touches_no_other_table(centre):
    with interfaces_operator(centre) as ops:
        others = [t for t in CENTRAL_TABLES if t not in QUEUE_TABLES]
        for table in others:
            for statement in (
                f"SELECT * FROM public.{table} LIMIT 1",
                f"DELETE FROM public.{table}",
            ):
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    ops.execute(statement)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            ops.execute("SELECT sync.push('[]'::jsonb)")
        assert len(others) >= 25 and {"persons", "staff", "audit_log", "op_journal"} <= set(others)


def test_the_interfaces_role_reads_the_queue_and_changes_only_status_and_payload(centre):
    with interfaces_operator(centre) as ops:
        ops.execute("SELECT count(*) FROM public.interface_records").fetchone()
        ops.execute("UPDATE public.interface_records SET status = status, attempts = attempts")
        ops.execute("UPDATE public.interface_records SET payload = payload")
        for statement in (
            "INSERT INTO public.interface_records DEFAULT VALUES",
            "DELETE FROM public.interface_records",
            "UPDATE public.interface_records SET queue = queue",
            "UPDATE public.interface_records SET record_id = record_id",
            # Its journal: append only, and it cannot say who it is.
            "UPDATE public.interface_runs SET staff_no = staff_no",
            "DELETE FROM public.interface_runs",
            "INSERT INTO public.interface_runs (db_role, staff_no, terminal_id, action, run_at,"
            " delivered, failed, held, purged, record_ids, detail) VALUES ('someone', 'S0008',"
            " 'X', 'deliver', now(), 0, 0, 0, 0, '[]', '{}')",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                ops.execute(statement)
        ops.execute(
            "INSERT INTO public.interface_runs (staff_no, terminal_id, action, run_at,"
            " delivered, failed, held, purged, record_ids, detail) VALUES ('S0008', 'X',"
            " 'deliver', now(), 0, 0, 0, 0, '[]', '{}')"
        )
    assert centre.scalar("SELECT db_role FROM interface_runs") == "iface_ops"
    # Append-only for the table's owner too.
    with centre.admin() as admin, pytest.raises(psycopg.Error, match="append-only"):
        admin.execute("UPDATE interface_runs SET staff_no = 'S0001'")


def test_terminals_cannot_ask_who_operates_the_queues(centre):
    with (
        psycopg.connect(centre.terminal_dsn("TERM-A"), autocommit=True) as terminal,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        terminal.execute("SELECT interfaces.operator('S0008')")
    with interfaces_operator(centre) as ops:
        (found,) = ops.execute("SELECT interfaces.operator('S0008')").fetchone()
        (refused,) = ops.execute("SELECT interfaces.operator('S0001')").fetchone()
    assert found["staff_no"] == "S0008" and refused is None


def test_the_setup_command_makes_an_interface_operators_role_and_nothing_more(centre, capsys):
    from madoguchi.app.services.centre_setup import main

    role = "if_setup_cli"
    try:
        assert main(["interfaces-role", "--dsn", centre.admin_dsn, "--role", role]) == 0
        assert role in capsys.readouterr().out
        with centre.admin() as conn:
            groups = conn.execute(
                "SELECT array_agg(g.rolname::text) FROM pg_auth_members m"
                " JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles r ON r.oid = m.member"
                " WHERE r.rolname = %s",
                [role],
            ).fetchone()[0]
        assert groups == ["madoguchi_interfaces"]
        with pytest.raises(ValueError, match="role name"):
            main(["interfaces-role", "--dsn", centre.admin_dsn, "--role", "Bad-Name"])
    finally:
        with centre.admin() as conn:
            conn.execute(f"DROP ROLE IF EXISTS {role}")
