"""発行番号 (standard/j1040): date, municipality, office, terminal, printer, sequence, page.

``20261102 架空県みどり市 本庁舎市民課 DEMO-T01 PRN01 0007`` and, on each page, ``1/2``.
The sequence counts per terminal per day in the store, allocated in the issuing transaction
(the store's ``BEGIN IMMEDIATE`` serialises two issuances on one terminal). The terminal id
is part of the number, so two terminals issuing on the same day never collide; the copies
table holds every number under a unique constraint as well.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from madoguchi.storage.models import IssueNumberSequence

__all__ = ["PREVIEW_NUMBER", "allocate", "issue_number"]

PREVIEW_NUMBER = "（交付時に採番）"


def issue_number(
    day: dt.date, municipality: str, office: str, terminal_id: str, printer_id: str, seq: int
) -> str:
    """The 発行番号 of one copy without its page part."""
    office_name = "".join(office.split())
    return f"{day:%Y%m%d} {municipality} {office_name} {terminal_id} {printer_id} {seq:04d}"


def allocate(session: Session, terminal_id: str, day: dt.date, count: int) -> list[int]:
    """``count`` fresh sequence numbers of ``terminal_id`` on ``day``, in order."""
    row = session.get(IssueNumberSequence, (terminal_id, day))
    if row is None:
        row = IssueNumberSequence(terminal_id=terminal_id, day=day, last_seq=0)
        session.add(row)
    first = row.last_seq + 1
    row.last_seq += count
    session.flush()
    return list(range(first, first + count))
