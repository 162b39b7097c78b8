"""EF 0001 / EF 0002 parsing: every tag and length checked, nothing partial accepted."""

from __future__ import annotations

import datetime as dt

import pytest

from madoguchi.smartcard.card_data import parse_basic_four, parse_individual_number
from madoguchi.smartcard.errors import MalformedCardData
from madoguchi.smartcard.tlv import encoded_length

NUMBER = "123456789018"  # synthetic, check digit valid


def ef0001(number: str = NUMBER) -> bytes:
    return b"\xff\x10\x0c" + number.encode("ascii") + b"\xff\xff"


def tlv(tag: int, value: bytes) -> bytes:
    head = tag.to_bytes(2, "big")
    if len(value) < 0x80:
        return head + bytes([len(value)]) + value
    if len(value) < 0x100:
        return head + b"\x81" + bytes([len(value)]) + value
    return head + b"\x82" + len(value).to_bytes(2, "big") + value


def ef0002(
    name: str = "試験　花子",
    address: str = "架空県みどり市新町二丁目１６番３号",
    birth: bytes = b"19800217",
    sex: bytes = b"2",
    *,
    filler: int = 16,
) -> bytes:
    parts = [
        tlv(0xDF22, name.encode()),
        tlv(0xDF23, address.encode()),
        tlv(0xDF24, birth),
        tlv(0xDF25, sex),
    ]
    body_len = 11 + sum(len(p) for p in parts)
    if body_len < 0x80:
        header = b"\xff\x20" + bytes([body_len])
    elif body_len < 0x100:
        header = b"\xff\x20\x81" + bytes([body_len])
    else:
        header = b"\xff\x20\x82" + body_len.to_bytes(2, "big")
    offsets = bytearray()
    position = len(header) + 11
    for part in parts:
        offsets += position.to_bytes(2, "big")
        position += len(part)
    return header + tlv(0xDF21, bytes(offsets)) + b"".join(parts) + b"\xff" * filler


def test_individual_number_read_with_its_filler() -> None:
    assert parse_individual_number(ef0001()) == NUMBER


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"\xff\x11\x0c" + NUMBER.encode() + b"\xff\xff", "タグ"),
        (b"\xff\x10\x0b" + NUMBER[:11].encode() + b"\xff\xff", "12 桁"),
        (b"\xff\x10\x0c" + b"12345678901A" + b"\xff\xff", "12 桁"),
        (ef0001("123456789012"), "チェックデジット"),
        (b"\xff\x10\x0c" + NUMBER[:6].encode(), "超えています"),
        (b"\xff\x10", "長さがありません"),
        (b"", "タグがありません"),
    ],
)
def test_bad_individual_number_file_is_rejected(data: bytes, fragment: str) -> None:
    with pytest.raises(MalformedCardData, match=fragment):
        parse_individual_number(data)


def test_basic_four_parsed_exactly_as_stored() -> None:
    four = parse_basic_four(ef0002())
    assert four.name == "試験　花子"
    assert four.address == "架空県みどり市新町二丁目１６番３号"
    assert four.birth_date == dt.date(1980, 2, 17)
    assert four.sex == "female"


def test_long_address_uses_the_two_byte_length_form() -> None:
    address = "架空県みどり市新町二丁目１６番３号　" + "サンハイム栄" * 16
    data = ef0002(address=address)
    assert data[2] == 0x82
    assert parse_basic_four(data).address == address
    assert encoded_length(data[:7], what="EF 0002") == len(data) - 16


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"\xff\x21\x05" + b"\x00" * 5, "タグ"),
        (ef0002()[:30], "超えています"),
        (ef0002(birth=b"19800230"), "暦にない"),
        (ef0002(birth=b"1980021"), "YYYYMMDD"),
        (ef0002(sex=b"3"), "性別"),
        (ef0002(name=""), "空"),
        (ef0002(name="試験\x00花子"), "制御文字"),
    ],
)
def test_bad_basic_four_file_is_rejected(data: bytes, fragment: str) -> None:
    with pytest.raises(MalformedCardData, match=fragment):
        parse_basic_four(data)


def test_offsets_must_point_at_their_items() -> None:
    data = bytearray(ef0002())
    offsets_at = 3 + 3  # FF 20 len | DF 21 08
    data[offsets_at + 1] += 1
    with pytest.raises(MalformedCardData, match="DF21"):
        parse_basic_four(bytes(data))


def test_invalid_utf8_name_is_rejected() -> None:
    good = ef0002(name="ああ")
    bad = good.replace("ああ".encode(), b"\xe3\x81\xe3\x81\x82\x82")
    with pytest.raises(MalformedCardData, match="UTF-8"):
        parse_basic_four(bad)


def test_items_out_of_order_are_rejected() -> None:
    data = ef0002()
    swapped = data.replace(b"\xdf\x24", b"\xdf\x26")
    with pytest.raises(MalformedCardData, match="並び"):
        parse_basic_four(swapped)


def test_card_face_repr_hides_the_number() -> None:
    from madoguchi.smartcard.card_data import CardFace

    face = CardFace(NUMBER, parse_basic_four(ef0002()), 3)
    assert NUMBER not in repr(face)
