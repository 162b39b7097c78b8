"""Ops the centre did not apply: conflicts and refusals, as this terminal records them.

A conflict (R-SYNC-2) means the op was based on a state the centre no longer has: the centre
keeps it in its conflict queue with both versions for a supervisor, and this terminal keeps a
record (``store_meta`` ``sync_problem:<op_id>``) with both versions too, shows it, and holds
back its later ops on the same persons and households until the conflict is settled at the
centre (resolved, or superseded by a new decision on the same draft). A refusal (the centre's
permission or rule check said no) is shown until someone acknowledges it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from madoguchi.storage.sync import meta
from madoguchi.storage.sync.envelope import Touched

CONFLICT = "conflict"
REJECTED = "rejected"
OPEN = "open"


@dataclass(frozen=True)
class SyncProblem:
    """One op the centre did not apply, with what this terminal did and what the centre has."""

    op_id: str
    kind: str  # conflict | rejected
    op_type: str
    draft_id: str | None
    reason: str
    status: str  # open | resolved | superseded | acknowledged
    conflict_id: int | None
    staff_no: str
    created_at: str
    persons: tuple[str, ...]
    households: tuple[str, ...]
    ours: dict[str, Any]
    centre: dict[str, Any]
    stale: tuple[dict[str, Any], ...]
    payload: dict[str, Any]
    terminal_id: str = ""  # set for a conflict read from the centre (another terminal's)

    @property
    def is_open(self) -> bool:
        """Still waiting for a supervisor (conflict) or an acknowledgement (refusal)."""
        return self.status == OPEN


def record(
    session: Session,
    *,
    kind: str,
    envelope: dict[str, Any],
    result: dict[str, Any],
    recorded_at: dt.datetime,
) -> None:
    """Keep the centre's answer to an op that was not applied."""
    effect = envelope.get("effect") or {}
    restore = result.get("restore") or {}
    persons = sorted({p["atena_no"] for p in effect.get("persons") or ()})
    households = sorted({h["household_no"] for h in effect.get("households") or ()})
    meta.set_json(
        session,
        meta.PROBLEM_PREFIX + str(envelope["op_id"]),
        {
            "op_id": envelope["op_id"],
            "kind": kind,
            "op_type": envelope["op_type"],
            "draft_id": (envelope.get("payload") or {}).get("draft_id"),
            "reason": result.get("reason") or "",
            "status": OPEN,
            "conflict_id": result.get("conflict_id"),
            "staff_no": envelope.get("staff_no"),
            "created_at": envelope.get("created_at"),
            "recorded_at": recorded_at.isoformat(),
            "persons": persons,
            "households": households,
            "ours": dict(effect),
            "payload": dict(envelope.get("payload") or {}),
            "centre": restore,
            "stale": result.get("stale") or [],
        },
    )


def _problem(value: dict[str, Any]) -> SyncProblem:
    return SyncProblem(
        op_id=str(value["op_id"]),
        kind=str(value["kind"]),
        op_type=str(value["op_type"]),
        draft_id=value.get("draft_id"),
        reason=str(value.get("reason") or ""),
        status=str(value.get("status") or OPEN),
        conflict_id=value.get("conflict_id"),
        staff_no=str(value.get("staff_no") or ""),
        created_at=str(value.get("created_at") or ""),
        persons=tuple(value.get("persons") or ()),
        households=tuple(value.get("households") or ()),
        ours=dict(value.get("ours") or {}),
        centre=dict(value.get("centre") or {}),
        stale=tuple(value.get("stale") or ()),
        payload=dict(value.get("payload") or {}),
    )


def from_centre(row: dict[str, Any]) -> SyncProblem:
    """A conflict as the centre keeps it (``sync.conflicts``): any terminal's."""
    ours = dict(row.get("client_version") or {})
    return SyncProblem(
        op_id=str(row["op_id"]),
        kind=CONFLICT,
        op_type=str(row.get("op_type") or ""),
        draft_id=row.get("draft_id"),
        reason=str(row.get("reason") or ""),
        status=str(row.get("status") or OPEN),
        conflict_id=row.get("conflict_id"),
        staff_no=str(row.get("staff_no") or ""),
        created_at=str(row.get("created_at") or ""),
        persons=tuple(sorted({str(p["atena_no"]) for p in ours.get("persons") or ()})),
        households=tuple(sorted({str(h["household_no"]) for h in ours.get("households") or ()})),
        ours=ours,
        centre=dict(row.get("server_version") or {}),
        stale=tuple(row.get("stale") or ()),
        payload=ours,
        terminal_id=str(row.get("terminal_id") or ""),
    )


def list_problems(session: Session, *, only_open: bool = True) -> list[SyncProblem]:
    """This terminal's conflicts and refusals, oldest first (the GUI's list)."""
    found = [_problem(value) for _, value in meta.with_prefix(session, meta.PROBLEM_PREFIX)]
    found.sort(key=lambda p: p.created_at)
    return [p for p in found if p.is_open] if only_open else found


def blocked(session: Session) -> tuple[Touched, set[str]]:
    """What open conflicts block: persons and households, and the drafts they are about.

    Later ops on a blocked person or household wait (R-SYNC-2: other people's changes keep
    flowing); a new decision on the conflict's own draft is how it gets settled, so ops on
    those drafts go through.
    """
    touched, drafts = Touched(), set()
    for problem in list_problems(session):
        if problem.kind != CONFLICT:
            continue
        touched.persons.update(problem.persons)
        touched.households.update(problem.households)
        if problem.draft_id:
            drafts.add(problem.draft_id)
    return touched, drafts


def blocked_persons(session: Session) -> set[str]:
    """宛名番号 of the persons with an open sync conflict (shown as such; not to be changed)."""
    return blocked(session)[0].persons


def acknowledge(session: Session, op_id: str) -> None:
    """Mark a refusal as seen (conflicts are settled at the centre, not here)."""
    key = meta.PROBLEM_PREFIX + op_id
    value = meta.get_json(session, key)
    if value is not None and value.get("kind") == REJECTED:
        value["status"] = "acknowledged"
        meta.set_json(session, key, value)
