"""Dates of a household plan: when it came, where it moved, who was born, who left.

The rules keep the history coherent: nobody is removed before they arrived, a 転居 is
recorded only for members present on that day, and removed records (除票) are no older than
the 150-year retention rule could have kept (records closed before 2014-06-20 were already
deleted under the old five-year rule).
"""

from __future__ import annotations

from datetime import date, timedelta

from madoguchi.app.demo_city.plan import (
    FOREIGN_RESIDENT_LAW,
    YEAR_DAYS,
    HouseholdPlan,
    Member,
    Removal,
    Sampler,
)
from madoguchi.app.domain.change_reason import (
    DEATH,
    MOVE_OUT_ABROAD,
    MOVE_OUT_DOMESTIC,
    ChangeReason,
)

RETENTION_START = date(2014, 6, 20)
"""Oldest 除票 still held: the 150-year rule (令和元年) reached records not yet purged."""


def settle(
    s: Sampler,
    plan: HouseholdPlan,
    arrival: date,
    *,
    lifetime: bool = False,
    abroad_from: str | None = None,
    move_chance: float = 0.22,
) -> None:
    """Give ``plan`` its address history and every member without one an entry date.

    ``lifetime``: the first member was born in the city (at another address) and moved to
    the household's address on ``arrival``. ``abroad_from``: members who arrive with the
    household come from that country (国外転入) instead of another municipality.
    """
    head = plan.members[0]
    arrival = min(max(arrival, head.birth), s.today)
    first = s.address()
    if lifetime:
        plan.addresses = [(head.birth, s.address()), (max(arrival, head.birth), first)]
    else:
        plan.addresses = [(arrival, first)]
    today = s.today
    if arrival < today - timedelta(days=90) and s.chance(move_chance):
        moved = s.date_between(arrival + timedelta(days=30), today - timedelta(days=14))
        plan.addresses.append((moved, s.address()))
        if moved < today - timedelta(days=90) and s.chance(0.15):
            again = s.date_between(moved + timedelta(days=30), today - timedelta(days=7))
            plan.addresses.append((again, s.address()))
    plan.arrival_from = abroad_from or s.other_address()
    for index, member in enumerate(plan.members):
        if member.entry is not None:
            continue
        if (index == 0 and lifetime) or member.birth >= arrival:
            member.entry, member.entry_kind = member.birth, "birth"
        else:
            member.entry = arrival
            member.entry_kind = "abroad" if abroad_from else "move_in"
            member.previous_address = plan.arrival_from
        fix_foreign_entry(member)


def fix_foreign_entry(member: Member) -> None:
    """A foreign resident who lived here before 2012-07-09 became a resident on that day."""
    entry = member.entry
    if member.foreign is not None and entry is not None and entry < FOREIGN_RESIDENT_LAW:
        member.entry, member.entry_kind = FOREIGN_RESIDENT_LAW, "enactment"
        member.previous_address = None


def join(s: Sampler, member: Member, on: date) -> None:
    """``member`` joined the household later (marriage, moving in with family) on ``on``."""
    member.entry = min(max(on, member.birth), s.today)
    if member.entry == member.birth:
        member.entry_kind = "birth"
    else:
        member.entry_kind = "move_in"
        member.previous_address = s.other_address()
    fix_foreign_entry(member)


def leave(
    s: Sampler,
    member: Member,
    reason: ChangeReason,
    *,
    not_before: date | None = None,
    bias: float = 1.0,
    destination: str | None = None,
) -> bool:
    """Close ``member``'s record (除票) for ``reason`` on a date after their arrival.

    Returns False (and changes nothing) when no such date fits before today.
    """
    assert member.entry is not None
    earliest = max(member.entry + timedelta(days=30), RETENTION_START)
    if not_before is not None:
        earliest = max(earliest, not_before)
    if earliest >= s.today:
        return False
    on = s.recent_date(earliest, bias=bias)
    if reason is MOVE_OUT_DOMESTIC and destination is None:
        destination = s.other_address()
    member.removal = Removal(reason, on, destination)
    return True


def leave_all(s: Sampler, plan: HouseholdPlan, reason: ChangeReason, destination: str) -> None:
    """The whole household left on one day (転出, 国外転出) after its last recorded change."""
    dates = [since for since, _ in plan.addresses]
    if plan.householder_change:
        dates.append(plan.householder_change[0])
    for member in plan.members:
        dates += [d for d in (member.entry, member.former_surname_on) if d is not None]
        if member.foreign is not None and member.foreign.alias_on is not None:
            dates.append(member.foreign.alias_on)
    latest = max(dates)
    earliest = max(latest + timedelta(days=30), RETENTION_START)
    if earliest >= s.today:
        return
    on = s.recent_date(earliest, bias=1.3)
    for member in plan.members:
        if member.removal is None:
            member.removal = Removal(reason, on, destination)


def died(s: Sampler, member: Member, *, bias: float = 1.0) -> bool:
    """Record ``member``'s death (死亡), if a date after their arrival fits."""
    return leave(s, member, DEATH, bias=bias)


def adult_on(member: Member, years: int) -> date:
    """The day ``member`` reached ``years`` of age (approximately)."""
    return date.fromordinal(member.birth.toordinal() + int(years * YEAR_DAYS))


def emigrate(s: Sampler, member: Member, country: str) -> bool:
    """``member`` moved abroad (国外転出)."""
    return leave(s, member, MOVE_OUT_ABROAD, destination=country, not_before=adult_on(member, 18))
