"""Who acts, where and when: injected into every service call (ARCHITECTURE decision 9)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Protocol

from madoguchi.app.domain.permissions import Action, Role, require

JST = dt.timezone(dt.timedelta(hours=9), "JST")


class Clock(Protocol):
    """A source of the current time; services never call ``datetime.now()`` themselves."""

    def now(self) -> dt.datetime:
        """The current local (Japan) time, naive, as stored in processing stamps."""
        ...


class SystemClock:
    """The real clock, in Japan time."""

    def now(self) -> dt.datetime:
        """Now in Japan time, naive."""
        return dt.datetime.now(JST).replace(tzinfo=None, microsecond=0)


@dataclass
class FixedClock:
    """A clock tests set by hand."""

    current: dt.datetime

    def now(self) -> dt.datetime:
        """The fixed time."""
        return self.current

    def advance(self, **delta: float) -> None:
        """Move the clock forward by a ``timedelta(**delta)``."""
        self.current += dt.timedelta(**delta)


@dataclass(frozen=True)
class Actor:
    """The staff member acting: number, name, office and roles."""

    staff_no: str
    name: str
    office: str
    roles: frozenset[Role]

    def require(self, action: Action) -> None:
        """Raise PermissionDenied unless this staff member may do ``action``."""
        require(self.roles, action)


@dataclass(frozen=True)
class ServiceContext:
    """Everything a use case needs to know about the call: who, on which terminal, when."""

    actor: Actor
    terminal_id: str
    clock: Clock = field(default_factory=SystemClock)

    def now(self) -> dt.datetime:
        """The clock's current time."""
        return self.clock.now()

    def today(self) -> dt.date:
        """The clock's current date."""
        return self.clock.now().date()

    @staticmethod
    def new_process_id() -> str:
        """A fresh 処理ID for the processing stamps of one transaction."""
        return str(uuid.uuid4())
