"""The outbound interface queues (R-IF-1): append-only, ordered, idempotent on re-delivery.

Approval calls :meth:`InterfaceQueueService.emit` inside its own transaction, so the records
exist exactly when the register change does, in approval order (``seq``). Delivery hands
pending records to a :class:`Delivery` sink in ``seq`` order; a failure is kept with its
reason and holds back the later records of that queue until it is resent, so a consumer
never sees a change before an earlier one. A record keeps its ``record_id`` for ever: a
consumer that receives it again (a resend, or a crash between handing over and noting it)
recognises it and nothing changes.

Operating the queues is IT work (``Action.INTERFACE_OPERATE``): counts, records with their
restricted items masked, and (re)delivery, each run audited (retention: ``retention.py``).

This service delivers a standalone terminal's queues. A terminal that syncs with a centre
hands its records over with the approval op (``storage/sync/handover.py`` removes them once
the centre has them) and refuses to deliver (``DeliveredAtCentre``): the centre's queues are
delivered by ``central.py``, with the same rules (``ready_in_order``, ``hand_over``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from madoguchi.app.context import ServiceContext
from madoguchi.app.domain.permissions import Action
from madoguchi.app.services.interfaces.delivery import Delivery, DeliveryFailed
from madoguchi.app.services.interfaces.records import (
    QUEUE_LABELS,
    QUEUES,
    ConsumerInfo,
    records_for,
)
from madoguchi.app.services.masking import RestrictedItem, shown
from madoguchi.app.services.review.changes import RegisteredChange
from madoguchi.storage.audit import append_audit
from madoguchi.storage.models import InterfaceConsumer, InterfaceRecord
from madoguchi.storage.store import LocalStore
from madoguchi.storage.sync.handover import is_synced

PENDING = "pending"
DELIVERED = "delivered"
FAILED = "failed"
STATUSES = (PENDING, DELIVERED, FAILED)
STATUS_LABELS = {PENDING: "未送信", DELIVERED: "送信済み", FAILED: "送信失敗"}

PURGED_PAYLOAD_KEY = "消去日時"

# Payload keys holding restricted items, masked for whoever looks at a queue (R-MASK-1, -2):
# the items' names of the record layouts, and register columns (庁内連携, コンビニ交付).
_RESTRICTED_KEYS: dict[str, RestrictedItem] = {
    "個人番号": RestrictedItem.INDIVIDUAL_NUMBER,
    "住民票コード": RestrictedItem.RESIDENT_CODE,
    "本籍": RestrictedItem.HONSEKI,
    "筆頭者": RestrictedItem.HONSEKI,
    "第30条の45規定区分": RestrictedItem.RESIDENCE_STATUS,
    "在留資格": RestrictedItem.RESIDENCE_STATUS,
    "在留期間": RestrictedItem.RESIDENCE_STATUS,
    "在留期間の満了の日": RestrictedItem.RESIDENCE_STATUS,
    "在留カード等の番号": RestrictedItem.RESIDENCE_STATUS,
    "individual_number": RestrictedItem.INDIVIDUAL_NUMBER,
    "resident_code": RestrictedItem.RESIDENT_CODE,
    "honseki": RestrictedItem.HONSEKI,
    "hittosha": RestrictedItem.HONSEKI,
    "residence_category": RestrictedItem.RESIDENCE_STATUS,
    "residence_status": RestrictedItem.RESIDENCE_STATUS,
    "period_of_stay": RestrictedItem.RESIDENCE_STATUS,
    "stay_expires_on": RestrictedItem.RESIDENCE_STATUS,
    "residence_card_no": RestrictedItem.RESIDENCE_STATUS,
}


class ResendRefused(ValueError):
    """A resend named a record that does not exist or whose content has been purged."""


DELIVERED_AT_CENTRE = (
    "この端末はセンターと同期しているため、連携レコードの送信・再送はセンターで行います"
    "（python -m madoguchi.app.services.interfaces … --centre）。"
    "この画面には、センターへの引渡しを待っている記録だけが表示されます。"
)


class DeliveredAtCentre(ValueError):
    """A synced terminal's queues are delivered at the centre, never from here (R-STORE-3)."""

    def __init__(self) -> None:
        super().__init__(DELIVERED_AT_CENTRE)


@dataclass(frozen=True)
class QueueCounts:
    """One queue's records by status, and how old its oldest unsent record is."""

    queue: str
    label: str
    pending: int
    delivered: int
    failed: int
    oldest_pending_at: dt.datetime | None


def queue_counts(
    counts: dict[tuple[str, str], int], oldest: dict[str, dt.datetime]
) -> list[QueueCounts]:
    """Every queue (QUEUES order, then any other) from counts by (queue, status) and the
    oldest pending record of each."""
    names = list(QUEUES) + sorted({q for q, _ in counts} - set(QUEUES))
    return [
        QueueCounts(
            queue=name,
            label=QUEUE_LABELS.get(name, name),
            pending=counts.get((name, PENDING), 0),
            delivered=counts.get((name, DELIVERED), 0),
            failed=counts.get((name, FAILED), 0),
            oldest_pending_at=oldest.get(name),
        )
        for name in names
    ]


@dataclass(frozen=True)
class QueuedRecord:
    """One record as the operator sees it: restricted items of the payload masked."""

    seq: int
    record_id: str
    queue: str
    record_type: str
    draft_id: str | None
    atena_no: str | None
    created_at: dt.datetime
    status: str
    attempts: int
    delivered_at: dt.datetime | None
    failure_reason: str | None
    payload: dict[str, Any]


@dataclass(frozen=True)
class DeliveryReport:
    """What one delivery run did.

    ``held`` counts the pending records the run did not hand over: behind a failure (which
    holds back the rest of its queue until resent) or past the run's limit.
    """

    delivered: tuple[str, ...]
    failed: tuple[tuple[str, str], ...]  # (record_id, reason)
    held: int


@dataclass(frozen=True)
class PendingRecord:
    """A record about to be handed over: what the sink receives."""

    seq: int
    record_id: str
    queue: str
    record_type: str
    payload: dict[str, Any]


class InterfaceQueueService:
    """Writes, shows and delivers the outbound interface records."""

    def __init__(self, store: LocalStore) -> None:
        self._store = store

    def delivers_here(self) -> bool:
        """True on a standalone terminal; False once it syncs with a centre, whose queues
        are the ones delivered (this store only keeps what has not reached the centre yet)."""
        with self._store.transaction() as session:
            return not is_synced(session)

    def _require_local_delivery(self) -> None:
        if not self.delivers_here():
            raise DeliveredAtCentre()

    # -- writing (approval) ------------------------------------------------------------------

    def emit(self, session: Session, change: RegisteredChange, at: dt.datetime) -> None:
        """Add the records of ``change`` to the caller's transaction (approval calls this).

        A second call for the same draft adds nothing, so a retried approval step cannot
        double a record.
        """
        already = session.scalar(
            select(func.count()).where(InterfaceRecord.draft_id == change.draft_id)
        )
        if already:
            return
        consumers = [
            ConsumerInfo(c.consumer_id, c.name, c.entitled_to_individual_number)
            for c in session.scalars(
                select(InterfaceConsumer)
                .where(InterfaceConsumer.active.is_(True))
                .order_by(InterfaceConsumer.consumer_id)
            )
        ]
        for record in records_for(change, consumers):
            session.add(
                InterfaceRecord(
                    record_id=str(uuid.uuid4()),
                    queue=record.queue,
                    record_type=record.record_type,
                    draft_id=change.draft_id,
                    atena_no=record.atena_no,
                    payload=record.payload,
                    created_at=at,
                    status=PENDING,
                    attempts=0,
                )
            )
        session.flush()  # rows are inserted in the order added: seq follows records_for

    # -- looking -----------------------------------------------------------------------------

    def queues(self, ctx: ServiceContext) -> list[QueueCounts]:
        """Every queue (QUEUES order) with its counts by status; metadata only, not audited."""
        ctx.actor.require(Action.INTERFACE_OPERATE)
        with self._store.transaction() as session:
            counts: dict[tuple[str, str], int] = {
                (queue, status): n
                for queue, status, n in session.execute(
                    select(InterfaceRecord.queue, InterfaceRecord.status, func.count()).group_by(
                        InterfaceRecord.queue, InterfaceRecord.status
                    )
                )
            }
            oldest: dict[str, dt.datetime] = {
                queue: at
                for queue, at in session.execute(
                    select(InterfaceRecord.queue, func.min(InterfaceRecord.created_at))
                    .where(InterfaceRecord.status == PENDING)
                    .group_by(InterfaceRecord.queue)
                )
            }
        return queue_counts(counts, oldest)

    def records(
        self, ctx: ServiceContext, queue: str, status: str | None = None, *, limit: int = 200
    ) -> list[QueuedRecord]:
        """The queue's records (optionally of one status) in ``seq`` order, masked; audited."""
        ctx.actor.require(Action.INTERFACE_OPERATE)
        query = select(InterfaceRecord).where(InterfaceRecord.queue == queue)
        if status is not None:
            query = query.where(InterfaceRecord.status == status)
        with self._store.transaction() as session:
            rows = list(session.scalars(query.order_by(InterfaceRecord.seq).limit(limit)))
            views = [_view(ctx, row) for row in rows]
            append_audit(
                session,
                at=ctx.now(),
                terminal_id=ctx.terminal_id,
                staff_no=ctx.actor.staff_no,
                action="interface_records_view",
                target_persons=sorted({r.atena_no for r in rows if r.atena_no}),
                detail={"queue": queue, "status": status, "count": len(rows)},
            )
        return views

    # -- delivering --------------------------------------------------------------------------

    def deliver_pending(
        self, ctx: ServiceContext, queue: str, sink: Delivery, *, limit: int | None = None
    ) -> DeliveryReport:
        """Hand the queue's pending records to ``sink`` in order; stop at the first failure.

        Records behind a failed one wait (``held``) until it has been resent, so the order
        of approval is kept at the consumer. Refused (``DeliveredAtCentre``) on a terminal
        that syncs with a centre.
        """
        ctx.actor.require(Action.INTERFACE_OPERATE)
        self._require_local_delivery()
        with self._store.transaction() as session:
            blocker = session.scalar(
                select(func.min(InterfaceRecord.seq)).where(
                    InterfaceRecord.queue == queue, InterfaceRecord.status == FAILED
                )
            )
            query = (
                select(InterfaceRecord)
                .where(InterfaceRecord.queue == queue, InterfaceRecord.status == PENDING)
                .order_by(InterfaceRecord.seq)
            )
            pending = [_pending(row) for row in session.scalars(query)]
        ready = ready_in_order(pending, blocker, limit)
        report = self._hand_over(ctx, ready, sink, held=len(pending) - len(ready))
        self._audit_run(ctx, "interface_deliver", report, {"queue": queue})
        return report

    def resend(
        self, ctx: ServiceContext, record_ids: Sequence[str], sink: Delivery
    ) -> DeliveryReport:
        """Put delivered or failed records back to pending and hand them over again.

        The same ``record_id`` goes out again, so a consumer that already has a record sees
        no change. Records go in ``seq`` order; the first failure stops the run. Refused
        (``DeliveredAtCentre``) on a terminal that syncs with a centre.
        """
        ctx.actor.require(Action.INTERFACE_OPERATE)
        self._require_local_delivery()
        with self._store.transaction() as session:
            rows = list(
                session.scalars(
                    select(InterfaceRecord)
                    .where(InterfaceRecord.record_id.in_(list(record_ids)))
                    .order_by(InterfaceRecord.seq)
                )
            )
            refuse_to_resend([(r.record_id, r.payload) for r in rows], record_ids)
            for row in rows:
                row.status = PENDING
            ready = [_pending(row) for row in rows]
        report = self._hand_over(ctx, ready, sink, held=0)
        self._audit_run(ctx, "interface_resend", report, {"record_ids": list(record_ids)})
        return report

    def _hand_over(
        self, ctx: ServiceContext, ready: Sequence[PendingRecord], sink: Delivery, *, held: int
    ) -> DeliveryReport:
        def note(record_id: str, reason: str | None) -> None:
            with self._store.transaction() as session:
                row = session.scalars(
                    select(InterfaceRecord).where(InterfaceRecord.record_id == record_id)
                ).one()
                row.attempts += 1
                if reason is None:
                    row.status, row.delivered_at, row.failure_reason = DELIVERED, ctx.now(), None
                else:
                    row.status, row.failure_reason = FAILED, reason

        return hand_over(ready, sink, note, held=held)

    def _audit_run(
        self, ctx: ServiceContext, action: str, report: DeliveryReport, detail: dict[str, Any]
    ) -> None:
        if not report.delivered and not report.failed and action == "interface_deliver":
            return  # nothing was handed over: no entry for an idle run
        with self._store.transaction() as session:
            append_audit(
                session,
                at=ctx.now(),
                terminal_id=ctx.terminal_id,
                staff_no=ctx.actor.staff_no,
                action=action,
                detail={
                    **detail,
                    "delivered": len(report.delivered),
                    "failed": [{"record_id": i, "reason": r} for i, r in report.failed],
                    "held": report.held,
                },
            )


def ready_in_order(
    pending: Sequence[PendingRecord], first_failed: int | None, limit: int | None
) -> list[PendingRecord]:
    """The pending records a run may hand over: those before the queue's first failed
    record (the rest are held until it is resent), at most ``limit``."""
    ready = [p for p in pending if first_failed is None or p.seq < first_failed]
    return ready if limit is None else ready[:limit]


def hand_over(
    ready: Sequence[PendingRecord],
    sink: Delivery,
    note: Callable[[str, str | None], None],
    *,
    held: int,
) -> DeliveryReport:
    """Hand ``ready`` to ``sink`` in order; ``note(record_id, reason)`` commits each outcome
    (``reason`` None: delivered). Stops at the first failure; the rest count as held.

    The sink is called outside any transaction, so a slow consumer never holds a write
    lock. A crash right after it leaves the record pending, and the next run hands the same
    record_id over again, which the consumer ignores. The local queues and the centre's
    (``central.py``) share this.
    """
    delivered: list[str] = []
    failed: list[tuple[str, str]] = []
    for index, record in enumerate(ready):
        reason: str | None = None
        try:
            sink.deliver(
                record.record_id,
                record.record_type,
                record.payload,
                queue=record.queue,
                seq=record.seq,
            )
        except DeliveryFailed as exc:
            reason = exc.reason
        note(record.record_id, reason)
        if reason is not None:
            failed.append((record.record_id, reason))
            held += len(ready) - index - 1
            break
        delivered.append(record.record_id)
    return DeliveryReport(tuple(delivered), tuple(failed), held)


def refuse_to_resend(found: Sequence[tuple[str, dict[str, Any]]], asked: Sequence[str]) -> None:
    """Raise ResendRefused unless every asked id was ``found`` (id, payload) unpurged."""
    missing = set(asked) - {record_id for record_id, _ in found}
    if missing:
        raise ResendRefused(f"連携レコードが見つかりません: {', '.join(sorted(missing))}")
    purged = [record_id for record_id, payload in found if PURGED_PAYLOAD_KEY in payload]
    if purged:
        raise ResendRefused(
            "保存期間を過ぎて内容を消去した連携レコードは再送できません: " + ", ".join(purged)
        )


def _pending(row: InterfaceRecord) -> PendingRecord:
    return PendingRecord(row.seq, row.record_id, row.queue, row.record_type, dict(row.payload))


def _view(ctx: ServiceContext, row: InterfaceRecord) -> QueuedRecord:
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


def mask_payload(ctx: ServiceContext, payload: dict[str, Any]) -> dict[str, Any]:
    """``payload`` with every restricted item replaced by what ``ctx``'s role may see.

    The 個人番号 and 住民票コード are always masked (a queue screen offers no reveal).
    """

    def masked(value: object, key: str | None = None) -> object:
        if isinstance(value, dict):
            return {k: masked(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [masked(v) for v in value]
        item = _RESTRICTED_KEYS.get(key or "")
        if item is None or value is None:
            return value
        return shown(ctx, item, str(value))

    result = masked(payload)
    assert isinstance(result, dict)
    return result
