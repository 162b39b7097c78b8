"""Handing the interface records over to the centre (R-STORE-3, REQUIREMENTS §10).

An approval writes its outbound interface records locally, in its own transaction (the
terminal may be offline), and its ``approve_draft`` op carries them to the centre in its
effect (``envelope.py``). The queues live at the centre: once the centre has acknowledged
the approval (the op is ``delivered``), the terminal keeps nothing of them — the draft's
local ``interface_records`` rows are deleted and the ``interface_records`` of the op's
stored effect are replaced by their ids. The J-LIS queue's 送付先情報 (addresses for the
個人番号 notification) is data meant only for the central queues and never stays here.

The records of an approval the centre did not apply (a conflict or a refusal: the rows were
marked failed when its answer came, ``replica.restore``) were never the centre's and never
will be; they go too, from the op, its problem record and the table, so a new approval of
the draft writes fresh ones. While any approval op of the draft is still pending, nothing
of that draft is touched (its effect may not be prepared yet).

A copy of the store the centre was loaded from (``enrol_loaded_copy``: its old ops are
``loaded``) hands over the records it had before it synced the same way: the load copied
them to the centre's queues (``central.load``).

One local transaction, after the push has recorded the answers: a crash before it leaves
everything for the next cycle, and a second run finds nothing to do. A terminal that never
synced (standalone, the demo: no sync cursor and no bootstrap under way) keeps its local
queue and delivers it itself, as before.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from madoguchi.storage.models import InterfaceRecord, OutboxEntry
from madoguchi.storage.store import LocalStore
from madoguchi.storage.sync import meta
from madoguchi.storage.sync.envelope import EFFECT_KEY
from madoguchi.storage.sync.problems import CONFLICT, REJECTED
from madoguchi.storage.sync.push import DELIVERED, LOADED, PENDING

APPROVE = "approve_draft"
RECORDS_KEY = "interface_records"
# What a stripped effect keeps instead of the records: their ids (no content).
HANDED_OVER_KEY = "interface_records_handed_over"


@dataclass
class HandoverReport:
    """What one run removed from the local store."""

    drafts: list[str] = field(default_factory=list)  # handed over to the centre
    dropped: list[str] = field(default_factory=list)  # approvals the centre did not apply
    records: int = 0
    ops: int = 0


def is_synced(session: Session) -> bool:
    """True when this store syncs with a centre (a cursor, or a bootstrap under way)."""
    return meta.cursor(session) is not None or meta.get_text(session, meta.BOOTSTRAP) is not None


def hand_over_interface_records(store: LocalStore) -> HandoverReport:
    """Remove the interface records the centre has (or will never have); see the module."""
    with store.transaction() as session:
        return hand_over(session)


def hand_over(session: Session) -> HandoverReport:
    """The same, in the caller's transaction."""
    report = HandoverReport()
    if not is_synced(session):
        return report
    drafts: set[str] = {
        draft_id
        for draft_id in session.scalars(select(InterfaceRecord.draft_id).distinct())
        if draft_id is not None
    }
    if not drafts:
        return report  # the usual case: nothing waits, and no op is read
    ops_by_draft: dict[str, list[OutboxEntry]] = defaultdict(list)
    for entry in session.scalars(
        select(OutboxEntry)
        .where(
            OutboxEntry.op_type == APPROVE,
            func.json_extract(OutboxEntry.payload, "$.draft_id").in_(sorted(drafts)),
        )
        .order_by(OutboxEntry.seq)
    ):
        ops_by_draft[str(entry.payload.get("draft_id"))].append(entry)
    for draft_id in sorted(drafts):
        ops = ops_by_draft.get(draft_id, [])
        states = {entry.state for entry in ops}
        if PENDING in states:
            continue  # an approval still on its way
        if DELIVERED in states or states <= {LOADED}:
            # Delivered, or older than the sync: the centre was loaded from this store's
            # register with its queues (``central.load``), so it has them too.
            report.drafts.append(draft_id)
        elif states <= {CONFLICT, REJECTED}:
            report.dropped.append(draft_id)
        else:
            continue
        removed = session.execute(
            delete(InterfaceRecord).where(InterfaceRecord.draft_id == draft_id)
        )
        report.records += int(getattr(removed, "rowcount", 0) or 0)
        for entry in ops:
            if _strip(entry):
                report.ops += 1
            _strip_problem(session, entry.op_id)
    session.flush()
    return report


def _strip(entry: OutboxEntry) -> bool:
    """Replace the records in ``entry``'s stored effect by their ids; False if none."""
    payload = dict(entry.payload or {})
    effect = payload.get(EFFECT_KEY)
    if not isinstance(effect, dict) or not effect.get(RECORDS_KEY):
        return False
    ids = [str(r.get("record_id")) for r in effect[RECORDS_KEY] if isinstance(r, dict)]
    stripped = {k: v for k, v in effect.items() if k != RECORDS_KEY}
    stripped[HANDED_OVER_KEY] = ids
    payload[EFFECT_KEY] = stripped
    entry.payload = payload  # a new dict: the JSON column sees the change
    return True


def _strip_problem(session: Session, op_id: str) -> None:
    """The same in the op's conflict or refusal record, which keeps a copy of its effect."""
    key = meta.PROBLEM_PREFIX + op_id
    problem = meta.get_json(session, key)
    if not isinstance(problem, dict):
        return
    ours = problem.get("ours")
    if isinstance(ours, dict) and ours.get(RECORDS_KEY):
        ids = [str(r.get("record_id")) for r in ours[RECORDS_KEY] if isinstance(r, dict)]
        problem["ours"] = {k: v for k, v in ours.items() if k != RECORDS_KEY}
        problem["ours"][HANDED_OVER_KEY] = ids
        meta.set_json(session, key, problem)
