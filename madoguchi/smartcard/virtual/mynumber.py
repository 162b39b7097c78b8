"""The My Number card's applications and files, laid out on the virtual card OS.

Text AP (券面事項入力補助AP): PIN EF 0011 (4 digits, 3 tries) opens EF 0001 and 0002;
照合番号A (EF 0014, the 個人番号) opens 0001 only, 照合番号B (EF 0015, when the profile has a
security code and expiry year) opens 0002 only; any of them opens the integrity record 0003;
0004 and 0005 are free. Their retry limit is not established (MYNUMBER_CARD.md §1.6); 10 here.

JPKI AP: token info 0006, auth certificate 000A and auth CA 000B and sign CA 0002 are free; the
sign certificate 0001 needs the sign password 001B (6–16 A–Z0–9, 5 tries); auth key 0017 needs
the auth PIN 0018 (4 digits, 3 tries), sign key 001A the sign password.
"""

from __future__ import annotations

from typing import Literal, get_args

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from madoguchi.smartcard.virtual.card import (
    Application,
    DataFile,
    KeyReference,
    SigningKey,
    VirtualCard,
)
from madoguchi.smartcard.virtual.faults import CardFaults
from madoguchi.smartcard.virtual.files import (
    basic_four_ef,
    individual_number_ef,
    integrity_ef,
    text_ap_basic_info_ef,
    text_ap_certificate_ef,
    token_info_ef,
    verification_code_b,
)
from madoguchi.smartcard.virtual.pki import TestCA, card_id
from madoguchi.smartcard.virtual.profile import CardProfile

TEXT_AID = bytes.fromhex("D3921000310001010408")
JPKI_AID = bytes.fromhex("D392F000260100000001")

# The old contact ATR, which OpenSC's jpki driver matches; a newer card's (OpenSC #3021); and
# a generic T=1 card's, for the "not a My Number card" case.
MYNUMBER_ATR = bytes.fromhex("3BE000FF8131FE4514")
MYNUMBER_NEW_ATR = bytes.fromhex("3BDA13FF8131FB468012392F31C173C601C03B")


def _with_check_byte(atr_without_tck: bytes) -> bytes:
    check = 0
    for byte in atr_without_tck[1:]:
        check ^= byte
    return atr_without_tck + bytes([check])


PLAIN_ATR = _with_check_byte(bytes.fromhex("3B888001") + b"MDGPLAIN")

CardMode = Literal["mynumber", "mynumber_new_atr", "plain"]
CARD_MODES: tuple[CardMode, ...] = get_args(CardMode)

TEXT_PIN = 0x0011
CODE_A = 0x0014
CODE_B = 0x0015
AUTH_KEY, AUTH_PIN = 0x0017, 0x0018
SIGN_KEY, SIGN_PASSWORD = 0x001A, 0x001B
CODE_TRIES = 10

# Control-channel counter names -> (application, key EF).
COUNTERS: dict[str, tuple[bytes, int]] = {
    "text_pin": (TEXT_AID, TEXT_PIN),
    "auth_pin": (JPKI_AID, AUTH_PIN),
    "sign_password": (JPKI_AID, SIGN_PASSWORD),
}


def _der(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.DER)


class MyNumberCard(VirtualCard):
    """A virtual My Number card for one profile, certified by one test authority."""

    def __init__(self, profile: CardProfile, authority: TestCA, new_atr: bool = False) -> None:
        self.profile = profile
        self.authority = authority
        credentials = authority.issue_card(profile)
        issuer_key = authority.auth.private_key
        ef0001 = individual_number_ef(profile.individual_number)
        ef0002 = basic_four_ef(profile)
        text_keys = {TEXT_PIN: KeyReference(profile.text_pin.encode("ascii"), 3)}
        text_keys[CODE_A] = KeyReference(profile.individual_number.encode("ascii"), CODE_TRIES)
        code_b = verification_code_b(profile)
        if code_b is not None:
            text_keys[CODE_B] = KeyReference(code_b.encode("ascii"), CODE_TRIES)
        any_text_key = frozenset(text_keys)
        text = Application(
            TEXT_AID,
            files={
                0x0001: DataFile(ef0001, frozenset({TEXT_PIN, CODE_A})),
                0x0002: DataFile(ef0002, frozenset({TEXT_PIN, CODE_B})),
                0x0003: DataFile(integrity_ef(ef0001, ef0002, issuer_key), any_text_key),
                0x0004: DataFile(text_ap_certificate_ef(issuer_key)),
                0x0005: DataFile(text_ap_basic_info_ef()),
            },
            key_references=text_keys,
        )

        jpki = Application(
            JPKI_AID,
            files={
                0x0006: DataFile(token_info_ef(card_id(profile).upper())),
                0x000A: DataFile(_der(credentials.auth_certificate)),
                0x000B: DataFile(_der(credentials.auth_ca_certificate)),
                0x0001: DataFile(_der(credentials.sign_certificate), frozenset({SIGN_PASSWORD})),
                0x0002: DataFile(_der(credentials.sign_ca_certificate)),
            },
            key_references={
                AUTH_PIN: KeyReference(profile.auth_pin.encode("ascii"), 3),
                SIGN_PASSWORD: KeyReference(profile.sign_password.encode("ascii"), 5),
            },
            signing_keys={
                AUTH_KEY: SigningKey(credentials.auth_key, AUTH_PIN),
                SIGN_KEY: SigningKey(credentials.sign_key, SIGN_PASSWORD),
            },
        )
        super().__init__(MYNUMBER_NEW_ATR if new_atr else MYNUMBER_ATR, [text, jpki])

    def set_faults(self, faults: CardFaults) -> None:
        """Switch fault modes, rebuilding EF 0002 when its malformation changes."""
        super().set_faults(faults)
        self.applications[TEXT_AID].files[0x0002].content = basic_four_ef(
            self.profile, faults.malformed_ef0002
        )

    def counters(self) -> dict[str, int]:
        """Tries left of the text PIN, the auth PIN and the sign password."""
        return {
            name: self.applications[aid].key_references[file_id].remaining
            for name, (aid, file_id) in COUNTERS.items()
        }

    def set_counters(self, counters: dict[str, int]) -> None:
        """Set tries left (0 blocks); raises ``ValueError`` for unknown names or bad values."""
        for name, value in counters.items():
            if name not in COUNTERS:
                raise ValueError(f"unknown counter {name!r}")
            aid, file_id = COUNTERS[name]
            reference = self.applications[aid].key_references[file_id]
            if not isinstance(value, int) or not 0 <= value <= reference.max_tries:
                raise ValueError(f"{name} must be between 0 and {reference.max_tries}")
        for name, value in counters.items():
            aid, file_id = COUNTERS[name]
            self.applications[aid].key_references[file_id].remaining = value


def build_card(profile: CardProfile, authority: TestCA, mode: CardMode) -> VirtualCard:
    """The card to insert: a My Number card (old or new ATR) or a plain, unrelated card."""
    if mode == "plain":
        return VirtualCard(PLAIN_ATR, [])
    return MyNumberCard(profile, authority, new_atr=mode == "mynumber_new_atr")
