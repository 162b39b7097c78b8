"""A stand-in for vpcd: a TCP listener on 127.0.0.1 that the vicc connects to."""

from __future__ import annotations

import socket
import struct

from madoguchi.smartcard.virtual.vicc import read_frame, write_frame


class FakeVpcd:
    """Listens like vpcd does; each accepted connection is a card in the reader."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(5.0)
        self.port: int = self.listener.getsockname()[1]
        self.connection: socket.socket | None = None

    def accept(self) -> None:
        """Wait for the card to be "inserted"."""
        self.drop()
        connection, _ = self.listener.accept()
        connection.settimeout(5.0)
        self.connection = connection

    def _connected(self) -> socket.socket:
        assert self.connection is not None, "no card connected"
        return self.connection

    def control(self, code: int) -> None:
        """Send a 1-byte control message (no answer expected)."""
        write_frame(self._connected(), bytes([code]))

    def atr(self) -> bytes | None:
        """Ask for the ATR as vpcd's presence poll does."""
        write_frame(self._connected(), b"\x04")
        return read_frame(self._connected())

    def transmit(self, apdu: bytes) -> bytes | None:
        """Send a command APDU; the response, or ``None`` if the card went away."""
        write_frame(self._connected(), apdu)
        return read_frame(self._connected())

    def send_in_pieces(self, apdu: bytes) -> bytes | None:
        """Send a command one byte at a time, to exercise the vicc's exact reads."""
        connection = self._connected()
        for byte in struct.pack("!H", len(apdu)) + apdu:
            connection.sendall(bytes([byte]))
        return read_frame(connection)

    def card_gone(self) -> bool:
        """Whether the card closed its end."""
        try:
            return self._connected().recv(1) == b""
        except OSError:
            return True

    def drop(self) -> None:
        """Close the current connection, as vpcd does when pcscd stops."""
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def close(self) -> None:
        """Close everything."""
        self.drop()
        self.listener.close()
