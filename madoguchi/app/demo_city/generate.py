"""The deterministic generator of the demo city 架空県みどり市 (a fictional municipality).

``DemoCity(persons=…, seed=…, today=…)`` describes one city; ``households()`` yields it
household by household, so even a million persons never sit in memory at once. The same
seed and ``today`` give the same rows, byte for byte; nothing reads the clock or the global
``random`` state.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from madoguchi.app.demo_city.foreign import FOREIGN_SHAPES, mixed
from madoguchi.app.demo_city.identifiers import Identifiers
from madoguchi.app.demo_city.plan import HouseholdPlan, Sampler
from madoguchi.app.demo_city.planted import PLANTED
from madoguchi.app.demo_city.rows import GeneratedHousehold, RowBuilder
from madoguchi.app.demo_city.shapes import JAPANESE_SHAPES
from madoguchi.app.demo_city.staff import staff_rows, terminal_rows
from madoguchi.app.demo_city.timeline import died, leave_all
from madoguchi.app.demo_city.towns import MUNICIPALITY, MUNICIPALITY_CODE, PREFECTURE, town_rows
from madoguchi.app.domain.change_reason import MOVE_OUT_ABROAD, MOVE_OUT_DOMESTIC
from madoguchi.app.domain.variants import name_key

DEFAULT_SEED = 20261101
DEFAULT_TODAY = date(2026, 11, 1)
MINIMUM_PERSONS = 40
"""The planted households alone need about 30 persons."""
SEGMENT_PERSONS = 50_000
"""Persons per independently generated segment (part of what makes a city reproducible)."""

FOREIGN_WEIGHT = 3.6
MIXED_WEIGHT = 0.8
ABROAD = ("アメリカ合衆国", "オーストラリア", "シンガポール", "ドイツ", "タイ", "カナダ")
"""Destinations of Japanese residents who moved abroad (国外転出)."""

Row = dict[str, Any]
ShapeFn = Callable[[Sampler], HouseholdPlan]


@dataclass(frozen=True)
class DemoCity:
    """One demo city: how many person rows (current + 除票), which seed, which "today"."""

    persons: int = 5000
    seed: int = DEFAULT_SEED
    today: date = DEFAULT_TODAY
    segment_persons: int = SEGMENT_PERSONS

    def __post_init__(self) -> None:
        if self.persons < MINIMUM_PERSONS:
            raise ValueError(f"persons must be at least {MINIMUM_PERSONS} (got {self.persons})")
        if self.segment_persons < MINIMUM_PERSONS:
            raise ValueError(f"segment_persons must be at least {MINIMUM_PERSONS}")

    # ------------------------------------------------------------------ reference rows
    @staticmethod
    def town_rows() -> list[Row]:
        """Rows of ``ref_towns``: the address master of the city."""
        return [
            {
                "code": town.code,
                "prefecture": PREFECTURE,
                "municipality": MUNICIPALITY,
                "town_name": town.town_name,
                "chome": town.chome,
                "kana": town.kana,
                "postal_code": town.postal_code,
                "name_key": name_key(town.short_name),
            }
            for town in town_rows()
        ]

    @staticmethod
    def staff_rows() -> list[Row]:
        """Rows of ``staff``: demo accounts for every role."""
        return staff_rows()

    @staticmethod
    def terminal_rows() -> list[Row]:
        """Rows of ``terminals``."""
        return terminal_rows()

    def meta_rows(self) -> list[Row]:
        """Rows of ``store_meta`` describing this city."""
        facts = {
            "municipality_name": PREFECTURE + MUNICIPALITY,
            "municipality_code": MUNICIPALITY_CODE,
            "demo": "true",
            "demo_seed": str(self.seed),
            "persons": str(self.persons),
            "data_as_of": self.today.isoformat(),
        }
        return [{"key": key, "value": value} for key, value in facts.items()]

    # ------------------------------------------------------------------ households
    def segments(self) -> list[Segment]:
        """The city cut into segments of ``segment_persons`` persons, each generated alone."""
        size = self.segment_persons
        return [
            Segment(index, start + 1, min(size, self.persons - start))
            for index, start in enumerate(range(0, self.persons, size))
        ]

    def households(self, segment: Segment | None = None) -> Iterator[GeneratedHousehold]:
        """The households of one segment, or of the whole city, with all their rows.

        A segment holds exactly ``segment.persons`` person rows and depends only on the seed,
        ``today`` and its index, so segments can be generated in parallel.
        """
        if segment is None:
            for each in self.segments():
                yield from self.households(each)
            return
        rng = random.Random(f"{self.seed}/{segment.index}")
        s = Sampler(rng, self.today)
        builder = RowBuilder(s, Identifiers(rng, segment.first_atena))
        planted = [factory(s) for factory in PLANTED] if segment.index == 0 else []
        planted_persons = sum(len(plan.members) for plan in planted)
        spacing = segment.persons // (len(planted) + 1)
        shapes, cumulative = _shape_table()
        done = step = 0
        while done < segment.persons:
            room = segment.persons - done - planted_persons
            if planted and (room <= 0 or done >= spacing * (step + 1)):
                plan = planted.pop(0)
                planted_persons -= len(plan.members)
                step += 1
            else:
                plan = _random_plan(s, shapes, cumulative, room)
            done += len(plan.members)
            yield builder.build(plan)


@dataclass(frozen=True)
class Segment:
    """A slice of the city: its index, first 宛名番号 and number of person rows."""

    index: int
    first_atena: int
    persons: int


def _shape_table() -> tuple[list[ShapeFn], list[float]]:
    shapes: list[ShapeFn] = [shape for shape, _ in JAPANESE_SHAPES]
    weights = [weight for _, weight in JAPANESE_SHAPES]
    foreign_total = sum(weight for _, weight in FOREIGN_SHAPES)
    for shape, weight in FOREIGN_SHAPES:
        shapes.append(shape)
        weights.append(FOREIGN_WEIGHT * weight / foreign_total)
    shapes.append(mixed)
    weights.append(MIXED_WEIGHT)
    cumulative: list[float] = []
    total = 0.0
    for weight in weights:
        total += weight
        cumulative.append(total)
    return shapes, cumulative


def _random_plan(
    s: Sampler, shapes: list[ShapeFn], cumulative: list[float], room: int
) -> HouseholdPlan:
    """A household of a random shape with at most ``room`` members; some moved out whole."""
    for _ in range(30):
        plan = shapes[s.weighted(cumulative)](s)
        if len(plan.members) <= room:
            break
    else:
        plan = JAPANESE_SHAPES[0][0](s)  # a single person always fits
        del plan.members[1:]
        plan.householder_change = None
        plan.members[0].relationship = "世帯主"
        plan.members[0].earlier_relationship = None
        plan.members[0].removal = None
    _maybe_leave(s, plan)
    return plan


def _maybe_leave(s: Sampler, plan: HouseholdPlan) -> None:
    """Close whole households: foreign residents going home, families moving away, deaths."""
    members = plan.members
    if plan.foreign:
        if s.chance(0.24):
            destination = members[0].foreign.nationality if members[0].foreign else ABROAD[0]
            if s.chance(0.85):
                leave_all(s, plan, MOVE_OUT_ABROAD, destination)
            else:
                leave_all(s, plan, MOVE_OUT_DOMESTIC, s.other_address())
        return
    current = [m for m in members if m.removal is None]
    if len(current) == 1 and s.age(current[0].birth) >= 75 and s.chance(0.12):
        died(s, current[0], bias=1.3)
        return
    if s.chance(0.125 if len(current) == 1 else 0.095):
        if s.chance(0.06):
            leave_all(s, plan, MOVE_OUT_ABROAD, s.pick(ABROAD))
        else:
            leave_all(s, plan, MOVE_OUT_DOMESTIC, s.other_address())
