"""The 券面事項入力補助AP's files as values: EF 0001 (個人番号) and EF 0002 (基本4情報).

Parsing validates every tag and length (MYNUMBER_CARD.md §1.3) and the 個人番号's check digit;
anything else is ``MalformedCardData`` and no part of the file is used.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final, Literal

from stdnum.exceptions import ValidationError
from stdnum.jp import in_ as individual_number_rule

from madoguchi.smartcard.errors import MalformedCardData
from madoguchi.smartcard.tlv import children, read_tlv

Sex = Literal["male", "female", "not_applicable", "unknown"]

# JIS X 0303 / ISO 5218 codes as the card stores them.
SEX_CODES: Final[dict[bytes, Sex]] = {
    b"1": "male",
    b"2": "female",
    b"9": "not_applicable",
    b"0": "unknown",
}
INDIVIDUAL_NUMBER_TAG: Final = 0xFF10
BASIC_FOUR_TAG: Final = 0xFF20
OFFSETS_TAG: Final = 0xDF21
NAME_TAG: Final = 0xDF22
ADDRESS_TAG: Final = 0xDF23
BIRTH_DATE_TAG: Final = 0xDF24
SEX_TAG: Final = 0xDF25
INDIVIDUAL_NUMBER_FILE_SIZE: Final = 17


@dataclass(frozen=True, slots=True)
class BasicFour:
    """基本4情報 exactly as stored on the card (氏名 with U+3000 between family and given)."""

    name: str
    address: str
    birth_date: dt.date
    sex: Sex


@dataclass(frozen=True, slots=True)
class CardFace:
    """What one PIN-verified read of the text AP yields.

    It lives only as long as the transaction that uses it (R-CARD-6); ``repr`` hides the
    number so a traceback or a debug print never carries it.
    """

    individual_number: str
    basic_four: BasicFour
    pin_tries_left: int

    def __repr__(self) -> str:
        return f"CardFace(individual_number=<hidden>, name={self.basic_four.name!r})"


def parse_individual_number(data: bytes) -> str:
    """EF 0001: ``FF 10 0C`` + 12 ASCII digits (+ ``FF FF`` filler) → the checked number."""
    item = read_tlv(data, 0, what="EF 0001")
    if item.tag != INDIVIDUAL_NUMBER_TAG:
        raise MalformedCardData(f"EF 0001: タグ {item.tag:X} は個人番号ではありません")
    if len(item.value) != 12 or not item.value.isdigit():
        raise MalformedCardData("EF 0001: 個人番号が 12 桁の数字ではありません")
    number = item.value.decode("ascii")
    try:
        individual_number_rule.validate(number)
    except ValidationError as exc:
        raise MalformedCardData("EF 0001: 個人番号のチェックデジットが合いません") from exc
    return number


def parse_basic_four(data: bytes) -> BasicFour:
    """EF 0002: ``FF 20 { DF21 offsets, DF22 氏名, DF23 住所, DF24 生年月日, DF25 性別 }``."""
    outer = read_tlv(data, 0, what="EF 0002")
    if outer.tag != BASIC_FOUR_TAG:
        raise MalformedCardData(f"EF 0002: タグ {outer.tag:X} は基本4情報ではありません")
    items = children(outer.value, what="EF 0002")
    tags = [item.tag for item in items]
    expected = [OFFSETS_TAG, NAME_TAG, ADDRESS_TAG, BIRTH_DATE_TAG, SEX_TAG]
    if tags != expected:
        found = " ".join(f"{tag:X}" for tag in tags)
        raise MalformedCardData(f"EF 0002: 項目の並びが不正です（{found}）")
    offsets, name, address, birth, sex = (item.value for item in items)
    _check_offsets(data, offsets)
    return BasicFour(
        name=_text(name, "氏名"),
        address=_text(address, "住所"),
        birth_date=_birth_date(birth),
        sex=_sex(sex),
    )


def _check_offsets(data: bytes, offsets: bytes) -> None:
    """DF21 holds the file offsets of DF22…DF25; they must point at those tags."""
    if len(offsets) != 8:
        raise MalformedCardData("EF 0002: DF21 の長さが 8 ではありません")
    for index, tag in enumerate((NAME_TAG, ADDRESS_TAG, BIRTH_DATE_TAG, SEX_TAG)):
        at = int.from_bytes(offsets[index * 2 : index * 2 + 2], "big")
        if data[at : at + 2] != tag.to_bytes(2, "big"):
            raise MalformedCardData(f"EF 0002: DF21 のオフセットが {tag:X} を指していません")


def _text(value: bytes, label: str) -> str:
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedCardData(f"EF 0002: {label}が UTF-8 ではありません") from exc
    if not text.strip():
        raise MalformedCardData(f"EF 0002: {label}が空です")
    if any(ord(char) < 0x20 for char in text):
        raise MalformedCardData(f"EF 0002: {label}に制御文字があります")
    return text


def _birth_date(value: bytes) -> dt.date:
    if len(value) != 8 or not value.isdigit():
        raise MalformedCardData("EF 0002: 生年月日が YYYYMMDD ではありません")
    try:
        return dt.datetime.strptime(value.decode("ascii"), "%Y%m%d").date()
    except ValueError as exc:
        raise MalformedCardData("EF 0002: 生年月日が暦にない日付です") from exc


def _sex(value: bytes) -> Sex:
    sex = SEX_CODES.get(value)
    if sex is None:
        raise MalformedCardData("EF 0002: 性別コードが不正です")
    return sex
