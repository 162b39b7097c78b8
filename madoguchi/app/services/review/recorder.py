"""Recording what an approval touches: the state before, the stamps, the history entries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from madoguchi.app.domain.change_reason import change_reason
from madoguchi.app.services.review.changes import (
    PersonChange,
    Snapshot,
    household_snapshot,
    person_snapshot,
)
from madoguchi.storage.models import ChangeHistory, Household, Person


@dataclass(frozen=True)
class Stamp:
    """The processing stamps of one approval (処理年月日・時刻, 処理ID, 端末ID, 職員番号)."""

    processed_at: dt.datetime
    process_id: str
    terminal_id: str
    staff_no: str


class ApplyError(Exception):
    """The register no longer allows the change (caught before by the checks; a last guard)."""


class Recorder:
    """Collects the persons and households a change touches, with their state before."""

    def __init__(self, session: Session, stamp: Stamp) -> None:
        self.session = session
        self.stamp = stamp
        self._before: dict[str, Snapshot | None] = {}
        self._reasons: dict[str, tuple[str, str, str | None]] = {}
        self._order: list[str] = []
        self._households_before: dict[str, Snapshot | None] = {}
        self._households: dict[str, Household] = {}
        self._persons: dict[str, Person] = {}

    def touch_person(self, person: Person | None, atena_no: str) -> None:
        """Remember ``person`` as it is now (``None``: about to be created)."""
        if atena_no not in self._before:
            self._before[atena_no] = person_snapshot(person) if person is not None else None
            self._order.append(atena_no)

    def touch_household(self, household: Household | None, household_no: str) -> None:
        """Remember ``household`` as it is now (``None``: about to be created)."""
        if household_no not in self._households_before:
            self._households_before[household_no] = (
                household_snapshot(household) if household is not None else None
            )

    def changed(
        self, person: Person, reason_code: str, change_date: str, notified_on: str | None
    ) -> None:
        """``person`` changed for ``reason_code``; stamp the row (history comes at the end)."""
        self._persons[person.atena_no] = person
        self._reasons.setdefault(person.atena_no, (reason_code, change_date, notified_on))
        self._stamp(person)

    def household_changed(self, household: Household) -> None:
        """Stamp a changed household."""
        self._households[household.household_no] = household
        self._stamp(household)

    def _stamp(self, row: Person | Household) -> None:
        row.processed_at = self.stamp.processed_at
        row.process_id = self.stamp.process_id
        row.terminal_id = self.stamp.terminal_id
        row.staff_no = self.stamp.staff_no
        row.row_version = (row.row_version or 0) + 1

    def finish(self, summary: str) -> tuple[tuple[PersonChange, ...], dict[str, Snapshot]]:
        """Write the history entries; the changes in the order persons were touched."""
        self.session.flush()
        changes = []
        for atena_no in self._order:
            person = self._persons.get(atena_no)
            if person is None:
                continue
            code, change_date, notified = self._reasons[atena_no]
            before, after = self._before[atena_no], person_snapshot(person)
            reason = change_reason(code)
            self.session.add(
                ChangeHistory(
                    atena_no=atena_no,
                    household_no=person.household_no,
                    change_reason=code,
                    change_date=change_date,
                    notified_on=dt.date.fromisoformat(notified) if notified else None,
                    processed_at=self.stamp.processed_at,
                    process_id=self.stamp.process_id,
                    terminal_id=self.stamp.terminal_id,
                    staff_no=self.stamp.staff_no,
                    summary=summary,
                    before=before,
                    after=after,
                )
            )
            changes.append(
                PersonChange(atena_no, code, reason.name, change_date, notified, before, after)
            )
        households = {no: household_snapshot(h) for no, h in self._households.items()}
        return tuple(changes), households

    @property
    def households_before(self) -> dict[str, Snapshot | None]:
        """The touched households as they were."""
        return dict(self._households_before)
