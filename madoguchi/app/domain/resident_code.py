"""住民票コード: the 11-digit code of 住基ネット (10 random digits + 1 check digit).

Check digit (検査数字), 住民基本台帳法施行規則 第1条第2号 and the formula fixed
by 平成14年総務省告示第436号: modulus 11 with weights 2, 3, 4, 5, 6, 7, 2, 3, 4, 5
applied from the *lowest* of the ten digits upwards (Qn = n + 1 for 1 <= n <= 6,
n - 5 for 7 <= n <= 10, Pn being the n-th digit counted from the right); the
check digit is 11 - (sum mod 11), and 0 when the remainder is 0 or 1.
Read left to right the weights are 5, 4, 3, 2, 7, 6, 5, 4, 3, 2. This is the
same construction as the 個人番号 formula (平成26年総務省令第85号 第5条), which
counts its weights from the lowest digit in the same way.
"""

from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass

__all__ = ["MASK", "WEIGHTS", "InvalidResidentCode", "ResidentCode", "check_digit"]

MASK = "●●●●●●●●●●●"
"""What screens and logs show instead of the code."""

LENGTH = 11

WEIGHTS: tuple[int, ...] = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
"""Weights of the first ten digits, read left to right."""

_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212\u30fc\uff70]")


class InvalidResidentCode(ValueError):
    """Raised when text is not a valid 住民票コード; the message never contains the code."""


def check_digit(body: str) -> str:
    """Return the check digit of the first ten digits of a 住民票コード."""
    if len(body) != LENGTH - 1 or not (body.isascii() and body.isdigit()):
        raise InvalidResidentCode(
            "住民票コードの本体は10桁の数字です。番号を確認して入力し直してください。"
        )
    remainder = sum(w * int(d) for w, d in zip(WEIGHTS, body, strict=True)) % 11
    return "0" if remainder <= 1 else str(11 - remainder)


@dataclass(frozen=True, repr=False)
class ResidentCode:
    """A validated 住民票コード (11 ASCII digits); ``repr``/``str`` are masked."""

    value: str

    def __post_init__(self) -> None:
        value = self.value
        if len(value) != LENGTH or not (value.isascii() and value.isdigit()):
            raise InvalidResidentCode(
                "住民票コードは11桁の半角数字で指定してください。番号を確認して入力し直してください。"
            )
        if check_digit(value[:-1]) != value[-1]:
            raise InvalidResidentCode(
                "住民票コードの検査数字が正しくありません。番号を確認して入力し直してください。"
            )

    @classmethod
    def parse(cls, text: str) -> ResidentCode:
        """Parse user input (full-width digits, spaces and hyphens accepted)."""
        compact = _SEPARATORS.sub("", unicodedata.normalize("NFKC", text))
        if not compact:
            raise InvalidResidentCode(
                "住民票コードが入力されていません。11桁の数字を入力してください。"
            )
        if not (compact.isascii() and compact.isdigit()):
            raise InvalidResidentCode(
                "住民票コードに数字以外の文字が含まれています。11桁の数字だけを入力してください。"
            )
        if len(compact) != LENGTH:
            raise InvalidResidentCode(
                f"住民票コードの桁数が正しくありません（{len(compact)}桁）。"
                "11桁の数字を入力してください。"
            )
        return cls(compact)

    @classmethod
    def is_valid(cls, text: str) -> bool:
        """Return True when :meth:`parse` would accept ``text``."""
        try:
            cls.parse(text)
        except InvalidResidentCode:
            return False
        return True

    @classmethod
    def generate(cls, rng: random.Random) -> ResidentCode:
        """Make a synthetic code with a valid check digit (tests, demo, training mode)."""
        body = "".join(str(rng.randint(0, 9)) for _ in range(LENGTH - 1))
        return cls(body + check_digit(body))

    def masked(self) -> str:
        """Return the masked form."""
        return MASK

    def formatted(self) -> str:
        """Return the code as printed on certificates (11 digits, no grouping)."""
        return self.value

    def __repr__(self) -> str:
        return f"ResidentCode({MASK})"

    def __str__(self) -> str:
        return MASK
