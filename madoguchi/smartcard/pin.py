"""PIN-safe VERIFY (R-CARD-3): the program must never be the cause of a locked card.

Before every VERIFY the retry counter is asked (``00 20 00 80``, consumes nothing). With one
try left the PIN is not sent at all; the resident is sent to the card window instead. The PIN
itself only ever exists in the caller's variable and the one APDU: it is never logged, never
kept on an object, and never part of an error message.
"""

from __future__ import annotations

from typing import Protocol

from madoguchi.smartcard.apdu import SW_BLOCKED, SW_OK, Response, select_file, verify, verify_query
from madoguchi.smartcard.errors import (
    CardBlocked,
    CardError,
    CardProtocolError,
    PinLastTry,
    WrongPin,
)


class Channel(Protocol):
    """What a card reader needs from a connection: send one APDU, get its response."""

    def transmit(self, command: bytes) -> Response:
        """Send ``command`` and return the response (61xx/6Cxx already handled)."""
        ...


class PinFormatError(CardError):
    """The typed PIN cannot be right (wrong length or characters); it is not sent."""

    def __init__(self, rule: str) -> None:
        super().__init__(f"暗証番号の形式が違います（{rule}）。カードには送信していません。")


def check_four_digits(pin: str) -> bytes:
    """The 4-digit PIN as the card expects it, or ``PinFormatError`` without touching the card."""
    if len(pin) != 4 or not pin.isascii() or not pin.isdigit():
        raise PinFormatError("数字 4 桁")
    return pin.encode("ascii")


def tries_left(status: int, *, step: str) -> int:
    """Tries left from a retry-counter answer; 63C0 and 6984 mean blocked."""
    if status == SW_OK:
        # Some cards answer 9000 when the key is already verified in this session.
        return -1
    if status & 0xFFF0 == 0x63C0:
        return status & 0x0F
    if status == SW_BLOCKED:
        return 0
    if status == 0x6300:
        return -1
    raise CardProtocolError(step, status)


class PinKey:
    """One PIN key reference (an EF of the selected application) and its known counter."""

    def __init__(self, channel: Channel, file_id: int, *, label: str) -> None:
        self._channel = channel
        self._file_id = file_id
        self._label = label
        self._known: int | None = None
        self._selected = False

    def select(self) -> None:
        """Make this key the current EF (VERIFY P2=80 addresses the selected key)."""
        response = self._channel.transmit(select_file(self._file_id))
        if not response.ok:
            raise CardProtocolError(f"{self._label} の選択", response.status)
        self._selected = True

    def query(self) -> int:
        """Ask the card for the tries left; ``CardBlocked`` when none. Consumes nothing."""
        if not self._selected:
            self.select()
        left = tries_left(self._channel.transmit(verify_query()).status, step=self._label)
        if left == 0:
            self._known = None
            raise CardBlocked()
        self._known = left
        return left

    def verify(self, secret: bytes) -> None:
        """VERIFY under the safety rule; the counter is asked first unless just asked."""
        left = self._known if self._known is not None and self._selected else self.query()
        self._known = None
        if left == 1:
            raise PinLastTry()
        status = self._channel.transmit(verify(secret)).status
        if status == SW_OK:
            # The caller goes on to select the files this PIN opens.
            self._selected = False
            return
        after = tries_left(status, step=self._label)
        if after == 0:
            raise CardBlocked()
        if after > 0:
            self._known = after
            raise WrongPin(after)
        raise CardProtocolError(self._label, status)
