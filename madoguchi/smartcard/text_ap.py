"""Reading 個人番号 and 基本4情報 from the 券面事項入力補助AP (R-CARD-2, R-CARD-3).

A full read is eight APDUs, the fewest the card allows without the reverse-engineered SFI
forms: SELECT AP, SELECT PIN EF, retry query, VERIFY, SELECT EF 0001, READ, SELECT EF 0002,
READ (one READ of 256 bytes covers every EF 0002 seen; a longer file is read on).
"""

from __future__ import annotations

from typing import Final

from madoguchi.smartcard.apdu import (
    SW_END_OF_FILE_WARNING,
    SW_FILE_NOT_FOUND,
    SW_OFFSET_OUTSIDE_FILE,
    SW_OK,
    SW_SECURITY_NOT_SATISFIED,
    SW_WRONG_LENGTH,
    TEXT_AP_AID,
    TEXT_BASIC_FOUR_EF,
    TEXT_INDIVIDUAL_NUMBER_EF,
    TEXT_PIN_EF,
    read_binary,
    select_application,
    select_file,
)
from madoguchi.smartcard.card_data import (
    INDIVIDUAL_NUMBER_FILE_SIZE,
    BasicFour,
    CardFace,
    parse_basic_four,
    parse_individual_number,
)
from madoguchi.smartcard.errors import CardProtocolError, MalformedCardData, NotMyNumberCard
from madoguchi.smartcard.pin import Channel, PinKey, check_four_digits
from madoguchi.smartcard.tlv import encoded_length

TEXT_PIN_MAX_TRIES: Final = 3
MAX_FILE_SIZE: Final = 4096


def select_or_not_my_number(channel: Channel, aid: bytes, label: str) -> None:
    """SELECT an application; a card without it is not a My Number card."""
    status = channel.transmit(select_application(aid)).status
    if status == SW_OK:
        return
    if status in (SW_FILE_NOT_FOUND, 0x6A81, 0x6D00, 0x6E00):
        raise NotMyNumberCard()
    raise CardProtocolError(f"{label} の選択", status)


def read_sized_file(channel: Channel, file_id: int, *, what: str, first: int = 256) -> bytes:
    """Read a TLV file of unknown length: the first chunk tells the total size."""
    select(channel, file_id, what)
    head = read_chunk(channel, 0, first, what)
    if not head:
        raise MalformedCardData(f"{what}: ファイルが空です")
    total = encoded_length(head[:7], what=what)
    if total > MAX_FILE_SIZE:
        raise MalformedCardData(f"{what}: 長さ {total} は大きすぎます")
    data = bytearray(head)
    while len(data) < total:
        chunk = read_chunk(channel, len(data), min(256, total - len(data)), what)
        if not chunk:
            raise MalformedCardData(f"{what}: ファイルが長さ {total} より短いです")
        data += chunk
    return bytes(data)


def select(channel: Channel, file_id: int, what: str) -> None:
    """SELECT an EF of the current AP."""
    response = channel.transmit(select_file(file_id))
    if not response.ok:
        raise CardProtocolError(f"{what} の選択", response.status)


def read_chunk(channel: Channel, offset: int, length: int, what: str) -> bytes:
    """One READ BINARY; a short file answers with what it has (9000 or 6282)."""
    response = channel.transmit(read_binary(offset, length))
    if response.status in (SW_OK, SW_END_OF_FILE_WARNING):
        return response.data
    if response.status == SW_OFFSET_OUTSIDE_FILE:
        return b""  # the caller knows how long the file claimed to be
    if response.status == SW_WRONG_LENGTH and length > 7:
        # A card that wants Le no larger than the file: fall back to the header first.
        return read_chunk(channel, offset, 7, what)
    if response.status == SW_SECURITY_NOT_SATISFIED:
        raise CardProtocolError(f"{what} の読み取り（暗証番号未照合）", response.status)
    raise CardProtocolError(f"{what} の読み取り", response.status)


class TextApReader:
    """One session with the 券面事項入力補助AP of the card on ``channel``.

    ``open()`` selects the AP and asks the PIN counter, so the PIN pad can show the tries left
    before the resident types; ``read(pin)`` then verifies and reads both files.
    """

    def __init__(self, channel: Channel) -> None:
        self._channel = channel
        self._pin = PinKey(channel, TEXT_PIN_EF, label="券面事項入力補助用暗証番号")

    def open(self) -> int:
        """Select the AP and its PIN; the tries left (``CardBlocked`` when none)."""
        select_or_not_my_number(self._channel, TEXT_AP_AID, "券面事項入力補助AP")
        self._pin.select()
        return self._pin.query()

    def read(self, pin: str) -> CardFace:
        """VERIFY ``pin`` (PIN-safe) and read 個人番号 and 基本4情報."""
        self._pin.verify(check_four_digits(pin))
        number = self.read_individual_number()
        basic_four = self.read_basic_four()
        return CardFace(number, basic_four, TEXT_PIN_MAX_TRIES)

    def read_individual_number(self) -> str:
        """EF 0001, after VERIFY."""
        select(self._channel, TEXT_INDIVIDUAL_NUMBER_EF, "EF 0001")
        data = read_chunk(self._channel, 0, INDIVIDUAL_NUMBER_FILE_SIZE, "EF 0001")
        return parse_individual_number(data)

    def read_basic_four(self) -> BasicFour:
        """EF 0002, after VERIFY."""
        data = read_sized_file(self._channel, TEXT_BASIC_FOUR_EF, what="EF 0002")
        return parse_basic_four(data)


def read_card_face(channel: Channel, pin: str) -> CardFace:
    """The whole read in one call (the diagnostics command's ``read``)."""
    reader = TextApReader(channel)
    reader.open()
    return reader.read(pin)
