"""The outbound queues on a real store (R-IF-1): emit at approval, deliver, fail, resend."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from madoguchi.app.context import FixedClock, ServiceContext
from madoguchi.app.domain.individual_number import MASK
from madoguchi.app.domain.permissions import PermissionDenied, Role
from madoguchi.app.services.interfaces import (
    QUEUES,
    DeliveryFailed,
    DirectoryDelivery,
    InterfaceQueueService,
    ResendRefused,
    purge_handed_over_send_to,
)
from madoguchi.app.services.interfaces.records import INTERNAL, JLIS_CARD, JUKI_CS
from madoguchi.app.services.review.changes import RegisteredChange
from madoguchi.storage.audit import audit_entries
from madoguchi.storage.models import InterfaceConsumer, InterfaceRecord
from madoguchi.storage.store import LocalStore
from tests.app.services.interfaces.test_records import change, person, snapshot, stamped
from tests.helpers.stores import FIXED_NOW, context


def arrival(draft_id: str, *atena_nos: str) -> RegisteredChange:
    """A 転入 of new residents with numbers: every queue but 市町村通知 gets records."""
    movers = [person(a, None, stamped(snapshot(a))) for a in atena_nos]
    base = change("move_in", "domestic_move_in", *movers, former_address="大阪府大阪市北区")
    return RegisteredChange(**{**base.__dict__, "draft_id": draft_id})


def emit(store: LocalStore, *changes: RegisteredChange) -> None:
    service = InterfaceQueueService(store)
    for registered in changes:
        with store.transaction() as session:
            service.emit(session, registered, FIXED_NOW)


def rows(store: LocalStore, queue: str | None = None) -> list[InterfaceRecord]:
    with store.transaction() as session:
        query = select(InterfaceRecord).order_by(InterfaceRecord.seq)
        if queue:
            query = query.where(InterfaceRecord.queue == queue)
        return list(session.scalars(query))


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


def test_emit_writes_pending_records_for_the_active_consumers(store: LocalStore) -> None:
    with store.transaction() as session:
        consumers = list(session.scalars(select(InterfaceConsumer)))
        session.get(InterfaceConsumer, "library").active = False  # type: ignore[union-attr]
    assert len(consumers) == 7
    emit(store, arrival("draft-A", "000000000001001", "000000000001002"))
    written = rows(store)
    assert {r.status for r in written} == {"pending"}
    assert {r.draft_id for r in written} == {"draft-A"}
    assert [r.atena_no for r in rows(store, JUKI_CS)] == ["000000000001001", "000000000001002"]
    internal = rows(store, INTERNAL)
    assert len(internal) == 2 * 6  # the library is not active
    entitled = {c.consumer_id for c in consumers if c.entitled_to_individual_number}
    for record in internal:
        has_number = "individual_number" in record.payload["after"]
        assert has_number == (record.payload["連携先"] in entitled)
    # A second emit for the same draft (a retried step) adds nothing.
    emit(store, arrival("draft-A", "000000000001001", "000000000001002"))
    assert len(rows(store)) == len(written)


def test_records_keep_approval_order_across_and_within_queues(store: LocalStore) -> None:
    emit(store, arrival("draft-1", "000000000001001"), arrival("draft-2", "000000000002001"))
    written = rows(store)
    drafts = [r.draft_id for r in written]
    assert drafts == sorted(drafts)  # all of draft-1 before any of draft-2
    first = [QUEUES.index(r.queue) for r in written if r.draft_id == "draft-1"]
    assert first == sorted(first)


def test_delivery_to_a_folder_in_order(
    store: LocalStore, operator: ServiceContext, tmp_path: Path
) -> None:
    emit(store, arrival("draft-1", "000000000001001"), arrival("draft-2", "000000000002001"))
    sink = DirectoryDelivery(tmp_path / "out")
    service = InterfaceQueueService(store)
    report = service.deliver_pending(operator, JUKI_CS, sink)
    assert len(report.delivered) == 2 and report.failed == () and report.held == 0
    files = sorted((tmp_path / "out" / JUKI_CS).iterdir())
    delivered = rows(store, JUKI_CS)
    assert [f.name for f in files] == [f"{r.seq:08d}-{r.record_id}.json" for r in delivered]
    document = json.loads(files[0].read_text("utf-8"))
    assert document["record_type"] == "本人確認情報"
    assert document["payload"]["宛名番号"] == "000000000001001"
    assert all(r.status == "delivered" and r.attempts == 1 for r in delivered)
    assert all(r.delivered_at == FIXED_NOW for r in delivered)
    assert not list((tmp_path / "out" / JUKI_CS).glob(".tmp-*"))
    with store.transaction() as session:
        [entry] = audit_entries(session, action="interface_deliver")
    assert entry.detail["queue"] == JUKI_CS and entry.detail["delivered"] == 2
    # Nothing pending: an idle run hands nothing over and writes no entry.
    assert service.deliver_pending(operator, JUKI_CS, sink).delivered == ()


def test_a_failure_keeps_its_reason_and_holds_back_the_rest(
    store: LocalStore, operator: ServiceContext, tmp_path: Path
) -> None:
    emit(
        store,
        arrival("draft-1", "000000000001001"),
        arrival("draft-2", "000000000002001"),
        arrival("draft-3", "000000000003001"),
    )
    first, second, third = rows(store, JUKI_CS)
    service = InterfaceQueueService(store)
    flaky = FlakySink({second.record_id})
    report = service.deliver_pending(operator, JUKI_CS, flaky)
    assert report.delivered == (first.record_id,)
    assert report.failed == ((second.record_id, "受信側が応答しません（接続タイムアウト）"),)
    assert report.held == 1
    states = {r.record_id: r for r in rows(store, JUKI_CS)}
    assert states[second.record_id].status == "failed"
    assert states[second.record_id].failure_reason == "受信側が応答しません（接続タイムアウト）"
    assert states[second.record_id].attempts == 1
    assert states[third.record_id].status == "pending"
    # The later record waits behind the failure, even once the consumer is back.
    flaky.refuse.clear()
    assert service.deliver_pending(operator, JUKI_CS, flaky).held == 1
    assert flaky.received == [first.record_id]
    counts = {c.queue: c for c in service.queues(operator)}
    assert (counts[JUKI_CS].delivered, counts[JUKI_CS].failed, counts[JUKI_CS].pending) == (1, 1, 1)
    assert counts[JUKI_CS].oldest_pending_at == FIXED_NOW
    # The operator resends it; then the rest flows, in order.
    resent = service.resend(operator, [second.record_id], flaky)
    assert resent.delivered == (second.record_id,)
    assert service.deliver_pending(operator, JUKI_CS, flaky).delivered == (third.record_id,)
    assert flaky.received == [first.record_id, second.record_id, third.record_id]
    assert rows(store, JUKI_CS)[1].attempts == 2
    with store.transaction() as session:
        [entry] = audit_entries(session, action="interface_resend")
    assert entry.detail["record_ids"] == [second.record_id]


def test_resend_is_idempotent_at_the_consumer(
    store: LocalStore, operator: ServiceContext, tmp_path: Path
) -> None:
    emit(store, arrival("draft-1", "000000000001001"))
    sink = DirectoryDelivery(tmp_path / "out")
    service = InterfaceQueueService(store)
    service.deliver_pending(operator, JUKI_CS, sink)
    [record] = rows(store, JUKI_CS)
    [file] = (tmp_path / "out" / JUKI_CS).iterdir()
    content, modified = file.read_bytes(), file.stat().st_mtime_ns
    report = service.resend(operator, [record.record_id], sink)
    assert report.delivered == (record.record_id,)
    assert [f.name for f in (tmp_path / "out" / JUKI_CS).iterdir()] == [file.name]
    assert file.read_bytes() == content and file.stat().st_mtime_ns == modified
    [again] = rows(store, JUKI_CS)
    assert (again.record_id, again.status, again.attempts) == (record.record_id, "delivered", 2)


def test_a_different_file_under_the_same_name_is_a_failure(tmp_path: Path) -> None:
    sink = DirectoryDelivery(tmp_path)
    sink.deliver("rec-1", "identity_information", {"a": 1}, queue=JUKI_CS, seq=7)
    sink.deliver("rec-1", "identity_information", {"a": 1}, queue=JUKI_CS, seq=7)
    with pytest.raises(DeliveryFailed, match="内容の異なる"):
        sink.deliver("rec-1", "identity_information", {"a": 2}, queue=JUKI_CS, seq=7)
    assert json.loads(sink.path_for(JUKI_CS, 7, "rec-1").read_text("utf-8"))["payload"] == {"a": 1}


def test_an_unwritable_folder_is_a_failure_with_a_reason(tmp_path: Path) -> None:
    blocker = tmp_path / "out"
    blocker.write_text("a file where the folder should be")
    with pytest.raises(DeliveryFailed, match="書き込めません"):
        DirectoryDelivery(blocker).deliver("rec-1", "x", {}, queue=JUKI_CS, seq=1)


def test_the_operator_sees_payloads_masked_and_the_look_is_audited(
    store: LocalStore, operator: ServiceContext
) -> None:
    emit(store, arrival("draft-1", "000000000001001"))
    service = InterfaceQueueService(store)
    [record] = service.records(operator, JUKI_CS)
    assert record.payload["個人番号"] == MASK
    assert record.payload["住民票コード"] == "●" * 11
    assert record.payload["氏名"] == "緑川　太郎"
    [notice] = service.records(operator, "juki_other_municipality", "pending")
    assert {p["個人番号"] for p in notice.payload["異動者"]} == {MASK}
    assert {p["本籍"] for p in notice.payload["異動者"]} == {"（表示権限なし）"}
    events = {r.payload["連携先"]: r.payload for r in service.records(operator, INTERNAL)}
    assert events["tax"]["after"]["individual_number"] == MASK
    assert events["tax"]["after"]["family_name"] == "緑川"
    with store.transaction() as session:
        entries = audit_entries(session, action="interface_records_view")
    assert entries[0].target_persons == ["000000000001001"]
    assert entries[0].detail == {"queue": JUKI_CS, "status": None, "count": 1}
    assert len(entries) == 3


def test_only_the_operator_role_runs_the_queues(store: LocalStore, tmp_path: Path) -> None:
    service = InterfaceQueueService(store)
    for role in (Role.CLERK, Role.SUPERVISOR, Role.AUDITOR):
        with pytest.raises(PermissionDenied, match="連携キューの運用"):
            service.queues(context(role))
        with pytest.raises(PermissionDenied):
            service.deliver_pending(context(role), JUKI_CS, DirectoryDelivery(tmp_path))


def test_resend_of_an_unknown_record_is_refused(
    store: LocalStore, operator: ServiceContext, tmp_path: Path
) -> None:
    with pytest.raises(ResendRefused, match="見つかりません"):
        InterfaceQueueService(store).resend(operator, ["no-such-id"], DirectoryDelivery(tmp_path))


def test_send_to_information_is_purged_one_business_day_after_handover(
    store: LocalStore, tmp_path: Path
) -> None:
    emit(store, arrival("draft-1", "000000000001001"))
    friday = dt.datetime(2026, 11, 6, 16, 0)  # handed over on a Friday afternoon
    clock = FixedClock(friday)
    ctx = ServiceContext(context(Role.ADMIN).actor, "TEST-T01", clock)
    service, sink = InterfaceQueueService(store), DirectoryDelivery(tmp_path)
    service.deliver_pending(ctx, JLIS_CARD, sink)
    [record] = rows(store, JLIS_CARD)
    clock.current = dt.datetime(2026, 11, 9, 15, 59)  # Monday, before the same hour
    assert purge_handed_over_send_to(ctx, store) == []
    clock.current = dt.datetime(2026, 11, 9, 16, 0)
    assert purge_handed_over_send_to(ctx, store) == [record.record_id]
    [purged] = rows(store, JLIS_CARD)
    assert purged.payload == {"消去日時": "2026-11-09T16:00:00"}
    assert purged.status == "delivered"
    with pytest.raises(ResendRefused, match="消去"):
        service.resend(ctx, [record.record_id], sink)
    with store.transaction() as session:
        entries = audit_entries(session, action="purge_send_to_information")
    assert [e.detail["count"] for e in entries] == [0, 1]
    assert entries[1].detail["record_ids"] == [record.record_id]
