"""The interface queues at the centre (R-IF-1, R-STORE-3/4): delivery, resend, retention.

A terminal that syncs keeps no queue: its approvals' records reach the centre's
``interface_records`` with the approval op, in the order the centre applied the approvals,
and are delivered from there. :class:`CentralQueueService` does what
:class:`~madoguchi.app.services.interfaces.queue.InterfaceQueueService` does for a
standalone terminal, with the same rules — per queue in ``seq`` order, stop at the first
failure and hold the rest back until it is resent, resend by record id (the same id goes out
again), no resend of a purged record, 送付先情報 cleared one business day after handover —
against the centre (``storage/central/queues.py``).

It connects as a login role of ``madoguchi_interfaces`` (revision 0004), which may read the
queue records and change only their status fields and payload. The staff member named for
a run must hold 連携キューの運用 in the centre's own staff table and permission matrix
(``interfaces.operator``); every run (deliver, resend, purge, and a look at the records) is
appended to the centre's ``interface_runs`` with the database role, the staff member, the
time, the queue and the counts. One run at a time per queue (advisory lock).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from typing import Any

import psycopg

from madoguchi.app.context import Actor, Clock, ServiceContext, SystemClock
from madoguchi.app.domain.permissions import Action, Role
from madoguchi.app.services.audit_review import AuditPolicy
from madoguchi.app.services.interfaces.delivery import Delivery
from madoguchi.app.services.interfaces.queue import (
    PURGED_PAYLOAD_KEY,
    DeliveryReport,
    PendingRecord,
    QueueCounts,
    QueuedRecord,
    hand_over,
    mask_payload,
    queue_counts,
    ready_in_order,
    refuse_to_resend,
)
from madoguchi.app.services.interfaces.records import JLIS_CARD
from madoguchi.app.services.interfaces.retention import one_business_day_after
from madoguchi.storage.central import queues as store
from madoguchi.storage.central.queues import CentralRecord

CENTRE_TERMINAL = "CENTRE"


class CentreQueueError(RuntimeError):
    """The centre cannot be reached, or refuses the run (another run holds the queue)."""


class CentralQueueService:
    """Delivers, resends and purges the centre's interface queues."""

    def __init__(self, dsn: str, *, connect_timeout: float = 5) -> None:
        self._dsn = dsn
        self._connect_timeout = connect_timeout
        self._conn: psycopg.Connection[Any] | None = None

    def _db(self) -> psycopg.Connection[Any]:
        if self._conn is None or self._conn.closed:
            try:
                self._conn = store.connect(self._dsn, connect_timeout=self._connect_timeout)
            except psycopg.OperationalError as exc:
                raise CentreQueueError(f"センターに接続できません: {exc}") from exc
        return self._conn

    def close(self) -> None:
        """Close the connection to the centre."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    # -- who ---------------------------------------------------------------------------------

    def operator_context(
        self, staff_no: str, terminal_id: str = CENTRE_TERMINAL, clock: Clock | None = None
    ) -> ServiceContext:
        """The context of a run by ``staff_no``, with the roles the centre records for them.

        Raises PermissionError when the centre does not let them operate the queues.
        """
        found = store.operator(self._db(), staff_no)
        if found is None:
            raise PermissionError(
                f"職員番号 {staff_no} には、センターで連携キューを運用する権限がありません"
                "（無効・有効期間外のアカウントを含む）。"
            )
        roles = frozenset(Role(r) for r in found.get("roles") or () if r in Role._value2member_map_)
        actor = Actor(str(found["staff_no"]), str(found["name"]), str(found["office"]), roles)
        return ServiceContext(actor=actor, terminal_id=terminal_id, clock=clock or SystemClock())

    # -- looking -----------------------------------------------------------------------------

    def queues(self, ctx: ServiceContext) -> list[QueueCounts]:
        """Every queue (QUEUES order) with its counts by status; metadata, not journaled."""
        ctx.actor.require(Action.INTERFACE_OPERATE)
        counts, oldest = store.counts(self._db())
        return queue_counts(counts, oldest)

    def records(
        self, ctx: ServiceContext, queue: str, status: str | None = None, *, limit: int = 200
    ) -> list[QueuedRecord]:
        """The queue's records in ``seq`` order, restricted items masked; journaled."""
        ctx.actor.require(Action.INTERFACE_OPERATE)
        conn = self._db()
        rows = store.records(conn, queue, status, limit)
        store.record_run(
            conn,
            staff_no=ctx.actor.staff_no,
            terminal_id=ctx.terminal_id,
            action="view",
            queue=queue,
            run_at=ctx.now(),
            record_ids=[r.record_id for r in rows],
            detail={
                "status": status,
                "count": len(rows),
                "persons": sorted({r.atena_no for r in rows if r.atena_no}),
            },
        )
        return [_view(ctx, row) for row in rows]

    # -- delivering --------------------------------------------------------------------------

    def deliver_pending(
        self, ctx: ServiceContext, queue: str, sink: Delivery, *, limit: int | None = None
    ) -> DeliveryReport:
        """Hand the queue's pending records to ``sink`` in ``seq`` order; stop at the first
        failure, and hold back what follows a failed record until it is resent."""
        ctx.actor.require(Action.INTERFACE_OPERATE)
        conn = self._db()
        with store.queue_lock(conn, queue) as mine:
            if not mine:
                raise CentreQueueError(f"キュー {queue} は別の送信が実行中です。")
            pending = [_pending(r) for r in store.pending(conn, queue)]
            ready = ready_in_order(pending, store.first_failed(conn, queue), limit)
            report = hand_over(ready, sink, self._noter(ctx), held=len(pending) - len(ready))
            self._record(ctx, "deliver", queue, report)
        return report

    def resend(
        self, ctx: ServiceContext, record_ids: Sequence[str], sink: Delivery
    ) -> DeliveryReport:
        """Put delivered or failed records back to pending and hand them over again, in
        ``seq`` order, with the same record ids. Refuses unknown and purged records."""
        ctx.actor.require(Action.INTERFACE_OPERATE)
        conn = self._db()
        queues = sorted({r.queue for r in store.by_ids(conn, record_ids)})
        with _locks(conn, queues) as mine:
            if not mine:
                raise CentreQueueError(f"キュー {' '.join(queues)} は別の送信が実行中です。")
            with conn.transaction():
                rows = store.by_ids(conn, record_ids, lock=True)
                refuse_to_resend([(r.record_id, r.payload) for r in rows], record_ids)
                store.set_pending(conn, record_ids)
            report = hand_over([_pending(r) for r in rows], sink, self._noter(ctx), held=0)
            self._record(ctx, "resend", queues[0] if len(queues) == 1 else None, report)
        return report

    def _noter(self, ctx: ServiceContext) -> Callable[[str, str | None], None]:
        conn = self._db()

        def note(record_id: str, reason: str | None) -> None:
            store.note_attempt(conn, record_id, at=ctx.now(), reason=reason)

        return note

    def _record(
        self, ctx: ServiceContext, action: str, queue: str | None, report: DeliveryReport
    ) -> None:
        store.record_run(
            self._db(),
            staff_no=ctx.actor.staff_no,
            terminal_id=ctx.terminal_id,
            action=action,
            queue=queue,
            run_at=ctx.now(),
            delivered=len(report.delivered),
            failed=len(report.failed),
            held=report.held,
            record_ids=[*report.delivered, *(i for i, _ in report.failed)],
            detail={"failed": [{"record_id": i, "reason": r} for i, r in report.failed]},
        )

    # -- retention ---------------------------------------------------------------------------

    def purge_handed_over_send_to(
        self, ctx: ServiceContext, policy: AuditPolicy | None = None
    ) -> list[str]:
        """Clear 送付先情報 one business day after handover (R-STORE-4); the ids cleared.

        As at a terminal (``retention.purge_handed_over_send_to``): the record stays (id,
        status, dates) with only ``{"消去日時": …}`` as payload and can no longer be resent;
        business days skip ``policy``'s closed days. One journal row per run, in the same
        transaction, also when nothing was due.
        """
        ctx.actor.require(Action.INTERFACE_OPERATE)
        policy = policy or AuditPolicy()
        now = ctx.now()
        conn = self._db()
        purged: list[str] = []
        with conn.transaction():
            for row in store.delivered_before(conn, JLIS_CARD, now - dt.timedelta(days=1)):
                assert row.delivered_at is not None
                if PURGED_PAYLOAD_KEY in row.payload:
                    continue
                if now < one_business_day_after(row.delivered_at, policy):
                    continue
                store.replace_payload(conn, row.record_id, {PURGED_PAYLOAD_KEY: now.isoformat()})
                purged.append(row.record_id)
            store.record_run(
                conn,
                staff_no=ctx.actor.staff_no,
                terminal_id=ctx.terminal_id,
                action="purge",
                queue=JLIS_CARD,
                run_at=now,
                purged=len(purged),
                record_ids=purged,
                detail={"rule": "送付先情報: 引渡しから1業務日後に消去"},
            )
        return purged


@contextmanager
def _locks(conn: psycopg.Connection[Any], queues: Sequence[str]) -> Iterator[bool]:
    """Hold the run locks of several queues (in name order, so two runs cannot deadlock);
    yields False, holding none, when another run holds one of them."""
    with ExitStack() as stack:
        for queue in sorted(queues):
            if not stack.enter_context(store.queue_lock(conn, queue)):
                stack.close()
                yield False
                return
        yield True


def _pending(row: CentralRecord) -> PendingRecord:
    return PendingRecord(row.seq, row.record_id, row.queue, row.record_type, dict(row.payload))


def _view(ctx: ServiceContext, row: CentralRecord) -> QueuedRecord:
    return QueuedRecord(
        seq=row.seq,
        record_id=row.record_id,
        queue=row.queue,
        record_type=row.record_type,
        draft_id=row.draft_id,
        atena_no=row.atena_no,
        created_at=row.created_at,
        status=row.status,
        attempts=row.attempts,
        delivered_at=row.delivered_at,
        failure_reason=row.failure_reason,
        payload=mask_payload(ctx, row.payload),
    )
