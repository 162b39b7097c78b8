"""The interface queues live at the centre (R-STORE-3, R-IF-1, R-STORE-4).

A synced terminal's approval carries its records to the centre and the terminal keeps none
(no 送付先情報 anywhere in its store); the centre delivers them in approval order, a failure
holds the rest until resent, 送付先情報 is cleared one business day after handover, and every
run is journaled. A standalone terminal keeps delivering its own queue; a synced one refuses.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import select

from madoguchi.app.context import FixedClock
from madoguchi.app.domain.intake import IntakeForm, Variant
from madoguchi.app.domain.permissions import Role
from madoguchi.app.services.intake import MoveInService
from madoguchi.app.services.interfaces import (
    DeliveryFailed,
    DirectoryDelivery,
    InterfaceQueueService,
    ResendRefused,
)
from madoguchi.app.services.interfaces.__main__ import main as interfaces_cli
from madoguchi.app.services.interfaces.central import CentralQueueService, CentreQueueError
from madoguchi.app.services.interfaces.queue import DELIVERED_AT_CENTRE, DeliveredAtCentre
from madoguchi.app.services.interfaces.records import JLIS_CARD, JUKI_CS
from madoguchi.app.services.review.service import ReviewService
from madoguchi.storage.central.queues import provision_interfaces_role
from madoguchi.storage.models import InterfaceRecord, OutboxEntry
from madoguchi.storage.store import LocalStore
from madoguchi.storage.sync import list_problems
from madoguchi.storage.sync.handover import HANDED_OVER_KEY, hand_over_interface_records
from tests.app.services.intake.conftest import TODAY, days_ago, identity, new_address, newcomer
from tests.helpers.stores import FIXED_NOW, copy_store
from tests.storage.sync.scenarios import CLERK, SUPERVISOR

OPERATOR = "S0008"  # システム管理者 in the demo city: holds 連携キューの運用
OPS_ROLE = "iface_ops"
SEND_TO_KEYS = ("送付先住所", "送付先郵便番号")


def move_in(terminal_or_store: Any, banchi: str, *, ctx_of: Any = None) -> tuple[str, str]:
    """A 転入 of a newcomer with a 個人番号 (a J-LIS 送付先情報 record), saved and approved;
    the draft id and the mover's 個人番号."""
    store = getattr(terminal_or_store, "store", terminal_or_store)
    mover = newcomer()
    form = IntakeForm(
        variant=Variant.DOMESTIC_MOVE_IN,
        moved_on=days_ago(2),
        notified_on=TODAY,
        movers=(mover,),
        destination=new_address(store, banchi),
        previous_address="東京都千代田区霞が関二丁目1番2号",
        identity_check=identity(),
    )
    clerk, supervisor = ctx_of(Role.CLERK, CLERK), ctx_of(Role.SUPERVISOR, SUPERVISOR)
    saved = MoveInService(store).save(clerk, form)
    ReviewService(store).approve(supervisor, saved.draft_id)
    assert mover.individual_number
    return saved.draft_id, mover.individual_number


def at_terminal(terminal: Any) -> Any:
    return lambda role, staff_no: terminal.ctx(role, staff_no=staff_no)


def local_records(store: LocalStore) -> list[InterfaceRecord]:
    with store.transaction() as session:
        return list(session.scalars(select(InterfaceRecord).order_by(InterfaceRecord.seq)))


def raw_texts(store: LocalStore) -> list[str]:
    """Every outbox payload, store_meta value and interface record payload, as stored."""
    raw = store.engine.raw_connection()
    try:
        cursor = raw.cursor()
        texts = [str(r[0]) for r in cursor.execute("SELECT payload FROM outbox").fetchall()]
        texts += [str(r[0]) for r in cursor.execute("SELECT value FROM store_meta").fetchall()]
        texts += [
            str(r[0]) for r in cursor.execute("SELECT payload FROM interface_records").fetchall()
        ]
        return texts
    finally:
        raw.close()


@pytest.fixture
def ops_dsn(centre) -> str:
    """The DSN of an operator's login role in madoguchi_interfaces."""
    with centre.admin() as admin:
        provision_interfaces_role(admin, OPS_ROLE)
    return centre.cluster.dsn(centre.name, user=OPS_ROLE)


@pytest.fixture
def queues(ops_dsn):
    service = CentralQueueService(ops_dsn, connect_timeout=2)
    yield service
    service.close()


class FlakySink:
    """A consumer that refuses the records whose ids are in ``refuse``."""

    def __init__(self, refuse: set[str]) -> None:
        self.refuse = refuse
        self.received: list[str] = []

    def deliver(
        self, record_id: str, record_type: str, payload: dict[str, Any], *, queue: str, seq: int
    ) -> None:
        if record_id in self.refuse:
            raise DeliveryFailed("受信側が応答しません（接続タイムアウト）")
        self.received.append(record_id)


def centre_ids(centre, queue: str | None = None) -> list[str]:
    with centre.admin() as conn:
        rows = conn.execute(
            "SELECT record_id FROM interface_records"
            " WHERE %s::text IS NULL OR queue = %s ORDER BY seq",
            [queue, queue],
        ).fetchall()
    return [r[0] for r in rows]


def test_after_sync_the_terminal_keeps_no_interface_record_and_the_centre_has_them(
    make_terminal, centre
):
    a = make_terminal("TERM-A")
    first, _ = move_in(a, "8-1", ctx_of=at_terminal(a))
    second, _ = move_in(a, "8-2", ctx_of=at_terminal(a))
    written = local_records(a.store)
    assert {r.draft_id for r in written} == {first, second}
    send_to = [r for r in written if r.queue == JLIS_CARD]
    assert len(send_to) == 2 and all(r.payload["送付先住所"] for r in send_to)
    # Before the centre has them, the local screen shows them waiting, and only that.
    service = InterfaceQueueService(a.store)
    assert not service.delivers_here()

    report = a.sync()
    assert report.ok and report.push.delivered > 0 and report.push.rejected == 0

    # The terminal: no record, no 送付先 text in any op, meta value or table.
    assert local_records(a.store) == []
    for text in raw_texts(a.store):
        assert not any(key in text for key in SEND_TO_KEYS), text[:200]
    with a.store.transaction() as session:
        approvals = list(
            session.scalars(select(OutboxEntry).where(OutboxEntry.op_type == "approve_draft"))
        )
    assert {op.state for op in approvals} == {"delivered"} and len(approvals) == 2
    handed = [i for op in approvals for i in op.payload["sync_effect"][HANDED_OVER_KEY]]
    assert "interface_records" not in approvals[0].payload["sync_effect"]
    assert sorted(handed) == sorted(r.record_id for r in written)

    # The centre: the same records, in approval order, 送付先情報 included.
    assert centre_ids(centre) == [r.record_id for r in written]
    with centre.admin() as conn:
        addresses = [
            r[0]
            for r in conn.execute(
                "SELECT payload->>'送付先住所' FROM interface_records"
                " WHERE queue = %s ORDER BY seq",
                [JLIS_CARD],
            )
        ]
    assert addresses == [r.payload["送付先住所"] for r in send_to]

    # Idempotent: a second cycle and a second handover change nothing.
    assert a.sync().ok
    again = hand_over_interface_records(a.store)
    assert (again.drafts, again.records, again.ops) == ([], 0, 0)
    assert centre_ids(centre) == [r.record_id for r in written]


def test_a_synced_terminal_refuses_local_delivery_with_the_message(make_terminal, tmp_path):
    a = make_terminal("TERM-A")
    move_in(a, "8-3", ctx_of=at_terminal(a))
    service, operator = InterfaceQueueService(a.store), a.ctx(Role.ADMIN, staff_no=OPERATOR)
    with pytest.raises(DeliveredAtCentre) as refused:
        service.deliver_pending(operator, JUKI_CS, DirectoryDelivery(tmp_path / "out"))
    assert str(refused.value) == DELIVERED_AT_CENTRE and "センター" in DELIVERED_AT_CENTRE
    pending = [r.record_id for r in local_records(a.store)]
    with pytest.raises(DeliveredAtCentre):
        service.resend(operator, pending[:1], DirectoryDelivery(tmp_path / "out"))
    assert not (tmp_path / "out").exists()
    # What waits for the centre still shows (counts and masked records).
    counts = {c.queue: c.pending for c in service.queues(operator)}
    assert counts[JUKI_CS] == 1 and counts[JLIS_CARD] == 1


def test_a_standalone_terminal_still_delivers_its_own_queue(demo_store, tmp_path):
    from tests.helpers.stores import context

    store = copy_store(demo_store, tmp_path / "standalone.db")
    try:
        move_in(store, "8-4", ctx_of=lambda role, staff_no: context(role, staff_no=staff_no))
        service = InterfaceQueueService(store)
        assert service.delivers_here()
        operator = context(Role.ADMIN, staff_no=OPERATOR)
        report = service.deliver_pending(operator, JLIS_CARD, DirectoryDelivery(tmp_path / "out"))
        assert len(report.delivered) == 1 and not report.failed
        assert len(list((tmp_path / "out" / JLIS_CARD).glob("*.json"))) == 1
        # The handover leaves a store that never synced alone.
        assert hand_over_interface_records(store).records == 0
        assert len(local_records(store)) > 0
    finally:
        store.close()


def test_the_centre_delivers_in_order_holds_after_a_failure_and_resend_releases(
    make_terminal, centre, queues, tmp_path
):
    a = make_terminal("TERM-A")
    for banchi in ("9-1", "9-2", "9-3"):
        move_in(a, banchi, ctx_of=at_terminal(a))
    assert a.sync().ok
    order = centre_ids(centre, JUKI_CS)
    assert len(order) == 3
    ctx = queues.operator_context(OPERATOR, clock=FixedClock(FIXED_NOW))

    # The second record fails: the first goes, the third is held.
    flaky = FlakySink({order[1]})
    report = queues.deliver_pending(ctx, JUKI_CS, flaky)
    assert report.delivered == (order[0],) and [i for i, _ in report.failed] == [order[1]]
    assert report.held == 1 and flaky.received == [order[0]]
    # While it stays failed, nothing behind it moves.
    blocked = queues.deliver_pending(ctx, JUKI_CS, flaky)
    assert blocked.delivered == () and blocked.held == 1

    folder = DirectoryDelivery(tmp_path / "out")
    resent = queues.resend(ctx, [order[1]], folder)
    assert resent.delivered == (order[1],)
    rest = queues.deliver_pending(ctx, JUKI_CS, folder)
    assert rest.delivered == (order[2],) and rest.held == 0
    names = sorted(p.name for p in (tmp_path / "out" / JUKI_CS).glob("*.json"))
    assert [n.split("-", 1)[1].removesuffix(".json") for n in names] == order[1:]
    # A resend of a delivered record writes the same file again: nothing changes.
    before = {p.name: p.read_bytes() for p in (tmp_path / "out" / JUKI_CS).glob("*.json")}
    assert queues.resend(ctx, [order[2]], folder).delivered == (order[2],)
    after = {p.name: p.read_bytes() for p in (tmp_path / "out" / JUKI_CS).glob("*.json")}
    assert after == before
    body = json.loads(next(iter(after.values())))
    assert body["record_id"] in order and body["queue"] == JUKI_CS

    counts = {c.queue: c for c in queues.queues(ctx)}
    assert (counts[JUKI_CS].pending, counts[JUKI_CS].delivered, counts[JUKI_CS].failed) == (
        0,
        3,
        0,
    )
    assert counts[JLIS_CARD].pending == 3
    with pytest.raises(ResendRefused):
        queues.resend(ctx, ["00000000-0000-4000-8000-00000000dead"], folder)

    # Every run is journaled at the centre, with the role the centre saw.
    with centre.admin() as conn:
        runs = conn.execute(
            "SELECT db_role, staff_no, action, queue, delivered, failed, held"
            " FROM interface_runs ORDER BY run_id"
        ).fetchall()
    assert runs == [
        (OPS_ROLE, OPERATOR, "deliver", JUKI_CS, 1, 1, 1),
        (OPS_ROLE, OPERATOR, "deliver", JUKI_CS, 0, 0, 1),
        (OPS_ROLE, OPERATOR, "resend", JUKI_CS, 1, 0, 0),
        (OPS_ROLE, OPERATOR, "deliver", JUKI_CS, 1, 0, 0),
        (OPS_ROLE, OPERATOR, "resend", JUKI_CS, 1, 0, 0),
    ]


def test_send_to_information_is_purged_at_the_centre_one_business_day_after_handover(
    make_terminal, centre, queues, tmp_path
):
    a = make_terminal("TERM-A")
    move_in(a, "9-4", ctx_of=at_terminal(a))
    assert a.sync().ok
    clock = FixedClock(FIXED_NOW)  # Monday 2026-11-02 10:30; Tuesday 11-03 is 文化の日
    ctx = queues.operator_context(OPERATOR, clock=clock)
    folder = DirectoryDelivery(tmp_path / "out")
    (record_id,) = queues.deliver_pending(ctx, JLIS_CARD, folder).delivered

    clock.current = FIXED_NOW + dt.timedelta(days=1)  # the holiday: not a business day
    assert queues.purge_handed_over_send_to(ctx) == []
    clock.current = FIXED_NOW + dt.timedelta(days=2)  # Wednesday, same time
    assert queues.purge_handed_over_send_to(ctx) == [record_id]
    assert queues.purge_handed_over_send_to(ctx) == []
    payload = centre.scalar(
        "SELECT payload FROM interface_records WHERE record_id = %s", [record_id]
    )
    assert payload == {"消去日時": "2026-11-04T10:30:00"}
    assert (
        centre.scalar("SELECT status FROM interface_records WHERE record_id = %s", [record_id])
        == "delivered"
    )
    with pytest.raises(ResendRefused, match="消去"):
        queues.resend(ctx, [record_id], folder)
    with centre.admin() as conn:
        purges = conn.execute(
            "SELECT purged, record_ids FROM interface_runs WHERE action = 'purge' ORDER BY run_id"
        ).fetchall()
    assert purges == [(0, []), (1, [record_id]), (0, [])]


def test_only_an_operator_the_centre_knows_may_run_the_queues(queues):
    with pytest.raises(PermissionError):
        queues.operator_context(CLERK)
    with pytest.raises(PermissionError):
        queues.operator_context("NOBODY")
    ctx = queues.operator_context(OPERATOR)
    assert Role.ADMIN in ctx.actor.roles


def test_one_run_at_a_time_per_queue(make_terminal, queues, ops_dsn, tmp_path):
    from madoguchi.storage.central.queues import queue_lock

    a = make_terminal("TERM-A")
    move_in(a, "9-5", ctx_of=at_terminal(a))
    assert a.sync().ok
    ctx = queues.operator_context(OPERATOR, clock=FixedClock(FIXED_NOW))
    with psycopg.connect(ops_dsn, autocommit=True) as other, queue_lock(other, JUKI_CS) as mine:
        assert mine
        with pytest.raises(CentreQueueError, match="実行中"):
            queues.deliver_pending(ctx, JUKI_CS, DirectoryDelivery(tmp_path / "out"))
    assert len(queues.deliver_pending(ctx, JUKI_CS, DirectoryDelivery(tmp_path / "out")).delivered)


def test_the_command_line_runs_delivery_status_and_purge_against_the_centre(
    make_terminal, ops_dsn, tmp_path: Path, capsys
):
    a = make_terminal("TERM-A")
    move_in(a, "9-6", ctx_of=at_terminal(a))
    assert a.sync().ok
    out = tmp_path / "out"
    common = ["--centre", ops_dsn, "--staff", OPERATOR]
    assert interfaces_cli(["deliver", *common, "--to", str(out), JUKI_CS, JLIS_CARD]) == 0
    assert len(list((out / JUKI_CS).glob("*.json"))) == 1
    assert len(list((out / JLIS_CARD).glob("*.json"))) == 1
    assert interfaces_cli(["status", *common]) == 0
    shown = capsys.readouterr().out
    assert "juki_cs" in shown and "送信済み" in shown
    assert interfaces_cli(["purge", *common]) == 0
    assert "送付先情報 0件" in capsys.readouterr().out
    (record_id,) = [p.name.split("-", 1)[1][:-5] for p in (out / JUKI_CS).glob("*.json")]
    assert interfaces_cli(["resend", *common, "--to", str(out), record_id]) == 0
    assert interfaces_cli(["deliver", "--centre", ops_dsn, "--staff", CLERK, "--to", str(out)]) == 2


def test_the_records_of_an_approval_the_centre_refused_are_dropped(make_terminal, centre):
    a = make_terminal("TERM-A")
    # The terminal believes a clerk may approve (a tampered or stale terminal): refused.
    draft_id, _ = move_in(
        a,
        "9-7",
        ctx_of=lambda role, staff_no: a.ctx(
            role, staff_no="S0002" if role is Role.SUPERVISOR else staff_no
        ),
    )
    assert any(r.queue == JLIS_CARD for r in local_records(a.store))
    report = a.sync()
    assert report.ok and report.push.rejected == 1
    assert local_records(a.store) == [] and centre_ids(centre) == []
    for text in raw_texts(a.store):
        assert not any(key in text for key in SEND_TO_KEYS), text[:200]
    with a.store.transaction() as session:
        (problem,) = list_problems(session)
    assert problem.draft_id == draft_id and HANDED_OVER_KEY in problem.ours


def test_a_store_loaded_into_a_new_centre_hands_its_earlier_records_over(
    pg_cluster, demo_store, tmp_path
):
    from madoguchi.app.services.centre_setup import install_centre_permissions
    from madoguchi.storage.central.admin import (
        central_engine,
        create_database,
        drop_database,
        provision_terminal,
    )
    from madoguchi.storage.central.load import load_register
    from madoguchi.storage.migrations import upgrade_central
    from madoguchi.storage.sync import PostgresCentre, SyncWorker, enrol_loaded_copy
    from tests.helpers.postgres import CentreDb
    from tests.helpers.stores import context

    # A standalone window approved a 転入 (its queue holds the 送付先情報), then the centre
    # is set up from that register and the window becomes one of its terminals.
    store = copy_store(demo_store, tmp_path / "before-centre.db")
    move_in(store, "8-9", ctx_of=lambda role, staff_no: context(role, staff_no=staff_no))
    earlier = {r.record_id for r in local_records(store)}
    assert earlier
    name = "centre_loaded_queue"
    dsn = create_database(pg_cluster.dsn(), name)
    centre = CentreDb(pg_cluster, name)
    link = None
    try:
        engine = central_engine(dsn)
        try:
            upgrade_central(engine)
        finally:
            engine.dispose()
        load_register(store, dsn)
        with psycopg.connect(dsn) as conn:
            install_centre_permissions(conn)
            provision_terminal(conn, "TERM-A", role="term_a", office="本庁舎", description="")
        enrol_loaded_copy(store, 0)
        link = PostgresCentre(centre.terminal_dsn("TERM-A"), connect_timeout=2)
        assert SyncWorker(store, link, listen=False).run_once().ok
        assert local_records(store) == []
        with centre.admin() as conn:
            at_centre = {str(r[0]) for r in conn.execute("SELECT record_id FROM interface_records")}
        assert earlier <= at_centre
    finally:
        if link is not None:
            link.close()
        store.close()
        drop_database(pg_cluster.dsn(), name)
