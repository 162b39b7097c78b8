"""One identity check with one card: the exclusive connection held from insert to done.

The counter's dialog works in steps (tries left → the resident types the PIN → data →
genuineness with the second PIN), and the card must stay connected between them: the PIN state
lives only in this connection and disappears when it closes (the card is powered down).
Every method blocks on the card; the GUI calls them on its card thread.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from types import TracebackType

from cryptography import x509

from madoguchi.smartcard.card_data import CardFace
from madoguchi.smartcard.genuineness import Genuineness, RevocationService, check_genuineness
from madoguchi.smartcard.jpki import CHALLENGE_SIZE, JpkiReader
from madoguchi.smartcard.text_ap import TextApReader
from madoguchi.smartcard.transport import CardChannel, PcscContext, choose_reader, wait_for_card


class CardSession:
    """The card in one reader, connected exclusively until ``close``."""

    def __init__(self, context: PcscContext, channel: CardChannel) -> None:
        self._context = context
        self.channel = channel
        self._text = TextApReader(channel)
        self._jpki = JpkiReader(channel)
        self._certificate: bytes | None = None
        self._card_ca: bytes | None = None

    @classmethod
    def open(cls, reader: str | None = None, *, timeout: float = 30.0) -> CardSession:
        """Wait up to ``timeout`` seconds for a card in ``reader`` (or any) and connect."""
        context = PcscContext()
        try:
            name = choose_reader(context, reader)
            wait_for_card(context, name, timeout)
            channel = CardChannel(context, name)
        except BaseException:
            context.close()
            raise
        return cls(context, channel)

    @property
    def reader(self) -> str:
        """The reader's name."""
        return self.channel.reader

    @property
    def apdu_count(self) -> int:
        """APDUs sent in this session (the benchmark counts them)."""
        return self.channel.apdu_count

    def text_pin_tries(self) -> int:
        """Select the 券面事項入力補助AP and ask the PIN counter (nothing consumed)."""
        return self._text.open()

    def read_face(self, pin: str) -> CardFace:
        """Verify the 4-digit PIN and read 個人番号 and 基本4情報."""
        return self._text.read(pin)

    def auth_pin_tries(self) -> int:
        """Select the JPKI AP, read its auth certificate and ask the auth PIN counter."""
        self._jpki.open()
        self._certificate = self._jpki.read_auth_certificate()
        return self._jpki.auth_pin_tries()

    def prove_genuine(
        self,
        pin: str,
        *,
        trust_roots: Sequence[x509.Certificate],
        at: dt.datetime,
        revocation: RevocationService | None = None,
    ) -> Genuineness:
        """Have the card sign a fresh random challenge and check it (R-CARD-4)."""
        if self._certificate is None:
            self.auth_pin_tries()
        assert self._certificate is not None
        challenge = secrets.token_bytes(CHALLENGE_SIZE)
        signature = self._jpki.sign_challenge(pin, challenge)
        return check_genuineness(
            certificate_der=self._certificate,
            card_ca_der=self._card_ca,
            challenge=challenge,
            signature=signature,
            trust_roots=trust_roots,
            at=at,
            revocation=revocation,
        )

    def close(self) -> None:
        """Power the card down and release PC/SC (idempotent)."""
        try:
            self.channel.close()
        finally:
            self._context.close()

    def __enter__(self) -> CardSession:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
