"""BER-TLV reading with every tag and length checked against the bytes actually there.

Card files are untrusted input: a length that runs past the data, a truncated tag or a
non-canonical length form the card never uses are each a ``MalformedCardData``, never an
``IndexError`` or a silently short value.
"""

from __future__ import annotations

from dataclasses import dataclass

from madoguchi.smartcard.errors import MalformedCardData


@dataclass(frozen=True, slots=True)
class Tlv:
    """One data object: its tag (as an int of its bytes), value and where it ended."""

    tag: int
    value: bytes
    end: int


def read_tlv(data: bytes, offset: int, *, what: str) -> Tlv:
    """The data object starting at ``offset`` in ``data``."""
    position = offset
    if position >= len(data):
        raise MalformedCardData(f"{what}: タグがありません")
    tag = data[position]
    position += 1
    if tag & 0x1F == 0x1F:
        # High tag number form: more bytes while bit 8 is set. The card writes FF 10 / DF 21.
        while True:
            if position >= len(data) or position - offset > 3:
                raise MalformedCardData(f"{what}: タグが途切れています")
            byte = data[position]
            tag = (tag << 8) | byte
            position += 1
            if not byte & 0x80:
                break
    if position >= len(data):
        raise MalformedCardData(f"{what}: 長さがありません")
    first = data[position]
    position += 1
    if first < 0x80:
        length = first
    elif first in (0x81, 0x82):
        count = first - 0x80
        if position + count > len(data):
            raise MalformedCardData(f"{what}: 長さが途切れています")
        length = int.from_bytes(data[position : position + count], "big")
        position += count
    else:
        raise MalformedCardData(f"{what}: 長さの形式が不正です（{first:02X}）")
    end = position + length
    if end > len(data):
        raise MalformedCardData(f"{what}: 長さ {length} がデータを超えています")
    return Tlv(tag, data[position:end], end)


def encoded_length(data: bytes, *, what: str) -> int:
    """Total size of the object at the start of ``data``, from its header alone.

    ``data`` may hold just the header (up to 7 bytes): enough to know how much more to read.
    """
    position = 1
    if data and data[0] & 0x1F == 0x1F:
        while position < len(data) and data[position] & 0x80:
            position += 1
        position += 1
    if position >= len(data):
        raise MalformedCardData(f"{what}: 長さがありません")
    first = data[position]
    position += 1
    if first < 0x80:
        return position + first
    if first in (0x81, 0x82):
        count = first - 0x80
        if position + count > len(data):
            raise MalformedCardData(f"{what}: 長さが途切れています")
        return position + count + int.from_bytes(data[position : position + count], "big")
    raise MalformedCardData(f"{what}: 長さの形式が不正です（{first:02X}）")


def children(template: bytes, *, what: str) -> list[Tlv]:
    """The objects inside a constructed value, up to filler (00 or FF) or the end."""
    found = []
    position = 0
    while position < len(template) and template[position] not in (0x00, 0xFF):
        item = read_tlv(template, position, what=what)
        found.append(item)
        position = item.end
    return found
