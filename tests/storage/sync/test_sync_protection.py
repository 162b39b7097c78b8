"""支援措置, 発行抑止 and 一時解除 reach every window through the centre (R-CERT-4, R-SYNC-1…4).

A measure registered at one terminal must stop the victim's certificates at every other
terminal after sync, through the real CertificateService; ending it, holds, release requests
and decisions travel the same way; a bootstrap brings them; the centre re-checks the rights;
two windows changing the same measure from the same version make a conflict.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from madoguchi.app.domain.permissions import Role
from madoguchi.app.services.certificates import CertificateService, IssuanceBlocked
from madoguchi.app.services.protection import (
    HoldInput,
    MeasureInput,
    PerpetratorInput,
    ProtectionService,
)
from madoguchi.app.services.protection_release import ReleaseReviewService
from madoguchi.storage.models import (
    CertificateIssue,
    IssuanceHold,
    ProtectedPerson,
    ProtectionMeasure,
    ProtectionPerpetrator,
    ProtectionRelease,
)
from madoguchi.storage.store import LocalStore
from madoguchi.storage.sync import PostgresCentre, bootstrap, list_problems
from tests.app.services.certificates.conftest import family, resident_copy

CLERK = "S0001"
OFFICER = "S0007"
SECOND_OFFICER = "S0012"  # added at the centre by the tests that need two officers
DUAL = "S0013"  # a clerk who is also a 支援措置責任者 (added at the centre)
START = dt.date(2026, 11, 1)


def officer(terminal, staff_no: str = OFFICER):
    return terminal.ctx(Role.PROTECTION_OFFICER, staff_no=staff_no)


def clerk(terminal):
    return terminal.ctx(Role.CLERK, staff_no=CLERK)


def register(terminal, atena_no: str, *, ends_on: dt.date | None = None, ctx=None) -> str:
    return ProtectionService(terminal.store).register_measure(
        ctx or officer(terminal),
        MeasureInput(
            applicant_atena_no=atena_no,
            starts_on=START,
            ends_on=ends_on,
            perpetrators=(PerpetratorInput(name="加害　太郎", birth_date="1980-04-01"),),
            note="同期の試験",
        ),
    )


def measure_row(store: LocalStore, measure_id: str) -> ProtectionMeasure | None:
    with store.transaction() as session:
        row = session.get(ProtectionMeasure, measure_id)
        if row is not None:
            session.expunge(row)
        return row


def parts(store: LocalStore, measure_id: str) -> tuple[list[tuple], list[tuple]]:
    with store.transaction() as session:
        persons = session.execute(
            select(ProtectedPerson.atena_no, ProtectedPerson.role)
            .where(ProtectedPerson.measure_id == measure_id)
            .order_by(ProtectedPerson.id)
        ).all()
        perpetrators = session.execute(
            select(ProtectionPerpetrator.name, ProtectionPerpetrator.birth_date)
            .where(ProtectionPerpetrator.measure_id == measure_id)
            .order_by(ProtectionPerpetrator.id)
        ).all()
    return [tuple(r) for r in persons], [tuple(r) for r in perpetrators]


def add_staff(centre, staff_no: str, roles: list[str]) -> None:
    """A staff account only the centre has yet (the terminals' contexts name it)."""
    with centre.admin() as admin:
        admin.execute(
            "INSERT INTO staff (staff_no, name, office, roles, valid_from, disabled, row_version)"
            " VALUES (%s, '試験 職員', '本庁舎 市民課', %s::jsonb, '2020-04-01', false, 1)",
            [staff_no, json.dumps(roles)],
        )


def add_second_officer(centre) -> None:
    add_staff(centre, SECOND_OFFICER, ["protection_officer"])


def synced(*terminals) -> None:
    for terminal in terminals:
        report = terminal.sync()
        assert report.ok, report


def test_a_measure_registered_at_one_window_blocks_certificates_at_another(make_terminal, centre):
    a, b = make_terminal("TERM-A"), make_terminal("TERM-B")
    home = family(a.store, 2, offset=3)
    request = resident_copy(home.head)
    CertificateService(b.store).preview(clerk(b), request)  # not blocked yet

    measure_id = register(a, home.head.atena_no)
    synced(a, b)

    assert (
        centre.scalar(
            "SELECT row_version FROM protection_measures WHERE measure_id = %s", [measure_id]
        )
        == 1
    )
    assert measure_row(b.store, measure_id) is not None
    assert parts(b.store, measure_id) == parts(a.store, measure_id)
    with pytest.raises(IssuanceBlocked, match="支援措置の対象者"):
        CertificateService(b.store).preview(clerk(b), request)
    with pytest.raises(IssuanceBlocked):
        CertificateService(b.store).issue(clerk(b), request)

    # The counter at B asks; the officer at A releases; B issues that one request, offline-marked.
    release_id = CertificateService(b.store).request_release(clerk(b), request, "本人確認済み")
    synced(b, a)
    (pending,) = ReleaseReviewService(a.store).releases(officer(a))
    assert pending.release_id == release_id and pending.terminal_id == "TERM-B"
    ReleaseReviewService(a.store).release(officer(a), release_id, "申出者本人の請求と確認")
    synced(a, b)
    assert CertificateService(b.store).release_state(clerk(b), release_id)[0] == "released"
    issued = CertificateService(b.store).issue(clerk(b), request, release_id=release_id)
    synced(b, a)

    # The centre knows the release was used: no other window can use it again.
    assert (
        centre.scalar("SELECT status FROM protection_releases WHERE release_id = %s", [release_id])
        == "used"
    )
    with a.store.transaction() as session:
        release = session.get(ProtectionRelease, release_id)
        assert release is not None and release.status == "used"
        assert release.used_by_issue == issued.issue_id
    # R-SYNC-3: issued from the replica while the centre was unreachable → marked, locally
    # and in the centre's journal.
    with b.store.transaction() as session:
        row = session.get(CertificateIssue, issued.issue_id)
        assert row is not None and row.offline is True
    journal = centre.scalar(
        "SELECT payload FROM op_journal WHERE op_type = 'issue_certificate'"
        " AND payload->>'issue_id' = %s",
        [issued.issue_id],
    )
    assert journal["offline"] is True and journal["release_id"] == release_id
    assert journal["data_as_of"] == row.data_as_of


def test_an_online_issuance_is_not_marked_offline(make_terminal, centre):
    b = make_terminal("TERM-B")
    home = family(b.store, 1, offset=2)
    service = CertificateService(b.store, centre_reachable=lambda: True)
    issued = service.issue(clerk(b), resident_copy(home.head))
    synced(b)
    with b.store.transaction() as session:
        row = session.get(CertificateIssue, issued.issue_id)
        assert row is not None and row.offline is False
    assert (
        centre.scalar(
            "SELECT payload->>'offline' FROM op_journal WHERE payload->>'issue_id' = %s",
            [issued.issue_id],
        )
        == "false"
    )


def test_ending_a_measure_and_lifting_a_hold_reach_every_window(make_terminal, centre):
    a, b, c = make_terminal("TERM-A"), make_terminal("TERM-B"), make_terminal("TERM-C")
    home = family(a.store, 2, offset=4)
    other = family(a.store, 1, offset=3)
    measure_id = register(a, home.head.atena_no)
    hold_id = ProtectionService(a.store).set_hold(
        officer(a),
        HoldInput(
            reason="裁判所からの照会対応中", starts_on=START, household_no=other.household_no
        ),
    )
    synced(a, b, c)
    for request in (resident_copy(home.head), resident_copy(other.head)):
        with pytest.raises(IssuanceBlocked):
            CertificateService(c.store).preview(clerk(c), request)

    # Ended and lifted at B (another officer's window): A and C follow.
    ProtectionService(b.store).end_measure(officer(b), measure_id, "申出者からの終了の申出")
    ProtectionService(b.store).lift_hold(officer(b), hold_id, "照会対応が終わったため")
    synced(b, a, c)

    assert (
        centre.scalar(
            "SELECT ended_by FROM protection_measures WHERE measure_id = %s", [measure_id]
        )
        == OFFICER
    )
    for terminal in (a, c):
        row = measure_row(terminal.store, measure_id)
        assert row is not None and row.ended_on == b.clock.now().date() and row.row_version == 2
        with terminal.store.transaction() as session:
            hold = session.get(IssuanceHold, hold_id)
            assert hold is not None and hold.lifted_on is not None and hold.row_version == 2
        CertificateService(terminal.store).preview(clerk(terminal), resident_copy(home.head))
        CertificateService(terminal.store).preview(clerk(terminal), resident_copy(other.head))


def test_a_new_terminal_bootstraps_the_measures_holds_and_releases(make_terminal, centre, tmp_path):
    a = make_terminal("TERM-A")
    home = family(a.store, 2, offset=5)
    measure_id = register(a, home.head.atena_no)
    hold_id = ProtectionService(a.store).set_hold(
        officer(a),
        HoldInput(reason="確認中の案件", starts_on=START, atena_no=home.others[0].atena_no),
    )
    release_id = CertificateService(a.store).request_release(
        clerk(a), resident_copy(home.head), "本人"
    )
    synced(a)

    store = LocalStore.open(tmp_path / "fresh.db", create=True)
    link = PostgresCentre(centre.terminal_dsn("TERM-C"))
    try:
        report = bootstrap(store, link, chunk_rows=2000)
    finally:
        link.close()
    try:
        central_measures = centre.scalar("SELECT count(*) FROM protection_measures")
        assert report.rows["protection_measure_images"] == central_measures >= 4  # 3 demo + 1
        assert report.rows["issuance_holds"] == centre.scalar("SELECT count(*) FROM issuance_holds")
        with store.transaction() as session:
            measures = {m.measure_id: m for m in session.scalars(select(ProtectionMeasure))}
            assert len(measures) == central_measures
            hold = session.get(IssuanceHold, hold_id)
            release = session.get(ProtectionRelease, release_id)
            assert hold is not None and hold.atena_no == home.others[0].atena_no
            assert release is not None and release.status == "pending"
            assert release.request == resident_copy(home.head).to_json()
        assert parts(store, measure_id) == parts(a.store, measure_id)
        # Every measure of the centre, the demo city's included, with its persons and 加害者.
        for other in measures:
            assert parts(store, other) == parts(a.store, other)
        ctx = officer(a)
        assert ProtectionService(store).protected_among(ctx, [home.head.atena_no]) == {
            home.head.atena_no
        }
    finally:
        store.close()


def test_the_centre_refuses_protection_ops_of_staff_without_the_right(make_terminal, centre):
    a, b = make_terminal("TERM-A"), make_terminal("TERM-B")
    home = family(a.store, 2, offset=6)
    # The terminal believes the clerk is a 支援措置責任者 (tampered or stale terminal).
    forged = a.ctx(Role.PROTECTION_OFFICER, staff_no=CLERK)
    measure_id = register(a, home.head.atena_no, ctx=forged)
    hold_id = ProtectionService(a.store).set_hold(
        officer(a), HoldInput(reason="確認中の案件", starts_on=START, atena_no=home.head.atena_no)
    )
    report = a.sync()
    assert report.ok and report.push.rejected == 1
    assert (
        centre.scalar(
            "SELECT count(*) FROM protection_measures WHERE measure_id = %s", [measure_id]
        )
        == 0
    )
    with a.store.transaction() as session:
        (problem,) = list_problems(session)
    assert problem.op_type == "register_measure" and "権限" in problem.reason
    assert CLERK in problem.reason and problem.ours["measure"]["measure_id"] == measure_id
    # Sync never takes a protection away by itself: the refused measure stays at A (shown as
    # refused); B never gets it.
    assert measure_row(a.store, measure_id) is not None
    synced(b)
    assert measure_row(b.store, measure_id) is None

    # A forged lift is refused and the hold comes back at the terminal that lifted it.
    ProtectionService(a.store).lift_hold(forged, hold_id, "権限のない解除")
    report = a.sync()
    assert report.push.rejected == 1
    with a.store.transaction() as session:
        hold = session.get(IssuanceHold, hold_id)
        assert hold is not None and hold.lifted_on is None and hold.row_version == 1
    with pytest.raises(IssuanceBlocked):
        CertificateService(a.store).preview(clerk(a), resident_copy(home.head))

    # A release decided by the one who asked for it is refused at the centre too, even when
    # the terminal let it through (here its row was tampered with).
    add_staff(centre, DUAL, ["clerk", "protection_officer"])
    dual = a.ctx(Role.CLERK, Role.PROTECTION_OFFICER, staff_no=DUAL)
    release_id = CertificateService(a.store).request_release(dual, resident_copy(home.head), "本人")
    with a.store.transaction() as session:
        row = session.get(ProtectionRelease, release_id)
        assert row is not None
        row.requested_by = "S0002"
    ReleaseReviewService(a.store).release(dual, release_id, "自分で解除")
    report = a.sync()
    assert report.push.rejected == 1 and report.push.delivered >= 1
    assert (
        centre.scalar("SELECT status FROM protection_releases WHERE release_id = %s", [release_id])
        == "pending"
    )
    with a.store.transaction() as session:
        (problem,) = [p for p in list_problems(session) if p.op_type == "decide_release"]
        release = session.get(ProtectionRelease, release_id)
        assert release is not None and release.status == "pending"  # the centre's state back
    assert "自分が受け付けた" in problem.reason


def test_two_windows_changing_the_same_measure_make_a_conflict(make_terminal, centre):
    a, b = make_terminal("TERM-A"), make_terminal("TERM-B")
    add_second_officer(centre)
    home = family(a.store, 2, offset=7)
    measure_id = register(a, home.head.atena_no, ends_on=dt.date(2026, 11, 20))
    synced(a, b)

    # Both from version 1: A extends (its end is within a month), B ends it.
    new_end = ProtectionService(a.store).extend(officer(a), measure_id)
    ProtectionService(b.store).end_measure(
        officer(b, SECOND_OFFICER), measure_id, "申出者からの終了の申出"
    )
    synced(a)
    report = b.sync()
    assert report.ok and report.push.conflicts == 1 and report.push.rejected == 0

    # Not silently overwritten: the centre keeps A's extension, and the conflict both versions.
    assert centre.scalar(
        "SELECT ended_on IS NULL AND ends_on = %s FROM protection_measures WHERE measure_id = %s",
        [new_end, measure_id],
    )
    client, server, status = centre.scalar(
        "SELECT jsonb_build_array(client_version, server_version, status) FROM sync_conflicts"
        " WHERE op_type = 'end_measure'"
    )
    assert status == "open"
    assert client["measure"]["ended_by"] == SECOND_OFFICER
    assert server["measure"]["ended_on"] is None and server["measure"]["row_version"] == 2
    # B shows the centre's measure again (still in force, extended) and the conflict.
    row = measure_row(b.store, measure_id)
    assert row is not None and row.ended_on is None and row.ends_on == new_end
    with b.store.transaction() as session:
        (problem,) = list_problems(session)
    assert problem.kind == "conflict" and problem.op_type == "end_measure"
    with pytest.raises(IssuanceBlocked):
        CertificateService(b.store).preview(clerk(b), resident_copy(home.head))

    # Ending it again from the current version goes through and reaches A.
    ProtectionService(b.store).end_measure(
        officer(b, SECOND_OFFICER), measure_id, "申出者からの終了の申出"
    )
    synced(b, a)
    row = measure_row(a.store, measure_id)
    assert row is not None and row.ended_on is not None and row.row_version == 3


def test_two_officers_deciding_the_same_request_make_a_conflict(make_terminal, centre):
    a, b = make_terminal("TERM-A"), make_terminal("TERM-B")
    add_second_officer(centre)
    home = family(a.store, 2, offset=8)
    register(a, home.head.atena_no)
    synced(a)
    release_id = CertificateService(a.store).request_release(
        clerk(a), resident_copy(home.head), "本人確認済み"
    )
    synced(a, b)
    ReleaseReviewService(a.store).release(officer(a), release_id, "本人の請求と確認")
    ReleaseReviewService(b.store).refuse(officer(b, SECOND_OFFICER), release_id, "確認が不十分")
    synced(b)
    report = a.sync()
    assert report.push.conflicts == 1
    assert (
        centre.scalar("SELECT status FROM protection_releases WHERE release_id = %s", [release_id])
        == "refused"
    )
    # The counter at A sees the centre's decision, not its own officer's, and cannot issue.
    assert CertificateService(a.store).release_state(clerk(a), release_id) == (
        "refused",
        "確認が不十分",
    )
    with pytest.raises(IssuanceBlocked, match="認めませんでした"):
        CertificateService(a.store).issue(clerk(a), resident_copy(home.head), release_id=release_id)
