"""Staff sign-in for the counter (a demo-staff login until accounts get passwords).

The service returns the ServiceContext every other call takes, and writes the login to the
audit log (R-AUDIT-1).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from madoguchi.app.context import Actor, Clock, ServiceContext
from madoguchi.app.domain.permissions import ROLE_LABELS, Role
from madoguchi.storage.audit import append_audit
from madoguchi.storage.models import StaffMember
from madoguchi.storage.store import LocalStore


class LoginRefused(ValueError):
    """The account cannot sign in now; the message says why."""


@dataclass(frozen=True)
class StaffChoice:
    """An account offered on the login screen."""

    staff_no: str
    name: str
    office: str
    role_labels: str


class StaffService:
    """Lists accounts and signs staff in on a terminal."""

    def __init__(self, store: LocalStore, terminal_id: str, clock: Clock) -> None:
        self._store = store
        self._terminal_id = terminal_id
        self._clock = clock

    def login_choices(self) -> list[StaffChoice]:
        """Active accounts, in staff-number order."""
        today = self._clock.now().date()
        with self._store.transaction() as session:
            staff = session.scalars(select(StaffMember).order_by(StaffMember.staff_no)).all()
            return [
                StaffChoice(
                    s.staff_no,
                    s.name,
                    s.office,
                    "・".join(ROLE_LABELS[Role(r)] for r in s.roles),
                )
                for s in staff
                if _active(s, today)
            ]

    def login(self, staff_no: str) -> ServiceContext:
        """Sign ``staff_no`` in on this terminal; refused for disabled or expired accounts."""
        now = self._clock.now()
        with self._store.transaction() as session:
            staff = session.get(StaffMember, staff_no)
            success = staff is not None and _active(staff, now.date())
            append_audit(
                session,
                at=now,
                terminal_id=self._terminal_id,
                staff_no=staff_no,
                action="login" if success else "login_failed",
            )
        if not success or staff is None:
            raise LoginRefused(
                "この職員番号ではログインできません（無効・期限切れ・未登録）。"
                "システム管理者に確認してください。"
            )
        actor = Actor(
            staff_no=staff.staff_no,
            name=staff.name,
            office=staff.office,
            roles=frozenset(Role(r) for r in staff.roles),
        )
        return ServiceContext(actor=actor, terminal_id=self._terminal_id, clock=self._clock)


def _active(staff: StaffMember, today: dt.date) -> bool:
    if staff.disabled or staff.valid_from > today:
        return False
    return staff.valid_until is None or staff.valid_until >= today
