"""What an approval changed, as plain data: the input of the interface records (R-IF).

Approval turns a draft into register rows and describes, person by person, the state before
and after as snapshots of the register columns. The interface builders read only this, so
they never see a half-applied register and can be tested without one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from madoguchi.storage.models import Household, Person

Snapshot = dict[str, Any]

# The 8 items of 本人確認情報 (住基ネット), in the order of REQUIREMENTS §10, and the columns
# that hold them.
IDENTITY_ITEMS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("住民票コード", ("resident_code",)),
    ("氏名", ("family_name", "given_name")),
    ("生年月日", ("birth_date",)),
    ("性別", ("sex",)),
    ("住所", ("address", "katagaki")),
    ("個人番号", ("individual_number",)),
)

_SNAPSHOT_SKIP = frozenset({"household", "history"})


def _plain(value: object) -> object:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def person_snapshot(person: Person) -> Snapshot:
    """Every register column of ``person`` (dates as ISO text)."""
    return {
        column.key: _plain(getattr(person, column.key))
        for column in Person.__table__.columns
        if column.key not in _SNAPSHOT_SKIP
    }


def household_snapshot(household: Household) -> Snapshot:
    """Every column of ``household``."""
    return {
        column.key: _plain(getattr(household, column.key)) for column in Household.__table__.columns
    }


@dataclass(frozen=True)
class PersonChange:
    """One person's change: 異動事由, dates and the register row before and after.

    ``before`` is ``None`` for a person entering the register for the first time; a person
    leaving keeps an ``after`` with ``status`` "removed" (除票).
    """

    atena_no: str
    reason_code: str
    reason_name: str
    change_date: str
    notified_on: str | None
    before: Snapshot | None
    after: Snapshot

    @property
    def entered(self) -> bool:
        """Became a resident (転入, 再転入)."""
        return self.after.get("status") == "current" and (
            self.before is None or self.before.get("status") != "current"
        )

    @property
    def left(self) -> bool:
        """Became a 除票 (転出)."""
        return self.after.get("status") == "removed" and (
            self.before is not None and self.before.get("status") == "current"
        )

    def changed_columns(self) -> set[str]:
        """Register columns whose value differs (all of them for a newcomer)."""
        if self.before is None:
            return set(self.after)
        return {k for k, v in self.after.items() if self.before.get(k) != v}

    def changed_identity_items(self) -> list[str]:
        """Which of the 本人確認情報 items changed (names as in §10)."""
        changed = self.changed_columns()
        if self.entered or self.left:
            return [label for label, _ in IDENTITY_ITEMS]
        return [label for label, columns in IDENTITY_ITEMS if changed & set(columns)]


@dataclass(frozen=True)
class RegisteredChange:
    """Everything one approval did to the register, in the order it did it."""

    draft_id: str
    kind: str
    variant: str
    processed_at: dt.datetime
    process_id: str
    terminal_id: str
    staff_no: str
    persons: tuple[PersonChange, ...]
    households_before: dict[str, Snapshot | None] = field(default_factory=dict)
    households_after: dict[str, Snapshot] = field(default_factory=dict)
    former_address: str | None = None  # 転入前住所 (転入通知 goes to that municipality)
    moving_to_address: str | None = None  # 転出先 (転出証明書情報 goes there)
    move_out_certificate_id: str | None = None
