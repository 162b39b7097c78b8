"""The bytes of the card's files (MYNUMBER_CARD.md §1.3, §1.4, §1.6)."""

from __future__ import annotations

import hashlib
from dataclasses import replace

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from madoguchi.smartcard.virtual.files import (
    basic_four_digest_source,
    basic_four_ef,
    individual_number_ef,
    integrity_ef,
    text_ap_basic_info_ef,
    text_ap_certificate_ef,
    tlv,
    token_info_ef,
    verification_code_b,
)
from madoguchi.smartcard.virtual.pki import TestCA
from madoguchi.smartcard.virtual.profile import sample_profile

PROFILE = sample_profile()


def parse_tlvs(data: bytes) -> list[tuple[bytes, bytes, int]]:
    """(tag, value, offset of the tag) of each object, stopping at 00/FF filler."""
    objects: list[tuple[bytes, bytes, int]] = []
    position = 0
    while position < len(data) and not (objects and data[position] in (0x00, 0xFF)):
        start = position
        tag_size = 2 if data[position] & 0x1F == 0x1F else 1
        tag = data[position : position + tag_size]
        position += tag_size
        length = data[position]
        position += 1
        if length & 0x80:
            size = length & 0x7F
            length = int.from_bytes(data[position : position + size], "big")
            position += size
        objects.append((tag, data[position : position + length], start))
        position += length
    return objects


def test_individual_number_file_is_17_bytes_with_filler() -> None:
    assert individual_number_ef("123456789018") == bytes.fromhex(
        "FF100C313233343536373839303138FFFF"
    )


def test_basic_four_layout_and_offsets() -> None:
    content = basic_four_ef(PROFILE)
    ((tag, body, _),) = parse_tlvs(content)
    assert tag == b"\xff\x20"
    header_size = 3  # FF 20 <one length byte>
    fields = parse_tlvs(body)
    assert [f[0].hex() for f in fields] == ["df21", "df22", "df23", "df24", "df25"]
    values = {f[0].hex(): f[1] for f in fields}
    assert values["df22"].decode() == "試験　花子"
    assert values["df23"].decode() == "東京都千代田区霞が関２丁目１番２号"
    assert values["df24"] == b"19800217"
    assert values["df25"] == b"2"
    offsets = [int.from_bytes(values["df21"][i : i + 2], "big") for i in range(0, 8, 2)]
    assert offsets == [header_size + f[2] for f in fields[1:]]
    assert content[offsets[0] : offsets[0] + 2] == b"\xdf\x22"
    assert len(content) % 32 == 0 and content.endswith(b"\xff")


def test_long_addresses_use_a_long_form_length() -> None:
    profile = replace(PROFILE, address="東京都千代田区霞が関" + "１" * 40)
    content = basic_four_ef(profile)
    assert content[:3] == b"\xff\x20\x81"
    assert len(parse_tlvs(parse_tlvs(content)[0][1])) == 5


@pytest.mark.parametrize("kind", ["overrun", "wrong_tag", "bad_utf8"])
def test_malformed_basic_four_files(kind: str) -> None:
    content = basic_four_ef(PROFILE, kind)  # type: ignore[arg-type]
    if kind == "overrun":
        assert content[2] == 0x81  # one length byte follows
        assert 3 + 1 + content[3] == len(content) + 64
    elif kind == "wrong_tag":
        assert content[:2] == b"\xff\x21"
    else:
        name = {f[0].hex(): f[1] for f in parse_tlvs(parse_tlvs(content)[0][1])}["df22"]
        with pytest.raises(UnicodeDecodeError):
            name.decode("utf-8")


def test_integrity_record_hashes_and_signature(authority: TestCA) -> None:
    ef0001 = individual_number_ef(PROFILE.individual_number)
    ef0002 = basic_four_ef(PROFILE)
    record = integrity_ef(ef0001, ef0002, authority.auth.private_key)
    ((tag, body, _),) = parse_tlvs(record)
    assert tag == b"\xff\x30"
    values = {f[0].hex(): f[1] for f in parse_tlvs(body)}
    assert values["df31"] == hashlib.sha256(ef0001).digest()
    source = basic_four_digest_source(ef0002)
    assert source.startswith(b"\xdf\x22") and source.endswith(b"\xdf\x25\x01" + b"2")
    assert values["df32"] == hashlib.sha256(source).digest()
    signed = tlv(b"\xdf\x31", values["df31"]) + tlv(b"\xdf\x32", values["df32"])
    authority.auth.private_key.public_key().verify(
        values["df33"], signed, padding.PKCS1v15(), hashes.SHA256()
    )


def test_certificate_and_basic_info_shapes(authority: TestCA) -> None:
    cvc = text_ap_certificate_ef(authority.auth.private_key)
    assert cvc[:5] == bytes.fromhex("7F21820233")
    assert cvc[5:10] == bytes.fromhex("5F4E820129")
    assert text_ap_basic_info_ef()[:2] == b"\xff\x40"


def test_token_info() -> None:
    info = token_info_ef("ABC")
    assert len(info) == 160
    assert info[:32] == b"JPKIAPICCTOKEN2".ljust(32, b" ")


def test_verification_code_b_as_soltia48_found_it() -> None:
    assert verification_code_b(PROFILE) == "55021720352285"
    assert verification_code_b(replace(PROFILE, birth_date="20200224")) == "02022420352285"
    assert verification_code_b(replace(PROFILE, security_code=None)) is None
