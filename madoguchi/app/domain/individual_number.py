"""個人番号 (My Number): the 12-digit individual number with its check digit.

The value never appears in ``repr``/``str`` or in exception messages, so it
cannot leak into logs or crash reports by accident (R-MASK-1).
"""

from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass

from stdnum.jp import in_ as stdnum_in

__all__ = ["MASK", "IndividualNumber", "InvalidIndividualNumber"]

MASK = "●●●● ●●●● ●●●●"
"""What every screen, printout and log shows instead of the number."""

LENGTH = 12

# Whitespace and the dash-like characters an IME or a copy from a document produces.
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212\u30fc\uff70]")


class InvalidIndividualNumber(ValueError):
    """Raised when text is not a valid 個人番号; the message never contains the number."""


def _digits(text: str) -> str:
    """Return ``text`` with full-width digits folded and separators removed."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", text))


@dataclass(frozen=True, repr=False)
class IndividualNumber:
    """A validated 個人番号 (12 ASCII digits, last one the check digit).

    ``repr`` and ``str`` are masked; use :meth:`formatted` only where the
    user's role allows the number to be revealed.
    """

    value: str

    def __post_init__(self) -> None:
        value = self.value
        if len(value) != LENGTH or not (value.isascii() and value.isdigit()):
            raise InvalidIndividualNumber(
                "個人番号は12桁の半角数字で指定してください。番号を確認して入力し直してください。"
            )
        if stdnum_in.calc_check_digit(value[:-1]) != value[-1]:
            raise InvalidIndividualNumber(
                "個人番号のチェックデジットが正しくありません。番号を確認して入力し直してください。"
            )

    @classmethod
    def parse(cls, text: str) -> IndividualNumber:
        """Parse user input: full-width digits, spaces and hyphens are accepted.

        Raises :class:`InvalidIndividualNumber` for empty input, non-digits, a
        wrong length or a wrong check digit.
        """
        compact = _digits(text)
        if not compact:
            raise InvalidIndividualNumber(
                "個人番号が入力されていません。12桁の数字を入力してください。"
            )
        if not (compact.isascii() and compact.isdigit()):
            raise InvalidIndividualNumber(
                "個人番号に数字以外の文字が含まれています。12桁の数字だけを入力してください。"
            )
        if len(compact) != LENGTH:
            raise InvalidIndividualNumber(
                f"個人番号の桁数が正しくありません（{len(compact)}桁）。"
                "12桁の数字を入力してください。"
            )
        return cls(compact)

    @classmethod
    def is_valid(cls, text: str) -> bool:
        """Return True when :meth:`parse` would accept ``text``."""
        try:
            cls.parse(text)
        except InvalidIndividualNumber:
            return False
        return True

    @classmethod
    def generate(cls, rng: random.Random) -> IndividualNumber:
        """Make a synthetic number with a valid check digit (first digit never 0).

        For tests, the demo and the training mode only; real numbers come from J-LIS.
        """
        body = str(rng.randint(1, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(10))
        return cls(body + str(stdnum_in.calc_check_digit(body)))

    def masked(self) -> str:
        """Return the masked form shown to users who may not see the number."""
        return MASK

    def formatted(self) -> str:
        """Return the number grouped by four digits, e.g. ``1234 5678 9012``."""
        v = self.value
        return f"{v[0:4]} {v[4:8]} {v[8:12]}"

    def __repr__(self) -> str:
        return f"IndividualNumber({MASK})"

    def __str__(self) -> str:
        return MASK
