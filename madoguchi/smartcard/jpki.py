"""The JPKI AP: the 利用者証明用 certificate and a signature over a fresh challenge (R-CARD-4).

There is no INTERNAL AUTHENTICATE in JPKI: proving the card holds the key means having it sign
DigestInfo(SHA-256(challenge)) with the authentication key (EF 0017) after the 4-digit
authentication PIN, with COMPUTE DIGITAL SIGNATURE (CLA 80, MYNUMBER_CARD.md §1.4).
"""

from __future__ import annotations

import hashlib
from typing import Final

from madoguchi.smartcard.apdu import (
    JPKI_AP_AID,
    JPKI_AUTH_CA_EF,
    JPKI_AUTH_CERTIFICATE_EF,
    JPKI_AUTH_KEY_EF,
    JPKI_AUTH_PIN_EF,
    SW_SECURITY_NOT_SATISFIED,
    compute_signature,
    sha256_digest_info,
)
from madoguchi.smartcard.errors import CardProtocolError, MalformedCardData
from madoguchi.smartcard.pin import Channel, PinKey, check_four_digits
from madoguchi.smartcard.text_ap import read_sized_file, select, select_or_not_my_number

CHALLENGE_SIZE: Final = 32
RSA_2048_SIGNATURE_SIZE: Final = 256


class JpkiReader:
    """One session with the JPKI AP of the card on ``channel``."""

    def __init__(self, channel: Channel) -> None:
        self._channel = channel
        self._auth_pin = PinKey(channel, JPKI_AUTH_PIN_EF, label="利用者証明用暗証番号")

    def open(self) -> None:
        """Select the JPKI AP (``NotMyNumberCard`` when absent)."""
        select_or_not_my_number(self._channel, JPKI_AP_AID, "公的個人認証AP")

    def read_auth_certificate(self) -> bytes:
        """EF 000A, the 利用者証明用 certificate (DER; free to read on a physical card)."""
        return self._certificate(JPKI_AUTH_CERTIFICATE_EF, "EF 000A")

    def read_auth_ca_certificate(self) -> bytes:
        """EF 000B, the issuing CA as the card stores it (never trusted as a root)."""
        return self._certificate(JPKI_AUTH_CA_EF, "EF 000B")

    def _certificate(self, file_id: int, what: str) -> bytes:
        data = read_sized_file(self._channel, file_id, what=what)
        if data[:1] != b"\x30":
            raise MalformedCardData(f"{what}: 証明書（DER SEQUENCE）ではありません")
        return data

    def auth_pin_tries(self) -> int:
        """Select the authentication PIN and ask its counter (``CardBlocked`` when none)."""
        self._auth_pin.select()
        return self._auth_pin.query()

    def sign_challenge(self, pin: str, challenge: bytes) -> bytes:
        """Verify the auth PIN (PIN-safe) and sign DigestInfo(SHA-256(challenge))."""
        if len(challenge) < 16:
            raise ValueError("a challenge must have at least 16 random bytes")
        secret = check_four_digits(pin)
        self._auth_pin.verify(secret)
        select(self._channel, JPKI_AUTH_KEY_EF, "EF 0017")
        digest_info = sha256_digest_info(hashlib.sha256(challenge).digest())
        response = self._channel.transmit(compute_signature(digest_info))
        if response.status == SW_SECURITY_NOT_SATISFIED:
            raise CardProtocolError("署名（暗証番号未照合）", response.status)
        if not response.ok:
            raise CardProtocolError("署名", response.status)
        if len(response.data) != RSA_2048_SIGNATURE_SIZE:
            raise MalformedCardData(f"署名の長さが {len(response.data)} バイトです")
        return response.data
