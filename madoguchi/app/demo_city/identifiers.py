"""Numbers and processing stamps of the demo city: unique, never reused, all from the seed.

宛名番号 is a 10-digit sequence (a 世帯番号 is its first member's 宛名番号). 個人番号 and
住民票コード are random with valid check digits (the domain types make them) and unique within
a segment of the city; the loader resolves the rare clashes between segments.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time

from madoguchi.app.domain.individual_number import IndividualNumber
from madoguchi.app.domain.resident_code import ResidentCode


@dataclass(frozen=True, slots=True)
class Terminal:
    """A demo terminal, its office and the clerks (with their service periods) who use it."""

    terminal_id: str
    office: str
    description: str
    clerks: tuple[tuple[str, date, date], ...]

    def clerks_on(self, day: date) -> tuple[str, ...]:
        """Staff numbers of the clerks in service on ``day`` (the longest-serving if none)."""
        serving = tuple(no for no, start, end in self.clerks if start <= day <= end)
        return serving or (self.clerks[0][0],)


_OPEN = date(9999, 12, 31)
TERMINALS: tuple[Terminal, ...] = (
    Terminal(
        "DEMO-T01",
        "本庁舎 市民課",
        "本庁舎 市民課 窓口1番",
        (
            ("S0011", date(2012, 4, 1), date(2026, 3, 31)),
            ("S0001", date(2019, 4, 1), _OPEN),
            ("S0002", date(2023, 4, 1), _OPEN),
        ),
    ),
    Terminal(
        "DEMO-T02",
        "北支所",
        "北支所 窓口",
        (("S0010", date(2016, 4, 1), _OPEN), ("S0003", date(2021, 4, 1), _OPEN)),
    ),
)
"""The demo city's counter terminals; changes are stamped with these and their clerks
(see staff.py: the numbers and periods match the demo accounts)."""


@dataclass(frozen=True, slots=True)
class Stamp:
    """The seeds' processing stamps of one change (処理日時, 処理ID, 端末ID, 職員番号)."""

    processed_at: datetime
    process_id: str
    terminal_id: str
    staff_no: str

    def columns(self) -> dict[str, object]:
        """The stamp as row columns."""
        return {
            "processed_at": self.processed_at,
            "process_id": self.process_id,
            "terminal_id": self.terminal_id,
            "staff_no": self.staff_no,
        }


class _NumberRandom(random.Random):
    """The RNG handed to IndividualNumber.generate / ResidentCode.generate.

    ``randint`` from one ``random()`` call instead of rejection sampling: four times faster,
    and uniform enough for synthetic digits (the numbers are still drawn only from the seed).
    """

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))


class Identifiers:
    """Issues the city's numbers and stamps from one RNG."""

    def __init__(self, rng: random.Random, first_atena: int = 1) -> None:
        self._rng = rng
        self._numbers_rng = _NumberRandom(rng.getrandbits(64))
        self._atena = first_atena - 1
        self._individual_numbers: set[int] = set()
        self._resident_codes: set[int] = set()

    def atena_no(self) -> str:
        """The next 宛名番号."""
        self._atena += 1
        return f"{self._atena:010d}"

    def individual_number(self) -> str:
        """A 個人番号 not issued before in this city."""
        while True:
            value = IndividualNumber.generate(self._numbers_rng).value
            if int(value) not in self._individual_numbers:
                self._individual_numbers.add(int(value))
                return value

    def resident_code(self) -> str:
        """A 住民票コード not issued before in this city."""
        while True:
            value = ResidentCode.generate(self._numbers_rng).value
            if int(value) not in self._resident_codes:
                self._resident_codes.add(int(value))
                return value

    def process_id(self) -> str:
        """A 処理ID (a UUID drawn from the seed, so runs are reproducible)."""
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def stamp(self, on: date) -> Stamp:
        """Stamps of a change processed during office hours on ``on``."""
        random = self._rng.random
        terminal = TERMINALS[0] if random() < 0.72 else TERMINALS[1]
        minute = 510 + int(random() * 521)  # 8:30 … 17:10
        moment = time(minute // 60, minute % 60, int(random() * 60))
        clerks = terminal.clerks_on(on)
        return Stamp(
            datetime.combine(on, moment),
            self.process_id(),
            terminal.terminal_id,
            clerks[int(random() * len(clerks))],
        )
