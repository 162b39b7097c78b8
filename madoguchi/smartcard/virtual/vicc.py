"""The card side of a vsmartcard vpcd slot (MYNUMBER_CARD.md §3).

vpcd, inside pcscd, listens on TCP (port 35963 for slot 0); a connected socket is a card in
the reader, a closed one a card pulled out. Every message either way is a 2-byte big-endian
length and the payload. A 1-byte payload from vpcd is a control code (00 power off, 01 power
on, 02 reset, 04 get ATR; only 04 is answered, with the ATR); anything else is a command APDU
answered with the response APDU.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time

from madoguchi.smartcard.virtual.card import CardPulled, VirtualCard

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 0x8C7B  # 35963, vpcd's slot 0

POWER_OFF, POWER_ON, RESET, GET_ATR = 0x00, 0x01, 0x02, 0x04


def read_exactly(connection: socket.socket, size: int) -> bytes | None:
    """``size`` bytes from ``connection``, or ``None`` if the peer closes first.

    A single ``recv`` may return part of a large message (the upstream vicc's bug), so loop.
    """
    chunks = bytearray()
    while len(chunks) < size:
        try:
            chunk = connection.recv(size - len(chunks))
        except OSError:
            return None
        if not chunk:
            return None
        chunks += chunk
    return bytes(chunks)


def read_frame(connection: socket.socket) -> bytes | None:
    """One length-prefixed message, or ``None`` when the connection has ended."""
    prefix = read_exactly(connection, 2)
    if prefix is None:
        return None
    (length,) = struct.unpack("!H", prefix)
    return read_exactly(connection, length)


def write_frame(connection: socket.socket, payload: bytes) -> None:
    """Send one length-prefixed message."""
    if len(payload) > 0xFFFF:
        raise ValueError("a vpcd message holds at most 65535 bytes")
    connection.sendall(struct.pack("!H", len(payload)) + payload)


def connect_to_vpcd(host: str, port: int, timeout: float) -> socket.socket:
    """A connection to vpcd, retried until ``timeout`` seconds have passed (pcscd may be
    starting); raises ``ConnectionError`` when vpcd never answers."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            connection = socket.create_connection((host, port), timeout=1.0)
        except OSError as error:
            if time.monotonic() >= deadline:
                raise ConnectionError(f"vpcd is not listening on {host}:{port}: {error}") from None
            time.sleep(0.1)
            continue
        connection.settimeout(None)
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return connection


class VirtualCardSlot:
    """One vpcd slot as seen from the card: insert a card (connect), remove it (close).

    A thread per insertion answers vpcd. ``lock`` is held while the card executes a message,
    so the control channel can read or change the card's state between commands.
    """

    def __init__(
        self,
        host: str,
        port: int,
        connect_timeout: float = 10.0,
        swap_delay: float = 1.0,
        power_on_timeout: float = 5.0,
    ) -> None:
        self.host = host
        self.port = port
        self.connect_timeout = connect_timeout
        self.swap_delay = swap_delay
        self.power_on_timeout = power_on_timeout
        self._removed_at = float("-inf")
        self.lock = threading.RLock()
        self._card: VirtualCard | None = None
        self._connection: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self.last_card: VirtualCard | None = None

    @property
    def card(self) -> VirtualCard | None:
        """The card in the reader, or ``None``."""
        with self.lock:
            return self._card

    def insert(self, card: VirtualCard) -> None:
        """Put ``card`` in the reader (replacing any card there): connect to vpcd.

        The reader stays empty for at least ``swap_delay`` seconds after a removal: pcscd polls
        vpcd every 400 ms, and a card swapped faster than that goes unnoticed, leaving pcscd
        with the old card's ATR and session.
        """
        self.remove()
        with self.lock:
            wait = self._removed_at + self.swap_delay - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        connection = connect_to_vpcd(self.host, self.port, self.connect_timeout)
        powered = threading.Event()
        with self.lock:
            card.power_off()
            self._card, self._connection = card, connection
            self.last_card = card
            self._thread = threading.Thread(
                target=self._serve, args=(card, connection, powered), name="vicc", daemon=True
            )
            self._thread.start()
        powered.wait(self.power_on_timeout)

    def remove(self) -> None:
        """Pull the card out: close the connection and wait for its thread to end."""
        with self.lock:
            connection, thread = self._connection, self._thread
            self._card, self._connection, self._thread = None, None, None
            if connection is not None:
                self._removed_at = time.monotonic()
        if connection is not None:
            # shutdown wakes the serving thread's recv; that thread closes the socket.
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5.0)

    def _serve(
        self, card: VirtualCard, connection: socket.socket, powered: threading.Event
    ) -> None:
        try:
            while True:
                message = read_frame(connection)
                if message is None:
                    break
                with self.lock:
                    if self._connection is not connection:
                        break
                    try:
                        reply = self._execute(card, message, powered)
                    except CardPulled:
                        break
                if reply is not None:
                    write_frame(connection, reply)
        except OSError:
            pass  # vpcd went away: the same as the card leaving the reader
        finally:
            powered.set()
            with self.lock:
                if self._connection is connection:
                    self._card, self._connection, self._thread = None, None, None
                    self._removed_at = time.monotonic()
                card.power_off()
            connection.close()

    @staticmethod
    def _execute(card: VirtualCard, message: bytes, powered: threading.Event) -> bytes | None:
        if len(message) != 1:
            powered.set()
            return card.transmit(message)
        code = message[0]
        if code == GET_ATR:
            return card.atr
        if code == POWER_OFF:
            card.power_off()
        elif code == POWER_ON:
            card.power_on()
            powered.set()
        elif code == RESET:
            card.reset()
            powered.set()
        return None
