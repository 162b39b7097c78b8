"""Typed client of the virtual card program's control channel (see ``control.py``)."""

from __future__ import annotations

import json
import socket
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from madoguchi.smartcard.virtual.card import ApduLogEntry
from madoguchi.smartcard.virtual.faults import CardFaults
from madoguchi.smartcard.virtual.profile import CardProfile


class VirtualCardControlError(RuntimeError):
    """The program refused a request, or could not be reached."""


@dataclass(frozen=True)
class CardStatus:
    """What is in the reader: ``profile`` is the index, or ``None`` for a profile object."""

    inserted: bool
    profile: int | None
    ca: str | None
    mode: str | None
    faults: CardFaults | None


@dataclass(frozen=True)
class RetryCounters:
    """Tries left on the card's three secrets."""

    text_pin: int
    auth_pin: int
    sign_password: int


class VirtualCardControl:
    """Talks to ``python -m madoguchi.smartcard.virtual --control PATH``.

    One connection per request, so an instance is cheap and safe to share between threads.
    """

    def __init__(self, path: Path | str, timeout: float = 60.0) -> None:
        self.path = Path(path)
        # Generous by default: inserting a new profile's card may generate two RSA keys.
        self.timeout = timeout

    def request(self, command: str, **fields: Any) -> dict[str, Any]:
        """Send one command; the response's fields, or :class:`VirtualCardControlError`."""
        line = json.dumps({"cmd": command, **fields}, ensure_ascii=False).encode("utf-8")
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
                connection.settimeout(self.timeout)
                connection.connect(str(self.path))
                connection.sendall(line + b"\n")
                answer = b""
                while not answer.endswith(b"\n"):
                    chunk = connection.recv(65536)
                    if not chunk:
                        break
                    answer += chunk
        except OSError as error:
            raise VirtualCardControlError(f"virtual card control {self.path}: {error}") from None
        if not answer:
            raise VirtualCardControlError("the virtual card program closed the connection")
        response = json.loads(answer)
        if not isinstance(response, dict):
            raise VirtualCardControlError("malformed response")
        if not response.get("ok"):
            raise VirtualCardControlError(str(response.get("error", "request refused")))
        return response

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Return once the program answers ``status``; raise after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.status()
                return
            except VirtualCardControlError:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(0.05)

    def insert(
        self,
        profile: int | CardProfile = 0,
        *,
        ca: str = "trusted",
        mode: str = "mynumber",
        faults: CardFaults | None = None,
    ) -> CardStatus:
        """Put a fresh card in the reader (full retry counters)."""
        chosen = profile if isinstance(profile, int) else profile.to_json()
        fields: dict[str, Any] = {"profile": chosen, "ca": ca, "mode": mode}
        if faults is not None:
            fields["faults"] = faults.to_json()
        return _status(self.request("insert", **fields))

    def reinsert(self) -> CardStatus:
        """Put the last card back, with the counters it had when it was removed."""
        return _status(self.request("reinsert"))

    def remove(self) -> CardStatus:
        """Pull the card out of the reader."""
        return _status(self.request("remove"))

    def status(self) -> CardStatus:
        """What is in the reader."""
        return _status(self.request("status"))

    def counters(self) -> RetryCounters:
        """Tries left on the text PIN, the auth PIN and the sign password."""
        return _counters(self.request("counters"))

    def set_counters(
        self,
        *,
        text_pin: int | None = None,
        auth_pin: int | None = None,
        sign_password: int | None = None,
    ) -> RetryCounters:
        """Set tries left (0 blocks); unnamed counters are left alone."""
        values = {"text_pin": text_pin, "auth_pin": auth_pin, "sign_password": sign_password}
        return _counters(
            self.request(
                "set_counters", **{key: value for key, value in values.items() if value is not None}
            )
        )

    def set_faults(self, faults: CardFaults) -> CardFaults:
        """Replace the inserted card's fault settings."""
        return CardFaults.from_json(self.request("faults", **faults.to_json())["faults"])

    def apdu_count(self) -> int:
        """Commands the card received since insertion or the last reset."""
        return int(self.request("apdu_count")["count"])

    def reset_apdu_count(self) -> None:
        """Count (and log) commands afresh."""
        self.request("reset_apdu_count")

    def apdu_log(self) -> list[ApduLogEntry]:
        """The commands received: CLA INS P1 P2 and status word (``None`` if unanswered)."""
        return [
            ApduLogEntry(
                bytes.fromhex(entry["header"]),
                None if entry["sw"] is None else int(entry["sw"], 16),
            )
            for entry in self.request("apdu_log")["log"]
        ]

    def trust_root(self, ca: str = "trusted") -> Path:
        """The PEM file of authority ``ca``'s 利用者証明用 root."""
        return Path(self.request("trust_root", ca=ca)["path"])

    def sign_root(self, ca: str = "trusted") -> Path:
        """The PEM file of authority ``ca``'s 署名用 root."""
        return Path(self.request("trust_root", ca=ca)["sign_path"])

    def shutdown(self) -> None:
        """Stop the program (the card leaves the reader)."""
        self.request("shutdown")


def _status(response: dict[str, Any]) -> CardStatus:
    faults = response.get("faults")
    return CardStatus(
        inserted=bool(response["inserted"]),
        profile=response.get("profile"),
        ca=response.get("ca"),
        mode=response.get("mode"),
        faults=None if faults is None else CardFaults.from_json(faults),
    )


def _counters(response: dict[str, Any]) -> RetryCounters:
    return RetryCounters(
        text_pin=int(response["text_pin"]),
        auth_pin=int(response["auth_pin"]),
        sign_password=int(response["sign_password"]),
    )
