"""The in-memory plan of one generated household, and the random sampler that builds plans.

A plan says who lives in a household, where it lived when, who came by birth or by move-in,
who left (除票) and whether the 世帯主 changed. ``rows.py`` turns a plan into table rows.
Everything random comes from one ``random.Random`` so a seed reproduces the city.
"""

from __future__ import annotations

import bisect
import calendar
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import accumulate
from typing import TypeVar

from madoguchi.app.demo_city.names import (
    BUILDING_NAMES,
    GIVEN_NAMES,
    SURNAMES,
    NamePart,
    generation_of,
)
from madoguchi.app.demo_city.towns import (
    MUNICIPALITY,
    OTHER_PLACES,
    OTHER_TOWNS,
    PREFECTURE,
    TownRow,
    town_rows,
)
from madoguchi.app.domain.change_reason import ChangeReason
from madoguchi.app.domain.wareki import RegisterDate

FOREIGN_RESIDENT_LAW = date(2012, 7, 9)
"""改正住基法施行日: the day foreign residents entered the register (外国人住民となった日)."""

YEAR_DAYS = 365.2425
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Address:
    """An address in the city: a town row of the master, canonical 番地 and optional 方書."""

    town: TownRow
    banchi: str
    katagaki: str | None = None

    def short(self) -> str:
        """Town and 番地 without prefecture and municipality, e.g. ``本町一丁目3-12``."""
        return self.town.short_name + self.banchi


@dataclass(slots=True)
class ForeignDetails:
    """The 住基法 §30-45 items of a foreign resident."""

    nationality: str
    alphabet_name: str
    category: str
    status: str | None = None
    period: str | None = None
    expires_on: date | None = None
    card_no: str | None = None
    alias: tuple[NamePart, NamePart] | None = None
    alias_on: date | None = None
    earlier_alias: tuple[NamePart, NamePart, date, date] | None = None


@dataclass(slots=True)
class Removal:
    """Why and when a member left the register (除票), and where to for a move-out."""

    reason: ChangeReason
    on: date
    destination: str | None = None


@dataclass(slots=True)
class Member:
    """One person of a household plan."""

    family: NamePart
    given: NamePart
    sex: str
    birth: date
    relationship: str
    birth_override: RegisterDate | None = None
    entry: date | None = None
    entry_kind: str = ""  # "birth" | "move_in" | "abroad" | "enactment"
    previous_address: str | None = None
    removal: Removal | None = None
    foreign: ForeignDetails | None = None
    koseki: tuple[str, str] | None = None  # (本籍, 筆頭者)
    is_hittosha: bool = False
    former_surname: NamePart | None = None
    former_surname_on: date | None = None
    earlier_relationship: str | None = None
    family_of: int | None = None  # index of the member whose family this one belongs to
    legal_family_kana: str | None = None  # legal furigana when it differs from the old kana

    @property
    def full_name(self) -> str:
        """氏名 as printed, with a full-width space."""
        return f"{self.family.written}\u3000{self.given.written}"


@dataclass(slots=True)
class HouseholdPlan:
    """A household: members (index 0 is the first 世帯主), address history and events."""

    members: list[Member]
    addresses: list[tuple[date, Address]] = field(default_factory=list)
    arrival_from: str | None = None
    householder_change: tuple[date, int, int] | None = None  # (date, old index, new index)
    foreign: bool = False

    def address_on(self, day: date) -> Address:
        """The household's address in effect on ``day``."""
        current = self.addresses[0][1]
        for since, address in self.addresses:
            if since <= day:
                current = address
        return current


def _cumulative(weights: list[float]) -> list[float]:
    return list(accumulate(weights))


class Sampler:
    """Random choices of the demo city: names, dates, addresses. One RNG, no clock."""

    def __init__(self, rng: random.Random, today: date) -> None:
        self.rng = rng
        self.today = today
        self._surnames = [name for name, _ in SURNAMES]
        self._surname_cum = _cumulative([weight for _, weight in SURNAMES])
        self.towns = town_rows()
        self._town_cum = _cumulative([t.weight for t in self.towns])
        self._buildings: dict[str, list[str]] = {}

    # ------------------------------------------------------------------ basics
    def randint(self, low: int, high: int) -> int:
        """An integer in ``[low, high]`` (one ``random()`` call: faster than ``randint``)."""
        return low + int(self.rng.random() * (high - low + 1))

    def pick(self, items: Sequence[T]) -> T:
        """One of ``items`` (one ``random()`` call)."""
        return items[int(self.rng.random() * len(items))]

    def chance(self, probability: float) -> bool:
        """True with ``probability``."""
        return self.rng.random() < probability

    def weighted(self, cumulative: list[float]) -> int:
        """Index drawn from precomputed cumulative weights."""
        return bisect.bisect_right(cumulative, self.rng.random() * cumulative[-1])

    def date_between(self, start: date, end: date) -> date:
        """A uniformly random day in ``[start, end]`` (``start`` if the range is empty)."""
        if end <= start:
            return start
        return date.fromordinal(self.randint(start.toordinal(), end.toordinal()))

    def years_after(self, day: date, years: float) -> date:
        """``day`` plus a number of years (approximate, by days), capped at today."""
        moved = date.fromordinal(day.toordinal() + int(years * YEAR_DAYS))
        return min(moved, self.today)

    def birth_for_age(self, lowest: int, highest: int) -> date:
        """A birth date for someone aged ``lowest``..``highest`` today."""
        end = self.today.toordinal() - int(lowest * YEAR_DAYS)
        start = self.today.toordinal() - int((highest + 1) * YEAR_DAYS) + 1
        return date.fromordinal(self.randint(start, end))

    def age(self, birth: date) -> int:
        """Age in full years today."""
        today = self.today
        return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))

    def recent_date(self, start: date, *, bias: float = 1.0) -> date:
        """A day in ``[start, today]``, weighted towards today when ``bias`` > 1."""
        span = self.today.toordinal() - start.toordinal()
        if span <= 0:
            return self.today
        offset = int(span * (self.rng.random() ** bias))
        return date.fromordinal(self.today.toordinal() - offset)

    # ------------------------------------------------------------------ names
    def surname(self) -> NamePart:
        """A surname drawn by real frequency."""
        return self._surnames[self.weighted(self._surname_cum)]

    def other_surname(self, avoid: NamePart) -> NamePart:
        """A surname whose reading differs from ``avoid``."""
        while True:
            name = self.surname()
            if name.kana != avoid.kana:
                return name

    def given(self, sex: str, birth_year: int) -> NamePart:
        """A given name usual for ``sex`` and the generation of ``birth_year``."""
        return self.pick(GIVEN_NAMES[(sex, generation_of(birth_year))])

    def person(self, sex: str, birth: date, relationship: str, family: NamePart) -> Member:
        """A Japanese member with a generated given name."""
        return Member(family, self.given(sex, birth.year), sex, birth, relationship)

    # ------------------------------------------------------------------ places
    def address(self) -> Address:
        """A random address in the city; a third of them in a named building."""
        town = self.towns[self.weighted(self._town_cum)]
        rng = self.rng
        if town.has_blocks:
            banchi = f"{self.randint(1, 28)}-{self.randint(1, 30)}"
        else:
            banchi = str(self.randint(1, 2400))
            if rng.random() < 0.4:
                banchi += f"-{self.randint(1, 12)}"
        katagaki = None
        if rng.random() < 0.33:
            building = self._building(town.code)
            floor = self.randint(1, 8 if building.startswith("グランド") else 4)
            katagaki = f"{building}{floor}{self.randint(1, 9):02d}号"
        return Address(town, banchi, katagaki)

    def _building(self, town_code: str) -> str:
        names = self._buildings.get(town_code)
        if names is None:
            names = self.rng.sample(BUILDING_NAMES, 3)
            self._buildings[town_code] = names
        return self.pick(names)

    def other_address(self) -> str:
        """A fictional address in another municipality (転入前住所, 転出先)."""
        return (
            f"{self.pick(OTHER_PLACES)}{self.pick(OTHER_TOWNS)}"
            f"{self.randint(1, 30)}番{self.randint(1, 25)}号"
        )

    def honseki(self, near: Address | None = None) -> str:
        """A fictional 本籍: often in the city (at or near ``near``), otherwise elsewhere."""
        rng = self.rng
        if near is not None and rng.random() < 0.55:
            town = near.town if rng.random() < 0.5 else self.address().town
            return f"{PREFECTURE}{MUNICIPALITY}{town.short_name}{self.randint(1, 40)}番地"
        return f"{self.pick(OTHER_PLACES)}{self.pick(OTHER_TOWNS)}{self.randint(1, 3000)}番地"

    def father_name(self, family: NamePart, child_birth: date) -> str:
        """The name of a (non-resident) father, as 筆頭者 of his child's 戸籍."""
        given = self.given("1", max(1900, child_birth.year - 30))
        return f"{family.written}\u3000{given.written}"


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` calendar months, clamped to the last day of the month."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def day_after(day: date, days: int = 1) -> date:
    """``day`` plus ``days`` days."""
    return day + timedelta(days=days)
