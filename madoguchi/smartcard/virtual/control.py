"""The control channel of the virtual card program: JSON lines over a Unix socket.

Each request is one JSON object with ``"cmd"``; each response is ``{"ok": true, ...}`` or
``{"ok": false, "error": "..."}``. Commands:

=====================  ==========================================================================
``insert``             ``profile`` (index into the profiles file, or a full profile object),
                       optional ``ca`` (``"trusted"``/``"other"``), ``mode`` (``"mynumber"``,
                       ``"mynumber_new_atr"``, ``"plain"``), ``faults`` (object). A fresh card:
                       full retry counters. Replaces a card already in the reader.
``reinsert``           put the last card back, with the retry counters it had
``remove``             pull the card out
``status``             ``inserted``, ``profile``, ``ca``, ``mode``, ``faults``
``counters``           ``text_pin``, ``auth_pin``, ``sign_password``: tries left
``set_counters``       the same keys, at the top level of the request
``faults``             replace the fault settings (keys at the top level; absent ones are off)
``apdu_count``         ``count``; ``reset_apdu_count`` sets it to 0 and clears ``apdu_log``
``apdu_log``           ``log``: ``[{"header": "00A4040C", "sw": "9000"}, ...]``
``trust_root``         ``path`` (auth root PEM) and ``sign_path`` of ``ca`` (default trusted)
``shutdown``           stop the program
=====================  ==========================================================================

Requests are never logged: a profile object carries the card's PINs.
"""

from __future__ import annotations

import contextlib
import json
import os
import socketserver
import threading
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast, get_args

# The client lives in its own module; it is re-exported here, next to the server it talks to.
from madoguchi.smartcard.virtual.client import VirtualCardControl as VirtualCardControl
from madoguchi.smartcard.virtual.client import VirtualCardControlError as VirtualCardControlError
from madoguchi.smartcard.virtual.faults import CardFaults
from madoguchi.smartcard.virtual.mynumber import CARD_MODES, CardMode, MyNumberCard, build_card
from madoguchi.smartcard.virtual.pki import AuthorityKind, TestCA
from madoguchi.smartcard.virtual.profile import CardProfile
from madoguchi.smartcard.virtual.vicc import VirtualCardSlot


class CommandError(Exception):
    """A control request that cannot be carried out; the message goes back to the caller."""


@dataclass(frozen=True)
class Insertion:
    """What was last put in the reader, for ``status``."""

    profile_index: int | None
    ca: AuthorityKind
    mode: CardMode


class CardService:
    """Carries out control commands on a slot, given the profiles and the PKI directory."""

    def __init__(self, slot: VirtualCardSlot, profiles: list[CardProfile], pki_dir: Path) -> None:
        self.slot = slot
        self.profiles = profiles
        self.pki_dir = pki_dir
        self.stop_requested = threading.Event()
        self._lock = threading.Lock()
        self._authorities: dict[AuthorityKind, TestCA] = {}
        self._insertion: Insertion | None = None
        self.authority("trusted")

    def authority(self, kind: AuthorityKind) -> TestCA:
        """The test authority ``kind``, created (and its keys cached) on first use."""
        if kind not in self._authorities:
            self._authorities[kind] = TestCA.load_or_create(self.pki_dir, kind)
        return self._authorities[kind]

    def handle(self, request: object) -> dict[str, Any]:
        """Answer one decoded request."""
        try:
            if not isinstance(request, dict) or not isinstance(request.get("cmd"), str):
                raise CommandError('a request is a JSON object with a "cmd" string')
            command = request["cmd"]
            handler = getattr(self, f"_cmd_{command}", None)
            if handler is None:
                raise CommandError(f"unknown command {command!r}")
            with self._lock:
                result = cast("dict[str, Any]", handler(request))
        except (CommandError, ValueError, ConnectionError) as error:
            return {"ok": False, "error": str(error)}
        except Exception as error:
            # A bug: tell the caller instead of dropping the connection, and leave the trace
            # on stderr (tracebacks carry no argument values, so no PIN can reach it).
            traceback.print_exc()
            return {"ok": False, "error": f"internal error: {type(error).__name__}"}
        return {"ok": True, **result}

    def insert(
        self,
        profile: int | CardProfile,
        ca: AuthorityKind = "trusted",
        mode: CardMode = "mynumber",
        faults: CardFaults | None = None,
    ) -> None:
        """Put a fresh card for ``profile`` (index or profile) in the reader."""
        if isinstance(profile, int):
            if not 0 <= profile < len(self.profiles):
                raise CommandError(f"no profile {profile}; there are {len(self.profiles)}")
            chosen, index = self.profiles[profile], profile
        else:
            chosen, index = profile, None
        card = build_card(chosen, self.authority(ca), mode)
        card.set_faults(faults or CardFaults())
        self.slot.insert(card)
        self._insertion = Insertion(index, ca, mode)

    def _cmd_insert(self, request: dict[str, Any]) -> dict[str, Any]:
        profile = request.get("profile", 0)
        if isinstance(profile, bool) or not isinstance(profile, int | dict):
            raise CommandError("profile must be an index or a profile object")
        ca = request.get("ca", "trusted")
        if ca not in get_args(AuthorityKind):
            raise CommandError(f"ca must be one of {get_args(AuthorityKind)}")
        mode = request.get("mode", "mynumber")
        if mode not in CARD_MODES:
            raise CommandError(f"mode must be one of {CARD_MODES}")
        chosen = profile if isinstance(profile, int) else CardProfile.from_json(profile)
        self.insert(chosen, ca, mode, CardFaults.from_json(request.get("faults")))
        return self._cmd_status(request)

    def _cmd_reinsert(self, request: dict[str, Any]) -> dict[str, Any]:
        card = self.slot.last_card
        if card is None:
            raise CommandError("no card has been inserted yet")
        if self.slot.card is None:
            self.slot.insert(card)
        return self._cmd_status(request)

    def _cmd_remove(self, request: dict[str, Any]) -> dict[str, Any]:
        self.slot.remove()
        return self._cmd_status(request)

    def _cmd_status(self, request: dict[str, Any]) -> dict[str, Any]:
        card = self.slot.card
        if card is None or self._insertion is None:
            return {"inserted": False, "profile": None, "ca": None, "mode": None, "faults": None}
        return {
            "inserted": True,
            "profile": self._insertion.profile_index,
            "ca": self._insertion.ca,
            "mode": self._insertion.mode,
            "faults": card.faults.to_json(),
        }

    def _my_number_card(self) -> MyNumberCard:
        card = self.slot.card or self.slot.last_card
        if card is None:
            raise CommandError("no card has been inserted")
        if not isinstance(card, MyNumberCard):
            raise CommandError("the card is not a My Number card")
        return card

    def _cmd_counters(self, request: dict[str, Any]) -> dict[str, Any]:
        card = self._my_number_card()
        with self.slot.lock:
            return dict(card.counters())

    def _cmd_set_counters(self, request: dict[str, Any]) -> dict[str, Any]:
        card = self._my_number_card()
        values = {key: value for key, value in request.items() if key != "cmd"}
        if any(isinstance(value, bool) for value in values.values()):
            raise CommandError("counters are integers")
        with self.slot.lock:
            card.set_counters(values)
            return dict(card.counters())

    def _cmd_faults(self, request: dict[str, Any]) -> dict[str, Any]:
        card = self.slot.card
        if card is None:
            raise CommandError("no card is inserted")
        faults = CardFaults.from_json({k: v for k, v in request.items() if k != "cmd"})
        with self.slot.lock:
            card.set_faults(faults)
        return {"faults": faults.to_json()}

    def _cmd_apdu_count(self, request: dict[str, Any]) -> dict[str, Any]:
        card = self.slot.card or self.slot.last_card
        return {"count": 0 if card is None else card.apdu_count}

    def _cmd_reset_apdu_count(self, request: dict[str, Any]) -> dict[str, Any]:
        card = self.slot.card or self.slot.last_card
        if card is not None:
            with self.slot.lock:
                card.reset_apdu_count()
        return {"count": 0}

    def _cmd_apdu_log(self, request: dict[str, Any]) -> dict[str, Any]:
        card = self.slot.card or self.slot.last_card
        if card is None:
            return {"log": []}
        with self.slot.lock:
            entries = list(card.apdu_log)
        return {
            "log": [
                {
                    "header": entry.header.hex().upper(),
                    "sw": None if entry.status is None else f"{entry.status:04X}",
                }
                for entry in entries
            ]
        }

    def _cmd_trust_root(self, request: dict[str, Any]) -> dict[str, Any]:
        kind = request.get("ca", "trusted")
        if kind not in get_args(AuthorityKind):
            raise CommandError(f"ca must be one of {get_args(AuthorityKind)}")
        authority = self.authority(kind)
        return {"path": str(authority.auth_root_path), "sign_path": str(authority.sign_root_path)}

    def _cmd_shutdown(self, request: dict[str, Any]) -> dict[str, Any]:
        self.stop_requested.set()
        return {}


class _ControlHandler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        service = cast("ControlServer", self.server).service
        for line in self.rfile:
            try:
                request: object = json.loads(line)
            except (json.JSONDecodeError, UnicodeDecodeError):
                response: dict[str, Any] = {"ok": False, "error": "not a JSON line"}
            else:
                response = service.handle(request)
            self.wfile.write(json.dumps(response, ensure_ascii=False).encode("utf-8") + b"\n")
            self.wfile.flush()


class ControlServer(socketserver.ThreadingUnixStreamServer):
    """The Unix-socket server; the socket appears at ``path`` only once it accepts requests."""

    daemon_threads = True

    def __init__(self, path: Path, service: CardService) -> None:
        self.service = service
        self.path = path
        staging = path.with_name(f".{path.name}.{os.getpid()}")
        with contextlib.suppress(FileNotFoundError):
            staging.unlink()
        super().__init__(str(staging), _ControlHandler, bind_and_activate=True)
        # Callers wait for the path to exist; renaming a listening socket into place means
        # that whoever sees it can connect at once.
        os.replace(staging, path)

    def serve_in_thread(self) -> threading.Thread:
        """Serve requests on a daemon thread; stop with ``shutdown()``, then ``close()``."""
        thread = threading.Thread(
            target=self.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="virtual-card-control",
            daemon=True,
        )
        thread.start()
        return thread

    def close(self) -> None:
        """Stop listening and remove the socket file."""
        self.server_close()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
