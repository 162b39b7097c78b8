"""Command APDUs the tests send, spelled as in MYNUMBER_CARD.md."""

from __future__ import annotations

from madoguchi.smartcard.virtual.card import VirtualCard
from madoguchi.smartcard.virtual.mynumber import JPKI_AID, TEXT_AID

SELECT_TEXT_AP = b"\x00\xa4\x04\x0c\x0a" + TEXT_AID
SELECT_JPKI_AP = b"\x00\xa4\x04\x0c\x0a" + JPKI_AID
RETRY_QUERY = bytes.fromhex("00200080")


def select_ef(file_id: int) -> bytes:
    """``00 A4 02 0C 02 <FID>``."""
    return b"\x00\xa4\x02\x0c\x02" + file_id.to_bytes(2, "big")


def verify(secret: str) -> bytes:
    """``00 20 00 80 Lc <ASCII secret>`` on the current key EF."""
    data = secret.encode("ascii")
    return bytes([0x00, 0x20, 0x00, 0x80, len(data)]) + data


def read_binary(offset: int, le: int) -> bytes:
    """``00 B0 P1 P2 Le`` (Le 256 is written 00)."""
    return bytes([0x00, 0xB0, offset >> 8, offset & 0xFF, le & 0xFF])


def run(card: VirtualCard, *commands: bytes) -> list[bytes]:
    """Send each command; the response APDUs."""
    return [card.transmit(command) for command in commands]


def sw(response: bytes) -> str:
    """The status word as upper-case hex, e.g. ``"9000"``."""
    return response[-2:].hex().upper()


def read_file(card: VirtualCard, size: int) -> bytes:
    """Read ``size`` bytes of the current EF in chunks of at most 256."""
    data = b""
    while len(data) < size:
        response = card.transmit(read_binary(len(data), min(256, size - len(data))))
        assert sw(response) == "9000", sw(response)
        data += response[:-2]
    return data
