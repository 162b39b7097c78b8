"""Command APDUs as the virtual card receives them, and the status words it answers with.

Only short APDUs (ISO/IEC 7816-4 cases 1–4 with one-byte Lc/Le) are understood: every command
a My Number card reader sends fits in them (MYNUMBER_CARD.md §2, "Extended-length APDUs are not
needed for reading"), so an extended APDU is answered with ``67 00`` like a wrong length.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class StatusWord(IntEnum):
    """The status words the card answers with (SW1 SW2 as one 16-bit number)."""

    OK = 0x9000
    WRONG_LENGTH = 0x6700
    SECURITY_STATUS_NOT_SATISFIED = 0x6982
    AUTHENTICATION_METHOD_BLOCKED = 0x6984
    CONDITIONS_NOT_SATISFIED = 0x6985
    COMMAND_NOT_ALLOWED = 0x6986
    FILE_NOT_FOUND = 0x6A82
    INCORRECT_P1_P2 = 0x6A86
    REFERENCED_DATA_NOT_FOUND = 0x6A88
    WRONG_P1_P2_OFFSET = 0x6B00
    INS_NOT_SUPPORTED = 0x6D00
    CLA_NOT_SUPPORTED = 0x6E00


class MalformedApdu(Exception):
    """The bytes are not a short command APDU the card can parse."""


@dataclass(frozen=True)
class CommandApdu:
    """One parsed short command APDU.

    ``le`` is the number of bytes the reader expects (an Le byte of ``00`` means 256) or ``None``
    when the command carries no Le at all.
    """

    cla: int
    ins: int
    p1: int
    p2: int
    data: bytes
    le: int | None

    @classmethod
    def parse(cls, raw: bytes) -> CommandApdu:
        """Split ``raw`` into header, data and Le; raises :class:`MalformedApdu`."""
        if len(raw) < 4:
            raise MalformedApdu("shorter than a header")
        cla, ins, p1, p2 = raw[0], raw[1], raw[2], raw[3]
        body = raw[4:]
        if not body:
            return cls(cla, ins, p1, p2, b"", None)
        if len(body) == 1:
            return cls(cla, ins, p1, p2, b"", body[0] or 256)
        lc = body[0]
        if lc == 0:
            # A zero first body byte followed by more bytes is an extended-length APDU.
            raise MalformedApdu("extended-length APDUs are not supported")
        if len(body) == 1 + lc:
            return cls(cla, ins, p1, p2, bytes(body[1:]), None)
        if len(body) == 2 + lc:
            return cls(cla, ins, p1, p2, bytes(body[1:-1]), body[-1] or 256)
        raise MalformedApdu("Lc does not match the length of the command")

    @property
    def header(self) -> bytes:
        """CLA INS P1 P2: the only part of a command the card ever logs."""
        return bytes((self.cla, self.ins, self.p1, self.p2))


def respond(status: int, data: bytes = b"") -> bytes:
    """A response APDU: ``data`` followed by the two status bytes."""
    return data + status.to_bytes(2, "big")


def status_of(response: bytes) -> int:
    """The status word at the end of a response APDU."""
    return int.from_bytes(response[-2:], "big")
