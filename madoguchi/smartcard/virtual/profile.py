"""Who a virtual card belongs to: the printed and stored facts of one synthetic person.

Profiles arrive as JSON (a list of objects, one per card) from whoever builds them, e.g. the
demo city; :func:`sample_profile` is a made-up person for tests and for a bare demo run.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from stdnum.jp import in_ as individual_number_check

_SEXES = ("1", "2", "9", "0")
_SIGN_PASSWORD = re.compile(r"[A-Z0-9]{6,16}")
_FOUR_DIGITS = re.compile(r"[0-9]{4}")
_DATE = re.compile(r"[0-9]{8}")


class InvalidProfile(ValueError):
    """A profile that no real card could carry (bad check digit, PIN format, date, ...)."""


@dataclass(frozen=True)
class CardProfile:
    """The contents of one person's card and the secrets the card holds.

    ``name`` separates family and given name with U+3000; ``address`` uses full-width digits
    as printed on a real card; ``birth_date`` is Gregorian ``YYYYMMDD``; ``sex`` is the
    JIS X 0303 code (``'1'`` male, ``'2'`` female, ``'9'`` not applicable, ``'0'`` unknown).
    ``security_code`` (4 digits) and ``expiry_year`` are printed on the card face; together
    with the birth date they make 照合番号B, so that key exists only when both are given.
    """

    individual_number: str
    name: str
    address: str
    birth_date: str
    sex: str
    text_pin: str
    auth_pin: str
    sign_password: str
    security_code: str | None = None
    expiry_year: int | None = None

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Raise :class:`InvalidProfile` unless every field has the form a real card uses."""
        for item in fields(self):
            value = getattr(self, item.name)
            if item.name == "expiry_year":
                if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
                    raise InvalidProfile("expiry_year must be an integer")
            elif not isinstance(value, str) and not (value is None and item.default is None):
                raise InvalidProfile(f"{item.name} must be a string")
        number = self.individual_number
        if not (len(number) == 12 and number.isascii() and number.isdigit()):
            raise InvalidProfile("individual_number must be 12 ASCII digits")
        if not bool(individual_number_check.is_valid(number)):
            raise InvalidProfile("individual_number has a wrong check digit")
        if not self.name or not self.address:
            raise InvalidProfile("name and address must not be empty")
        if not _DATE.fullmatch(self.birth_date):
            raise InvalidProfile("birth_date must be YYYYMMDD")
        if self.sex not in _SEXES:
            raise InvalidProfile("sex must be one of '1', '2', '9', '0'")
        for label, pin in (("text_pin", self.text_pin), ("auth_pin", self.auth_pin)):
            if not _FOUR_DIGITS.fullmatch(pin):
                raise InvalidProfile(f"{label} must be 4 digits")
        if not _SIGN_PASSWORD.fullmatch(self.sign_password):
            raise InvalidProfile("sign_password must be 6-16 characters A-Z and 0-9")
        if self.security_code is not None and not _FOUR_DIGITS.fullmatch(self.security_code):
            raise InvalidProfile("security_code must be 4 digits")
        if self.expiry_year is not None and not 2000 <= self.expiry_year <= 2099:
            raise InvalidProfile("expiry_year must be a four-digit year")

    def to_json(self) -> dict[str, Any]:
        """The profile as a JSON-serialisable dict (the shape :meth:`from_json` reads)."""
        return asdict(self)

    @classmethod
    def from_json(cls, obj: object) -> CardProfile:
        """Build a profile from a decoded JSON object; unknown keys are an error."""
        if not isinstance(obj, dict):
            raise InvalidProfile("a profile must be a JSON object")
        known = {f.name for f in fields(cls)}
        unknown = set(obj) - known
        if unknown:
            raise InvalidProfile(f"unknown profile keys: {sorted(unknown)}")
        try:
            return cls(**obj)
        except TypeError as error:
            raise InvalidProfile(str(error)) from None


# (first day, JPKI era code, Gregorian year of the era's first year): 令和, 平成, 昭和, 大正.
_ERAS = (
    ("20190501", "5", 2019),
    ("19890108", "4", 1989),
    ("19261225", "3", 1926),
    ("19120730", "2", 1912),
)


def japanese_era(date: str) -> tuple[str, int]:
    """The JPKI era code ('1' 明治 … '5' 令和) and the year within that era of ``YYYYMMDD``."""
    for start, code, first_year in _ERAS:
        if date >= start:
            return code, int(date[:4]) - first_year + 1
    return "1", int(date[:4]) - 1868 + 1


def load_profiles(path: Path) -> list[CardProfile]:
    """Read a JSON file holding a list of profiles."""
    decoded = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(decoded, list):
        raise InvalidProfile("the profiles file must hold a JSON list")
    return [CardProfile.from_json(item) for item in decoded]


def sample_profile() -> CardProfile:
    """A made-up person with a check-digit-valid synthetic 個人番号."""
    return CardProfile(
        individual_number="123456789018",
        name="試験　花子",
        address="東京都千代田区霞が関２丁目１番２号",
        birth_date="19800217",
        sex="2",
        text_pin="1234",
        auth_pin="5678",
        sign_password="SIGN2026",
        security_code="2285",
        expiry_year=2035,
    )
