"""PC/SC transport over pyscard's ``smartcard.scard`` layer (R-CARD-1, R-CARD-5).

The thin ``scard`` functions are used instead of pyscard's high-level ``CardRequest`` and
monitors: those release their context when a service object is collected and their threads die
silently without pcscd (MYNUMBER_CARD.md §4). Here every PC/SC result code is checked and turned
into one of the typed errors of ``errors.py``.

``CardChannel`` is one connection to one card: it collects 61xx with GET RESPONSE, resends on
6Cxx with the right Le, and tells a pulled card (``CardRemoved``) from a line fault.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Final

from smartcard import scard

from madoguchi.smartcard.apdu import Response, get_response, header_of, with_le
from madoguchi.smartcard.errors import (
    CardCommunicationError,
    CardError,
    CardRemoved,
    NoCard,
    NoPcscService,
    NoReader,
)

log = logging.getLogger(__name__)

PNP_NOTIFICATION: Final = "\\\\?PnP?\\Notification"
_SERVICE_GONE: Final = {
    scard.SCARD_E_NO_SERVICE & 0xFFFFFFFF,
    scard.SCARD_E_SERVICE_STOPPED & 0xFFFFFFFF,
}
_CARD_GONE: Final = {
    scard.SCARD_W_REMOVED_CARD & 0xFFFFFFFF,
    scard.SCARD_E_NO_SMARTCARD & 0xFFFFFFFF,
}
_READER_GONE: Final = {
    scard.SCARD_E_UNKNOWN_READER & 0xFFFFFFFF,
    scard.SCARD_E_READER_UNAVAILABLE & 0xFFFFFFFF,
}
# How long pcscd may take to notice that a card left after a failed transmit: it polls the
# driver for presence every 400 ms.
REMOVAL_SETTLE_SECONDS: Final = 1.5
_MAX_CHAINED_RESPONSES: Final = 16
_TRANSIENT_AT_CONNECT: Final = {
    scard.SCARD_W_UNPOWERED_CARD & 0xFFFFFFFF,
    scard.SCARD_W_UNRESPONSIVE_CARD & 0xFFFFFFFF,
    scard.SCARD_E_COMM_DATA_LOST & 0xFFFFFFFF,
    scard.SCARD_W_RESET_CARD & 0xFFFFFFFF,
}
CONNECT_ATTEMPTS: Final = 4
CONNECT_RETRY_SECONDS: Final = 0.3


def _code(hresult: int) -> int:
    return hresult & 0xFFFFFFFF


def _check_context(hresult: int, what: str) -> None:
    code = _code(hresult)
    if code == scard.SCARD_S_SUCCESS:
        return
    if code in _SERVICE_GONE:
        raise NoPcscService()
    raise CardCommunicationError(f"{what}に失敗しました（PC/SC {code:08X}）。")


@dataclass(frozen=True, slots=True)
class ReaderState:
    """One reader as pcscd last reported it."""

    name: str
    card_present: bool
    card_in_use: bool = False


class PcscContext:
    """An established PC/SC context; raises ``NoPcscService`` when pcscd is absent."""

    def __init__(self) -> None:
        hresult, handle = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        _check_context(hresult, "PC/SC への接続")
        self.handle: Any = handle

    def close(self) -> None:
        """Release the context (idempotent)."""
        if self.handle is not None:
            scard.SCardReleaseContext(self.handle)
            self.handle = None

    def __enter__(self) -> PcscContext:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def readers(self) -> list[str]:
        """The connected readers' names (empty when none)."""
        hresult, names = scard.SCardListReaders(self.handle, [])
        code = _code(hresult)
        if code in (
            _code(scard.SCARD_E_NO_READERS_AVAILABLE),
            _code(scard.SCARD_S_SUCCESS),
        ):
            return list(names or [])
        _check_context(hresult, "カードリーダーの一覧の取得")
        return []

    def states(self, names: list[str]) -> list[ReaderState]:
        """Card presence in each named reader, without waiting."""
        if not names:
            return []
        hresult, states = scard.SCardGetStatusChange(
            self.handle, 0, [(name, scard.SCARD_STATE_UNAWARE) for name in names]
        )
        if _code(hresult) == _code(scard.SCARD_E_TIMEOUT):
            return [ReaderState(name, False) for name in names]
        _check_context(hresult, "カードリーダーの状態の取得")
        return [_reader_state(name, event) for name, event, _atr in states]

    def wait_for_change(
        self, known: dict[str, int], timeout_ms: int
    ) -> list[tuple[str, int]] | None:
        """Block until a reader or card changes (or the timeout); ``None`` on timeout.

        ``known`` maps reader names (and the PnP pseudo-reader) to their last event state.
        """
        request = [(name, state & ~scard.SCARD_STATE_CHANGED) for name, state in known.items()]
        hresult, states = scard.SCardGetStatusChange(self.handle, timeout_ms, request)
        if _code(hresult) == _code(scard.SCARD_E_TIMEOUT):
            return None
        if _code(hresult) in _READER_GONE:
            return []
        _check_context(hresult, "カードリーダーの監視")
        return [(name, event) for name, event, _atr in states]


def _reader_state(name: str, event: int) -> ReaderState:
    present = bool(event & scard.SCARD_STATE_PRESENT) and not bool(event & scard.SCARD_STATE_MUTE)
    return ReaderState(name, present, bool(event & scard.SCARD_STATE_EXCLUSIVE))


def choose_reader(context: PcscContext, wanted: str | None) -> str:
    """The named reader, or the first reader holding a card, or the first reader."""
    names = context.readers()
    if not names:
        raise NoReader()
    if wanted is not None:
        matches = [name for name in names if name == wanted] or [
            name for name in names if wanted in name
        ]
        if not matches:
            raise NoReader(f"カードリーダー「{wanted}」が見つかりません。接続を確認してください。")
        return matches[0]
    for state in context.states(names):
        if state.card_present:
            return state.name
    return names[0]


def wait_for_card(context: PcscContext, reader: str, timeout: float) -> None:
    """Return once a card is in ``reader``; ``NoCard`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    state = scard.SCARD_STATE_UNAWARE
    while True:
        remaining_ms = max(0, int((deadline - time.monotonic()) * 1000))
        hresult, states = scard.SCardGetStatusChange(
            context.handle, min(remaining_ms, 500), [(reader, state)]
        )
        code = _code(hresult)
        if code == _code(scard.SCARD_S_SUCCESS):
            _name, event, _atr = states[0]
            if event & scard.SCARD_STATE_PRESENT and not event & scard.SCARD_STATE_MUTE:
                return
            state = event & ~scard.SCARD_STATE_CHANGED
        elif code in _READER_GONE:
            raise NoReader()
        elif code != _code(scard.SCARD_E_TIMEOUT):
            _check_context(hresult, "カードの待ち受け")
        if time.monotonic() >= deadline:
            raise NoCard()


class CardChannel:
    """An exclusive connection to the card in one reader.

    Exclusive, so no other program can use the PIN state this session verified; disconnecting
    powers the card down, which clears that state (R-CARD-6).
    """

    def __init__(self, context: PcscContext, reader: str) -> None:
        self.context = context
        self.reader = reader
        self.apdu_count = 0
        for attempt in range(CONNECT_ATTEMPTS):
            hresult, handle, protocol = scard.SCardConnect(
                context.handle,
                reader,
                scard.SCARD_SHARE_EXCLUSIVE,
                scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1,
            )
            code = _code(hresult)
            if code not in _TRANSIENT_AT_CONNECT or attempt == CONNECT_ATTEMPTS - 1:
                break
            # A card just put down may not answer its first power-up (contactless readers,
            # a card swapped within one presence poll); pcscd powers it again on the retry.
            log.info("card did not power up (PC/SC %08X); retrying", code)
            time.sleep(CONNECT_RETRY_SECONDS)
        if code in _CARD_GONE or code == _code(scard.SCARD_W_UNRESPONSIVE_CARD):
            raise NoCard()
        if code == _code(scard.SCARD_E_SHARING_VIOLATION):
            raise CardCommunicationError(
                "カードは別のプログラムが使用中です。そのプログラムを終了してください。"
            )
        if code in _READER_GONE:
            raise NoReader()
        _check_context(hresult, "カードへの接続")
        self._handle: Any = handle
        self._protocol: int = protocol

    def close(self) -> None:
        """Disconnect and power the card down (idempotent)."""
        if self._handle is not None:
            scard.SCardDisconnect(self._handle, scard.SCARD_UNPOWER_CARD)
            self._handle = None

    def __enter__(self) -> CardChannel:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def transmit(self, command: bytes) -> Response:
        """Send one command; 61xx is collected with GET RESPONSE and 6Cxx resent with its Le."""
        response = self._exchange(command)
        if response.status >> 8 == 0x6C:
            response = self._exchange(with_le(command, response.status & 0xFF))
        data = bytearray(response.data)
        chained = 0
        while response.status >> 8 == 0x61 and chained < _MAX_CHAINED_RESPONSES:
            response = self._exchange(get_response(response.status & 0xFF))
            data += response.data
            chained += 1
        return Response(bytes(data), response.status)

    def _exchange(self, command: bytes) -> Response:
        if self._handle is None:
            raise CardCommunicationError("カードとの接続は終了しています。")
        self.apdu_count += 1
        pci = (
            scard.SCARD_PCI_T1
            if self._protocol == scard.SCARD_PROTOCOL_T1
            else (scard.SCARD_PCI_T0)
        )
        hresult, reply = scard.SCardTransmit(self._handle, pci, list(command))
        if _code(hresult) != _code(scard.SCARD_S_SUCCESS):
            log.info("transmit failed at %s: PC/SC %08X", header_of(command), _code(hresult))
            raise self._failure(hresult)
        if len(reply) < 2:
            # vpcd (and some readers) report a vanished card as an empty answer.
            log.info("empty answer at %s", header_of(command))
            raise self._failure(scard.SCARD_E_NOT_TRANSACTED)
        return Response(bytes(reply[:-2]), (reply[-2] << 8) | reply[-1])

    def _failure(self, hresult: int) -> CardError:
        """A pulled card, a stopped service, or a line fault."""
        code = _code(hresult)
        if code in _SERVICE_GONE:
            return NoPcscService()
        if code in _CARD_GONE or code in _READER_GONE:
            return CardRemoved()
        deadline = time.monotonic() + REMOVAL_SETTLE_SECONDS
        while time.monotonic() < deadline:
            try:
                states = self.context.states([self.reader])
            except CardError:
                return CardRemoved()
            if not states or not states[0].card_present:
                return CardRemoved()
            time.sleep(0.1)
        return CardCommunicationError()


@contextmanager
def open_card(reader: str | None = None, *, timeout: float = 30.0) -> Iterator[CardChannel]:
    """Wait up to ``timeout`` seconds for a card and hold an exclusive channel to it."""
    with PcscContext() as context:
        name = choose_reader(context, reader)
        wait_for_card(context, name, timeout)
        with CardChannel(context, name) as channel:
            yield channel
