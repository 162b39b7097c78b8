"""The audit log: append-only, hash-chained per terminal, written in the caller's transaction.

R-SRCH-4 / R-AUDIT-1: every search, view, login… leaves an entry committed together with the
work it records, and with the outbox op that carries it to the centre. R-AUDIT-2: each entry's
hash covers its fields and the previous entry's hash on the same terminal, so changing,
deleting or reordering entries breaks the chain; ``verify_chain`` names the first broken link.

    python -m madoguchi.storage.audit verify --store PATH
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from madoguchi.storage.models import AuditEntry
from madoguchi.storage.outbox import enqueue_op

GENESIS = "0" * 64


def entry_digest(
    *,
    prev_hash: str,
    terminal_id: str,
    seq: int,
    at: dt.datetime,
    staff_no: str,
    action: str,
    target_persons: Sequence[Any],
    detail: dict[str, Any],
    purpose: str | None,
) -> str:
    """The SHA-256 of an entry's canonical JSON form chained to ``prev_hash``."""
    body = json.dumps(
        {
            "prev_hash": prev_hash,
            "terminal_id": terminal_id,
            "seq": seq,
            "at": at.isoformat(),
            "staff_no": staff_no,
            "action": action,
            "target_persons": list(target_persons),
            "detail": detail,
            "purpose": purpose,
        },
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _digest_of(entry: AuditEntry) -> str:
    return entry_digest(
        prev_hash=entry.prev_hash,
        terminal_id=entry.terminal_id,
        seq=entry.seq,
        at=entry.at,
        staff_no=entry.staff_no,
        action=entry.action,
        target_persons=entry.target_persons,
        detail=entry.detail,
        purpose=entry.purpose,
    )


def append_audit(
    session: Session,
    *,
    at: dt.datetime,
    terminal_id: str,
    staff_no: str,
    action: str,
    target_persons: Sequence[str] = (),
    detail: dict[str, Any] | None = None,
    purpose: str | None = None,
) -> AuditEntry:
    """Add one chained audit entry, and the outbox op carrying it, to the transaction."""
    last = session.scalars(
        select(AuditEntry)
        .where(AuditEntry.terminal_id == terminal_id)
        .order_by(AuditEntry.seq.desc())
        .limit(1)
    ).one_or_none()
    seq = 1 if last is None else last.seq + 1
    prev_hash = GENESIS if last is None else last.entry_hash
    fields: dict[str, Any] = {
        "terminal_id": terminal_id,
        "seq": seq,
        "at": at,
        "staff_no": staff_no,
        "action": action,
        "target_persons": list(target_persons),
        "detail": dict(detail or {}),
        "purpose": purpose,
    }
    digest = entry_digest(prev_hash=prev_hash, **fields)
    entry = AuditEntry(**fields, prev_hash=prev_hash, entry_hash=digest)
    session.add(entry)
    session.flush()
    enqueue_op(
        session,
        op_type="audit_entry",
        payload={
            "seq": seq,
            "at": at.isoformat(),
            "action": action,
            "target_persons": entry.target_persons,
            "detail": entry.detail,
            "purpose": purpose,
            "prev_hash": prev_hash,
            "entry_hash": entry.entry_hash,
        },
        created_at=at,
        terminal_id=terminal_id,
        staff_no=staff_no,
    )
    return entry


@dataclass(frozen=True)
class BrokenLink:
    """Where a chain first breaks, and how."""

    terminal_id: str
    row_id: int
    seq: int
    reason: str


@dataclass(frozen=True)
class ChainReport:
    """The result of verifying the chains: entries checked and the first broken link."""

    checked: int
    terminals: int
    broken: BrokenLink | None

    @property
    def intact(self) -> bool:
        """True when every chain verified."""
        return self.broken is None


def verify_chain(session: Session) -> ChainReport:
    """Walk every terminal's chain in storage order and report the first broken link.

    Storage order (the row id) is the order entries were appended; a changed field, a deleted
    entry or entries put in another order each break it.
    """
    expected: dict[str, tuple[int, str]] = {}
    checked = 0
    for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.id)):
        checked += 1
        next_seq, prev_hash = expected.get(entry.terminal_id, (1, GENESIS))

        reason = None
        if entry.seq != next_seq:
            reason = f"expected entry {next_seq}, found entry {entry.seq} (missing or moved)"
        elif entry.prev_hash != prev_hash:
            reason = "does not follow the previous entry (previous entry changed or missing)"
        elif entry.entry_hash != _digest_of(entry):
            reason = "contents do not match the entry's hash (entry changed)"
        if reason is not None:
            link = BrokenLink(entry.terminal_id, entry.id, entry.seq, reason)
            return ChainReport(checked, len(set(expected) | {entry.terminal_id}), link)
        expected[entry.terminal_id] = (entry.seq + 1, entry.entry_hash)
    return ChainReport(checked, len(expected), None)


def audit_entries(session: Session, *, action: str | None = None) -> list[AuditEntry]:
    """Audit entries in order, optionally of one action."""
    statement = select(AuditEntry).order_by(AuditEntry.id)
    if action is not None:
        statement = statement.where(AuditEntry.action == action)
    return list(session.scalars(statement))


def main(argv: list[str] | None = None) -> int:
    """``verify --store PATH``: exit 0 when every chain is intact, 1 at the first break."""
    from madoguchi.storage.store import LocalStore, StoreError

    parser = argparse.ArgumentParser(prog="python -m madoguchi.storage.audit")
    sub = parser.add_subparsers(dest="command", required=True)
    verify = sub.add_parser("verify", help="verify the hash chains of a local store's audit log")
    verify.add_argument("--store", type=Path, required=True)
    args = parser.parse_args(argv)
    try:
        store = LocalStore.open(args.store, migrate=False)
    except StoreError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    try:
        with store.transaction() as session:
            report = verify_chain(session)
    finally:
        store.close()
    if report.broken is None:
        print(f"intact: {report.checked} entries on {report.terminals} terminal(s)")
        return 0
    link = report.broken
    print(
        f"BROKEN at terminal {link.terminal_id}, entry {link.seq} (row {link.row_id}): "
        f"{link.reason}; {report.checked} entries read"
    )
    return 1


if __name__ == "__main__":
    sys.exit(main())
