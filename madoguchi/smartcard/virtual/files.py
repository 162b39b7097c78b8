"""The bytes of the card's elementary files, built from a profile (MYNUMBER_CARD.md §1.3–1.4).

Where the real layout is known, it is followed exactly (EF 0001, 0002, 0003, 0005 of the text
AP, the JPKI token info). Where only the shape is known (the text AP's CVC in EF 0004), the file
has the right structure with test values: our test authority's auth root stands in for the
J-LIS issuer key, and nothing outside the tests should rely on those files.
"""

from __future__ import annotations

import hashlib
from typing import Literal

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from madoguchi.smartcard.virtual.profile import CardProfile, japanese_era

MalformedKind = Literal["overrun", "wrong_tag", "bad_utf8"]

TEXT_AP_ID = bytes.fromhex("01010408")
# Test-card key identifiers start with "6" (production ones with "5000033").
ISSUER_KEY_ID = b"6000033MDGTROOT0"
TEXT_AP_KEY_ID = b"6000033MDGTTEXT1"
TOKEN_LABEL_CARD = "JPKIAPICCTOKEN2"
TOKEN_INFO_SIZE = 160


def ber_length(length: int) -> bytes:
    """The BER/DER length octets of ``length`` in their shortest form."""
    if length < 0x80:
        return bytes([length])
    size = (length.bit_length() + 7) // 8
    return bytes([0x80 | size]) + length.to_bytes(size, "big")


def tlv(tag: bytes, value: bytes) -> bytes:
    """One BER TLV; ``tag`` holds the tag octets as written on the card."""
    return tag + ber_length(len(value)) + value


def individual_number_ef(individual_number: str) -> bytes:
    """EF 0001 of the text AP: ``FF 10 0C`` + 12 ASCII digits + filler ``FF FF`` (17 bytes)."""
    return tlv(b"\xff\x10", individual_number.encode("ascii")) + b"\xff\xff"


def basic_four_ef(profile: CardProfile, malformed: MalformedKind | None = None) -> bytes:
    """EF 0002 of the text AP: ``FF 20 { DF21 offsets, DF22 氏名, DF23 住所, DF24, DF25 }``.

    ``malformed`` builds a broken file for the reader's error paths: ``"overrun"`` declares
    64 more bytes than the file holds, ``"wrong_tag"`` writes ``FF 21`` as the outer tag,
    ``"bad_utf8"`` puts bytes that are not UTF-8 in the name.
    """
    name = profile.name.encode("utf-8")
    if malformed == "bad_utf8":
        name = b"\xc3\x28" + name
    fields = [
        tlv(b"\xdf\x22", name),
        tlv(b"\xdf\x23", profile.address.encode("utf-8")),
        tlv(b"\xdf\x24", profile.birth_date.encode("ascii")),
        tlv(b"\xdf\x25", profile.sex.encode("ascii")),
    ]
    offset_table_size = 3 + 2 * len(fields)
    body_length = offset_table_size + sum(len(field) for field in fields)
    declared_length = body_length + 64 if malformed == "overrun" else body_length
    outer_tag = b"\xff\x21" if malformed == "wrong_tag" else b"\xff\x20"
    header = outer_tag + ber_length(declared_length)
    # The table gives where each field's tag starts, counted from the start of the file.
    position = len(header) + offset_table_size
    offsets = b""
    for field in fields:
        offsets += position.to_bytes(2, "big")
        position += len(field)
    content = header + tlv(b"\xdf\x21", offsets) + b"".join(fields)
    if malformed == "overrun":
        return content
    # Real files are allocated larger than their record; the reader must stop at the filler.
    return content + b"\xff" * (-len(content) % 32)


def basic_four_digest_source(ef0002: bytes) -> bytes:
    """What EF 0003 hashes of EF 0002: from the DF22 tag to the end of the outer TLV."""
    first = ef0002[2]
    if first < 0x80:
        header_size, length = 3, first
    else:
        header_size = 3 + (first & 0x7F)
        length = int.from_bytes(ef0002[3:header_size], "big")
    offset_table_end = header_size + 11
    return ef0002[offset_table_end : header_size + length]


def integrity_ef(ef0001: bytes, ef0002: bytes, issuer_key: rsa.RSAPrivateKey) -> bytes:
    """EF 0003: ``FF 30 { DF31 SHA-256(EF0001), DF32 SHA-256(EF0002 from DF22), DF33 sig }``.

    The signature is PKCS#1 v1.5 SHA-256 over the DF31 and DF32 objects, made with the stand-in
    issuer key whose public half is in EF 0004 (the real signed message is not documented).
    """
    digests = tlv(b"\xdf\x31", hashlib.sha256(ef0001).digest()) + tlv(
        b"\xdf\x32", hashlib.sha256(basic_four_digest_source(ef0002)).digest()
    )
    signature = issuer_key.sign(digests, padding.PKCS1v15(), hashes.SHA256())
    return tlv(b"\xff\x30", digests + tlv(b"\xdf\x33", signature))


def text_ap_certificate_ef(issuer_key: rsa.RSAPrivateKey) -> bytes:
    """EF 0004: a card-verifiable certificate of the shape real cards carry (test values)."""
    modulus = issuer_key.public_key().public_numbers().n.to_bytes(256, "big")
    public_key = tlv(b"\x90", b"\x01\x00\x01") + tlv(b"\x91", modulus)
    body = tlv(b"\x5f\x4e", ISSUER_KEY_ID + TEXT_AP_KEY_ID + public_key)
    signature = issuer_key.sign(body, padding.PKCS1v15(), hashes.SHA256())
    return tlv(b"\x7f\x21", body + tlv(b"\x5f\x37", signature))


def text_ap_basic_info_ef() -> bytes:
    """EF 0005: ``FF 40 { DF41 AP id, DF42 key id }``."""
    return tlv(b"\xff\x40", tlv(b"\xdf\x41", TEXT_AP_ID) + tlv(b"\xdf\x42", TEXT_AP_KEY_ID))


def token_info_ef(serial: str) -> bytes:
    """JPKI EF 0006: a 160-byte PKCS#11 ``CK_TOKEN_INFO`` whose label identifies a card."""

    def blank_padded(text: str, size: int) -> bytes:
        return text.encode("ascii")[:size].ljust(size, b" ")

    info = (
        blank_padded(TOKEN_LABEL_CARD, 32)
        + blank_padded("Madoguchi Test", 32)
        + blank_padded("Virtual JPKI", 16)
        + blank_padded(serial, 16)
    )
    return info.ljust(TOKEN_INFO_SIZE, b"\x00")


def verification_code_b(profile: CardProfile) -> str | None:
    """照合番号B: 和暦 birth ``YYMMDD`` + Gregorian expiry year + security code (14 digits)."""
    if profile.security_code is None or profile.expiry_year is None:
        return None
    _, era_year = japanese_era(profile.birth_date)
    return f"{era_year:02d}{profile.birth_date[4:]}{profile.expiry_year}{profile.security_code}"
