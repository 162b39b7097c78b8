"""What an outbox op carries to the centre, and what it touches.

An op is the intent (approve draft D, based on these versions). The centre, which runs no
application code, also needs the op's effect to check and apply it: the draft as saved, or
for an approval the row images after it with the base each was changed from. ``prepare``
collects that effect from the local store once, soon after the op was written, and keeps it
in the op's payload under ``sync_effect`` — later pulls or a resync may change the replica,
but never what an op already says it did.

Bases come from the history entries' ``before`` snapshots: ``(row_version, process_id)``.
The 処理ID makes a base unambiguous: a version number alone could be reached by two
terminals with different contents.

支援措置, 発行抑止 and 一時解除 ops carry their row image in the payload from the start (the
services write it with the change, ``measure_image`` for a measure with its persons and
加害者), and a change of an existing measure or hold its ``base_version``; they need no
effect here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from madoguchi.storage.models import (
    ChangeHistory,
    Draft,
    Household,
    InterfaceRecord,
    OutboxEntry,
    ProtectedPerson,
    ProtectionMeasure,
    ProtectionPerpetrator,
)

EFFECT_KEY = "sync_effect"
PREPARE_LOOKBACK = 50  # ops of one approval are written together; its audit entry is close


def _plain(value: object) -> object:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def row_image(row: object) -> dict[str, Any]:
    """Every column of a mapped row, dates as ISO text."""
    table = row.__table__  # type: ignore[attr-defined]
    assert isinstance(table, Table)
    return {c.key: _plain(getattr(row, c.key)) for c in table.columns}


# The columns of a measure's persons and 加害者 in its image (their local ids are not part of it:
# each terminal numbers its own rows).
MEASURE_PERSON_COLUMNS = ("atena_no", "role", "relation_to_applicant")
MEASURE_PERPETRATOR_COLUMNS = (
    "atena_no",
    "name",
    "name_key",
    "birth_date",
    "sex",
    "address",
    "note",
)


def measure_image(session: Session, measure_id: str) -> dict[str, Any] | None:
    """A 支援措置 as one image: its row, ``persons`` and ``perpetrators`` (in entry order).

    The same shape as the centre's ``protection_measure_images`` view, which the change log
    and a bootstrap carry.
    """
    row = session.get(ProtectionMeasure, measure_id)
    if row is None:
        return None
    image = row_image(row)
    persons = session.scalars(
        select(ProtectedPerson)
        .where(ProtectedPerson.measure_id == measure_id)
        .order_by(ProtectedPerson.id)
    )
    perpetrators = session.scalars(
        select(ProtectionPerpetrator)
        .where(ProtectionPerpetrator.measure_id == measure_id)
        .order_by(ProtectionPerpetrator.id)
    )
    image["persons"] = [{c: getattr(p, c) for c in MEASURE_PERSON_COLUMNS} for p in persons]
    image["perpetrators"] = [
        {c: getattr(p, c) for c in MEASURE_PERPETRATOR_COLUMNS} for p in perpetrators
    ]
    return image


def _base(snapshot: dict[str, Any] | None) -> dict[str, Any] | None:
    if snapshot is None:
        return None
    return {"row_version": snapshot.get("row_version"), "process_id": snapshot.get("process_id")}


@dataclass
class Touched:
    """The persons, households, drafts, staff, terminals, 支援措置, 発行抑止 and 一時解除
    some ops touch."""

    persons: set[str] = field(default_factory=set)
    households: set[str] = field(default_factory=set)
    drafts: set[str] = field(default_factory=set)
    staff: set[str] = field(default_factory=set)
    terminals: set[str] = field(default_factory=set)
    measures: set[str] = field(default_factory=set)
    holds: set[str] = field(default_factory=set)
    releases: set[str] = field(default_factory=set)

    def add(self, other: Touched) -> None:
        """Add ``other``'s keys."""
        for name in _BUCKETS.values():
            getattr(self, name).update(getattr(other, name))

    def covers(self, entity: str, key: str) -> bool:
        """True when the change of ``entity`` ``key`` concerns one of these."""
        if entity == "history":
            return key.split("/", 1)[0] in self.persons
        name = _BUCKETS.get(entity)
        return name is not None and key in getattr(self, name)


# Change-log entity → the Touched set of its keys.
_BUCKETS = {
    "person": "persons",
    "household": "households",
    "draft": "drafts",
    "staff": "staff",
    "terminal": "terminals",
    "measure": "measures",
    "hold": "holds",
    "release": "releases",
}


def touched_by(entry: OutboxEntry) -> Touched:
    """What ``entry`` (prepared) touches."""
    payload = entry.payload or {}
    effect = payload.get(EFFECT_KEY) or {}
    touched = Touched()
    if "draft_id" in payload:
        touched.drafts.add(str(payload["draft_id"]))
    bases = payload.get("base_versions") or {}
    touched.persons.update(bases.get("persons") or {})
    touched.households.update(bases.get("households") or {})
    touched.persons.update(p["atena_no"] for p in effect.get("persons") or ())
    touched.households.update(h["household_no"] for h in effect.get("households") or ())
    account = payload.get("account")
    if isinstance(account, dict) and "staff_no" in account:
        touched.staff.add(str(account["staff_no"]))
    terminal = payload.get("terminal")
    if isinstance(terminal, dict) and "terminal_id" in terminal:
        touched.terminals.add(str(terminal["terminal_id"]))
    # 支援措置 ops, and an issuance that uses up a 一時解除 (the centre marks it used).
    for key, bucket in (
        ("measure_id", touched.measures),
        ("hold_id", touched.holds),
        ("release_id", touched.releases),
    ):
        if payload.get(key):
            bucket.add(str(payload[key]))
    return touched


def _approved_persons(session: Session, entry: OutboxEntry, process_id: str) -> list[str]:
    """The persons an approval changed: its audit entry, written just before it, names them."""
    rows = session.scalars(
        select(OutboxEntry)
        .where(OutboxEntry.op_type == "audit_entry", OutboxEntry.seq < entry.seq)
        .order_by(OutboxEntry.seq.desc())
        .limit(PREPARE_LOOKBACK)
    )
    for row in rows:
        detail = (row.payload or {}).get("detail") or {}
        if detail.get("process_id") == process_id and row.payload.get("action") in (
            "review_approved",
        ):
            return [str(a) for a in row.payload.get("target_persons") or ()]
    return []


def _household_after(
    session: Session, entry: OutboxEntry, household_no: str, process_id: str
) -> dict[str, Any] | None:
    """The household as approval ``process_id`` left it, or None if it did not change it.

    Usually the row itself; if a later local approval changed it again before this op was
    prepared, that approval's draft kept the state before it (``applied.households_before``).
    """
    row = session.get(Household, household_no)
    if row is not None and row.process_id == process_id:
        return row_image(row)
    later = session.scalars(
        select(OutboxEntry)
        .where(OutboxEntry.op_type == "approve_draft", OutboxEntry.seq > entry.seq)
        .order_by(OutboxEntry.seq)
    )
    for op in later:
        draft = session.get(Draft, str(op.payload.get("draft_id")))
        before = ((draft.applied or {}).get("households_before") or {}) if draft else {}
        snapshot = before.get(household_no)
        if isinstance(snapshot, dict) and snapshot.get("process_id") == process_id:
            return snapshot
    return None


def _approval_effect(session: Session, entry: OutboxEntry) -> dict[str, Any]:
    payload = entry.payload
    draft = session.get(Draft, str(payload["draft_id"]))
    if draft is None:
        return {}
    process_id = str(payload["process_id"])
    persons, history = [], []
    for atena_no in _approved_persons(session, entry, process_id):
        row = session.scalars(
            select(ChangeHistory).where(
                ChangeHistory.atena_no == atena_no, ChangeHistory.process_id == process_id
            )
        ).first()
        if row is None or row.after is None:
            continue
        image = row_image(row)
        image.pop("id")
        history.append(image)
        persons.append({"atena_no": atena_no, "base": _base(row.before), "after": row.after})
    households = []
    for household_no, before in ((draft.applied or {}).get("households_before") or {}).items():
        households.append(
            {
                "household_no": household_no,
                "base": _base(before),
                "after": _household_after(session, entry, household_no, process_id),
            }
        )
    records = session.scalars(
        select(InterfaceRecord)
        .where(InterfaceRecord.draft_id == draft.draft_id)
        .order_by(InterfaceRecord.seq)
    )
    return {
        "draft": row_image(draft),
        "persons": persons,
        "households": households,
        "history": history,
        "interface_records": [row_image(r) for r in records],
    }


def effect_of(session: Session, entry: OutboxEntry) -> dict[str, Any]:
    """The effect the centre needs to check and apply ``entry`` (empty if none)."""
    if entry.op_type == "approve_draft":
        return _approval_effect(session, entry)
    if entry.op_type == "submit_draft":
        draft = session.get(Draft, str(entry.payload.get("draft_id")))
        return {} if draft is None else {"draft": row_image(draft)}
    return {}


def prepare(session: Session, entries: list[OutboxEntry]) -> int:
    """Give every entry that lacks one its effect; how many were prepared."""
    prepared = 0
    for entry in entries:
        if EFFECT_KEY in (entry.payload or {}):
            continue
        entry.payload = {**entry.payload, EFFECT_KEY: effect_of(session, entry)}
        prepared += 1
    if prepared:
        session.flush()
    return prepared


# Payload keys holding the row image a 支援措置 op carries from the start.
PROTECTION_IMAGES = ("measure", "hold", "release")


def envelope(entry: OutboxEntry) -> dict[str, Any]:
    """The op as the centre's ``sync.push`` takes it.

    A 支援措置 op's effect is the image in its payload (what a conflict or refusal record
    shows as this terminal's version).
    """
    payload = dict(entry.payload)
    effect = payload.pop(EFFECT_KEY, None) or {}
    if not effect and entry.op_type != "issue_certificate":
        effect = {k: payload[k] for k in PROTECTION_IMAGES if isinstance(payload.get(k), dict)}
    return {
        "op_id": entry.op_id,
        "op_type": entry.op_type,
        "terminal_id": entry.terminal_id,
        "staff_no": entry.staff_no,
        "created_at": entry.created_at.isoformat(),
        "payload": payload,
        "effect": effect,
    }
