"""The card operating system: APDU in, response APDU out, as a My Number card answers.

Commands (MYNUMBER_CARD.md §1.2):

* SELECT ``00 A4``: P1=04 by AID, P1=02 an EF of the current application, P1=00 the MF
  (``3F00`` or no data) or an EF. P2 may be ``0C`` (what every reader sends), ``00`` or ``04``;
  the card never returns an FCI, just ``90 00``, which is all OpenSC's drivers need. Selecting
  a different application clears the security state, as on a real card.
* VERIFY ``00 20 00 80`` on the current key EF, or ``00 20 00 80|SFI``. Without data it
  reports ``63 Cx`` and consumes nothing (``63 C0`` when blocked; never ``90 00``, because
  OpenSC's jpki driver requires SW1=63 there). A wrong secret answers ``63 Cx`` with x counted
  down, ``63 C0`` on the attempt reaching zero, ``69 84`` afterwards.
* READ BINARY ``00 B0``, 15-bit offset or ``80|SFI`` in P1. An Le running past the end returns
  the remaining bytes with ``90 00`` (chosen over ``62 82``); an offset at or past the end
  answers ``6B 00``; a file whose credential is not verified answers ``69 82``.
* COMPUTE DIGITAL SIGNATURE ``80 2A 00 80`` (or ``80|SFI``) with a DigestInfo: PKCS#1 v1.5
  over the data verbatim with the selected key, after its PIN.
* GET RESPONSE ``00 C0`` (only used with the ``respond_61xx`` fault), GET DATA ``00 CA 5F 51``
  (the ATR without TS, as soltia48 found on real cards).

OpenSC 0.23 (card-jpki.c, pkcs15-jpki.c) needed nothing beyond this: it matches the card by
the old contact ATR, never sends SELECT MF (its MF is virtual), selects the JPKI AP and EFs with
P2=0C, reads 4 bytes of a certificate EF to learn its size, then reads the rest in chunks,
queries both PINs' counters with a data-less VERIFY expecting SW1=63, and signs with
``80 2A 00 80 <DigestInfo> 00`` after selecting key EF 0017/001A. The other drivers that probe
the card before jpki matches get ``6A 82``/``6D 00`` and move on.

The card never logs or keeps a command's data: its APDU log holds CLA INS P1 P2 and the status
word only, so no PIN can leak from it.
"""

from __future__ import annotations

import hmac
from collections import deque
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric import rsa

from madoguchi.smartcard.virtual.apdu import CommandApdu, MalformedApdu, StatusWord, respond
from madoguchi.smartcard.virtual.faults import CardFaults
from madoguchi.smartcard.virtual.pki import pkcs1_sign

MF_ID = b"\x3f\x00"
APDU_LOG_SIZE = 2000


class CardPulled(Exception):
    """The card was "pulled out" while a command was on its way (the removal fault)."""


@dataclass
class KeyReference:
    """A PIN or password EF: the secret, its retry limit and the tries left."""

    secret: bytes
    max_tries: int
    remaining: int = -1

    def __post_init__(self) -> None:
        if self.remaining < 0:
            self.remaining = self.max_tries


@dataclass
class DataFile:
    """A transparent EF. ``opened_by`` lists the key EFs any one of which opens it."""

    content: bytes
    opened_by: frozenset[int] = frozenset()


@dataclass(frozen=True)
class SigningKey:
    """A private key EF, usable once the key EF ``opened_by`` has been verified."""

    private_key: rsa.RSAPrivateKey
    opened_by: int


@dataclass
class Application:
    """One application (DF) of the card, selected by its AID."""

    aid: bytes
    files: dict[int, DataFile] = field(default_factory=dict)
    key_references: dict[int, KeyReference] = field(default_factory=dict)
    signing_keys: dict[int, SigningKey] = field(default_factory=dict)


@dataclass(frozen=True)
class ApduLogEntry:
    """One command as the card logs it: header bytes and the answer's status word."""

    header: bytes
    status: int | None


class VirtualCard:
    """A card with some applications; with none it is a card that is not a My Number card."""

    def __init__(self, atr: bytes, applications: list[Application]) -> None:
        self.atr = atr
        self.applications = {application.aid: application for application in applications}
        self.faults = CardFaults()
        self.apdu_count = 0
        self.apdu_log: deque[ApduLogEntry] = deque(maxlen=APDU_LOG_SIZE)
        self._current: Application | None = None
        self._current_ef: int | None = None
        self._verified: set[int] = set()
        self._pending = b""
        self._apdus_until_removal: int | None = None

    # --- power -----------------------------------------------------------------------------

    def power_on(self) -> None:
        """Contacts powered: a fresh session with nothing selected or verified."""
        self._clear_session()

    def power_off(self) -> None:
        """Contacts unpowered: the security state is lost, the retry counters are not."""
        self._clear_session()

    def reset(self) -> None:
        """Warm reset: same effect on the session as a power cycle."""
        self._clear_session()

    def _clear_session(self) -> None:
        self._current = None
        self._current_ef = None
        self._verified.clear()
        self._pending = b""

    # --- faults and bookkeeping ------------------------------------------------------------

    def set_faults(self, faults: CardFaults) -> None:
        """Switch fault modes; a removal countdown starts from the next command."""
        self.faults = faults
        self._apdus_until_removal = faults.remove_after_apdus

    def reset_apdu_count(self) -> None:
        """Start counting commands (and logging them) afresh."""
        self.apdu_count = 0
        self.apdu_log.clear()

    # --- commands --------------------------------------------------------------------------

    def transmit(self, raw: bytes) -> bytes:
        """Execute one command APDU and return the response APDU (data + SW1 SW2).

        Raises :class:`CardPulled` instead of answering when the removal fault fires.
        """
        self.apdu_count += 1
        header = bytes(raw[:4])
        if self._apdus_until_removal is not None:
            self._apdus_until_removal -= 1
            if self._apdus_until_removal <= 0:
                self._apdus_until_removal = None
                self.apdu_log.append(ApduLogEntry(header, None))
                raise CardPulled
        try:
            command = CommandApdu.parse(raw)
        except MalformedApdu:
            response = respond(StatusWord.WRONG_LENGTH)
        else:
            response = self._execute(command)
        self.apdu_log.append(ApduLogEntry(header, int.from_bytes(response[-2:], "big")))
        return response

    def _execute(self, command: CommandApdu) -> bytes:
        if command.ins != 0xC0:
            self._pending = b""
        if command.cla == 0x80 and command.ins == 0x2A:
            return self._compute_signature(command)
        if command.cla != 0x00:
            return respond(StatusWord.CLA_NOT_SUPPORTED)
        handlers = {
            0xA4: self._select,
            0x20: self._verify,
            0xB0: self._read_binary,
            0xC0: self._get_response,
            0xCA: self._get_data,
        }
        handler = handlers.get(command.ins)
        if handler is None:
            return respond(StatusWord.INS_NOT_SUPPORTED)
        return handler(command)

    def _answer(self, data: bytes) -> bytes:
        if self.faults.respond_61xx and data:
            self._pending = data
            return respond(0x6100 | (len(data) & 0xFF))
        return respond(StatusWord.OK, data)

    def _select(self, command: CommandApdu) -> bytes:
        if command.p2 not in (0x00, 0x04, 0x0C):
            return respond(StatusWord.INCORRECT_P1_P2)
        if command.p1 == 0x04:
            application = self.applications.get(command.data)
            if application is None:
                return respond(StatusWord.FILE_NOT_FOUND)
            if application is not self._current:
                self._verified.clear()
            self._current, self._current_ef = application, None
            return respond(StatusWord.OK)
        if command.p1 == 0x00 and command.data in (b"", MF_ID):
            if self._current is not None:
                self._verified.clear()
            self._current, self._current_ef = None, None
            return respond(StatusWord.OK)
        if command.p1 not in (0x00, 0x02):
            return respond(StatusWord.INCORRECT_P1_P2)
        if len(command.data) != 2:
            return respond(StatusWord.WRONG_LENGTH)
        file_id = int.from_bytes(command.data, "big")
        if self._current is None or not self._holds(self._current, file_id):
            return respond(StatusWord.FILE_NOT_FOUND)
        self._current_ef = file_id
        return respond(StatusWord.OK)

    @staticmethod
    def _holds(application: Application, file_id: int) -> bool:
        return (
            file_id in application.files
            or file_id in application.key_references
            or file_id in application.signing_keys
        )

    def _referenced_ef(self, p2: int) -> int | StatusWord:
        """The EF a P2 of ``80`` (current EF) or ``80|SFI`` names, or the error to answer."""
        if p2 == 0x80:
            return StatusWord.COMMAND_NOT_ALLOWED if self._current_ef is None else self._current_ef
        if 0x81 <= p2 <= 0x9E:
            return p2 & 0x1F
        return StatusWord.INCORRECT_P1_P2

    def _verify(self, command: CommandApdu) -> bytes:
        if command.p1 != 0x00:
            return respond(StatusWord.INCORRECT_P1_P2)
        file_id = self._referenced_ef(command.p2)
        if isinstance(file_id, StatusWord):
            return respond(file_id)
        reference = None if self._current is None else self._current.key_references.get(file_id)
        if reference is None:
            return respond(StatusWord.REFERENCED_DATA_NOT_FOUND)
        if not command.data:
            return respond(0x63C0 | min(reference.remaining, 0x0F))
        if reference.remaining == 0:
            return respond(StatusWord.AUTHENTICATION_METHOD_BLOCKED)
        if hmac.compare_digest(command.data, reference.secret):
            reference.remaining = reference.max_tries
            self._verified.add(file_id)
            return respond(StatusWord.OK)
        reference.remaining -= 1
        self._verified.discard(file_id)
        return respond(0x63C0 | min(reference.remaining, 0x0F))

    def _read_binary(self, command: CommandApdu) -> bytes:
        file_id: int | None
        if command.p1 & 0x80:
            if command.p1 & 0x60:
                return respond(StatusWord.INCORRECT_P1_P2)
            file_id, offset = command.p1 & 0x1F, command.p2
            if self._current is None or file_id not in self._current.files:
                return respond(StatusWord.FILE_NOT_FOUND)
            self._current_ef = file_id
        else:
            file_id, offset = self._current_ef, (command.p1 << 8) | command.p2
        if self._current is None or file_id not in self._current.files:
            return respond(StatusWord.COMMAND_NOT_ALLOWED)
        if command.le is None:
            return respond(StatusWord.WRONG_LENGTH)
        data_file = self._current.files[file_id]
        if data_file.opened_by and not data_file.opened_by & self._verified:
            return respond(StatusWord.SECURITY_STATUS_NOT_SATISFIED)
        if offset >= len(data_file.content):
            return respond(StatusWord.WRONG_P1_P2_OFFSET)
        chunk = data_file.content[offset : offset + command.le]
        if self.faults.resend_6c and len(chunk) < command.le:
            # What some cards do instead of a short answer: "send again with Le = xx".
            return respond(0x6C00 | len(chunk))
        return self._answer(chunk)

    def _compute_signature(self, command: CommandApdu) -> bytes:
        if command.p1 != 0x00:
            # P1 01..05 (card-side hashing, PSS) exist on real cards but are not emulated.
            return respond(StatusWord.INCORRECT_P1_P2)
        file_id = self._referenced_ef(command.p2)
        if isinstance(file_id, StatusWord):
            return respond(file_id)
        key = None if self._current is None else self._current.signing_keys.get(file_id)
        if self._current is None or key is None:
            return respond(
                StatusWord.COMMAND_NOT_ALLOWED
                if command.p2 == 0x80
                else StatusWord.REFERENCED_DATA_NOT_FOUND
            )
        if key.opened_by not in self._verified:
            return respond(StatusWord.SECURITY_STATUS_NOT_SATISFIED)
        if not command.data or len(command.data) > 245:
            return respond(StatusWord.WRONG_LENGTH)
        private_key = key.private_key
        if self.faults.bad_signature:
            private_key = self._other_key(self._current, file_id) or private_key
        return self._answer(pkcs1_sign(private_key, command.data))

    @staticmethod
    def _other_key(application: Application, file_id: int) -> rsa.RSAPrivateKey | None:
        # A well-formed signature by the wrong key: what a cloned or tampered card would give.
        others = [key for fid, key in application.signing_keys.items() if fid != file_id]
        return others[0].private_key if others else None

    def _get_response(self, command: CommandApdu) -> bytes:
        if command.p1 != 0x00 or command.p2 != 0x00:
            return respond(StatusWord.INCORRECT_P1_P2)
        if not self._pending:
            return respond(StatusWord.CONDITIONS_NOT_SATISFIED)
        if command.le is None:
            return respond(StatusWord.WRONG_LENGTH)
        chunk, self._pending = self._pending[: command.le], self._pending[command.le :]
        if self._pending:
            return respond(0x6100 | (len(self._pending) & 0xFF), chunk)
        return respond(StatusWord.OK, chunk)

    def _get_data(self, command: CommandApdu) -> bytes:
        if (command.p1, command.p2) != (0x5F, 0x51):
            return respond(StatusWord.REFERENCED_DATA_NOT_FOUND)
        return respond(StatusWord.OK, self.atr[1:])
