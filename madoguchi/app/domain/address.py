"""Addresses: postal codes (standard/j170.txt), 11-digit address codes and rows of the
address master (standard/j240.txt, j250.txt).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = [
    "AddressCode",
    "InvalidAddressCode",
    "InvalidPostalCode",
    "PostalCode",
    "Town",
    "format_address",
]

_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212\u30fc\uff70]")


class InvalidPostalCode(ValueError):
    """Raised for text that is not a 7-digit postal code."""


class InvalidAddressCode(ValueError):
    """Raised for text that is not an 11-digit address code."""


def _compact(text: str) -> str:
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", text))


def _is_digits(text: str, length: int) -> bool:
    return len(text) == length and text.isascii() and text.isdigit()


@dataclass(frozen=True)
class PostalCode:
    """A 郵便番号: 7 ASCII digits."""

    value: str

    def __post_init__(self) -> None:
        if not _is_digits(self.value, 7):
            raise InvalidPostalCode(
                "郵便番号は7桁の数字です。「123-4567」のように入力してください。"
            )

    @classmethod
    def parse(cls, text: str) -> PostalCode:
        """Parse ``123-4567``, ``1234567``, ``〒123-4567`` or the full-width forms."""
        compact = _compact(text).removeprefix("〒")
        if not compact:
            raise InvalidPostalCode(
                "郵便番号が入力されていません。「123-4567」のように7桁で入力してください。"
            )
        if not (compact.isascii() and compact.isdigit()):
            raise InvalidPostalCode(
                "郵便番号に数字以外の文字が含まれています。「123-4567」のように入力してください。"
            )
        if len(compact) != 7:
            raise InvalidPostalCode(
                f"郵便番号の桁数が正しくありません（{len(compact)}桁）。"
                "7桁の数字を「123-4567」のように入力してください。"
            )
        return cls(compact)

    def formatted(self) -> str:
        """Return ``123-4567``."""
        return f"{self.value[:3]}-{self.value[3:]}"

    def __str__(self) -> str:
        return self.formatted()


@dataclass(frozen=True)
class AddressCode:
    """An 11-digit 住所コード (j250).

    5 digits 全国地方公共団体コード without its check digit (2 prefecture + 3
    municipality), 3 digits 大字・町字, 3 digits 小字・丁目 (``000`` when none).
    """

    value: str

    def __post_init__(self) -> None:
        if not _is_digits(self.value, 11):
            raise InvalidAddressCode(
                "住所コードは11桁の数字です（市区町村5桁＋町字3桁＋丁目・小字3桁）。"
                "住所辞書から選び直してください。"
            )

    @classmethod
    def parse(cls, text: str) -> AddressCode:
        """Parse 11 digits; spaces, hyphens and full-width digits are accepted."""
        compact = _compact(text)
        if not _is_digits(compact, 11):
            raise InvalidAddressCode(
                "住所コードは11桁の数字で入力してください（市区町村5桁＋町字3桁＋丁目・小字3桁）。"
            )
        return cls(compact)

    @property
    def prefecture(self) -> str:
        """The 2-digit prefecture code (JIS X 0401)."""
        return self.value[:2]

    @property
    def municipality(self) -> str:
        """The 5-digit municipality code (JIS X 0402, without check digit)."""
        return self.value[:5]

    @property
    def town(self) -> str:
        """The 3-digit 大字・町字 code."""
        return self.value[5:8]

    @property
    def chome(self) -> str:
        """The 3-digit 小字・丁目 code, ``000`` when the town has none."""
        return self.value[8:]

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Town:
    """One row of the address master: a 町字 (with its 丁目, if any)."""

    code: AddressCode
    prefecture: str
    municipality: str
    town_name: str
    chome: str | None
    kana: str
    postal_code: PostalCode

    def name_without_prefecture(self) -> str:
        """Return e.g. ``架空市本町一丁目``."""
        return f"{self.municipality}{self.town_name}{self.chome or ''}"

    def full_name(self) -> str:
        """Return e.g. ``福島県架空市本町一丁目``."""
        return f"{self.prefecture}{self.name_without_prefecture()}"


def format_address(town: Town, banchi: str, katagaki: str | None = None) -> str:
    """Return the address as printed: town, 番地, then the 方書 after one space.

    ``format_address(town, "3番12号", "メゾン本町201号")`` gives
    ``架空県みどり市本町一丁目3番12号 メゾン本町201号``.
    """
    address = town.full_name() + banchi.strip()
    katagaki = (katagaki or "").strip()
    return f"{address} {katagaki}" if katagaki else address
