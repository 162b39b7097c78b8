"""The JPKI AP of the virtual card: certificates, PINs and COMPUTE DIGITAL SIGNATURE."""

from __future__ import annotations

import hashlib

import pytest
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from madoguchi.smartcard.virtual.faults import CardFaults
from madoguchi.smartcard.virtual.mynumber import MyNumberCard
from madoguchi.smartcard.virtual.pki import TestCA
from madoguchi.smartcard.virtual.profile import sample_profile
from tests.smartcard.virtual.apdus import (
    RETRY_QUERY,
    SELECT_JPKI_AP,
    read_binary,
    read_file,
    run,
    select_ef,
    sw,
    verify,
)

PROFILE = sample_profile()
SHA256_PREFIX = bytes.fromhex("3031300d060960864801650304020105000420")
MESSAGE = b"a fresh random challenge"


def sign_command(digest_info: bytes, p2: int = 0x80) -> bytes:
    """``80 2A 00 P2 Lc <DigestInfo> 00``."""
    return bytes([0x80, 0x2A, 0x00, p2, len(digest_info)]) + digest_info + b"\x00"


def digest_info(message: bytes) -> bytes:
    """A SHA-256 DigestInfo, as OpenSC and myna send it."""
    return SHA256_PREFIX + hashlib.sha256(message).digest()


def read_certificate(card: MyNumberCard, file_id: int) -> x509.Certificate:
    """Read a certificate EF the way OpenSC does: 4 bytes for the size, then the rest."""
    head = run(card, select_ef(file_id), read_binary(0, 4))[-1]
    assert sw(head) == "9000"
    size = int.from_bytes(head[2:4], "big") + 4
    return x509.load_der_x509_certificate(read_file(card, size))


def public_key(certificate: x509.Certificate) -> rsa.RSAPublicKey:
    """The certificate's RSA key."""
    key = certificate.public_key()
    assert isinstance(key, rsa.RSAPublicKey)
    return key


def test_token_info_names_a_physical_card(card: MyNumberCard) -> None:
    response = run(card, SELECT_JPKI_AP, select_ef(0x0006), read_binary(0, 0))[-1]
    assert sw(response) == "9000"
    assert len(response) - 2 == 160
    assert response[:32].rstrip(b" ") == b"JPKIAPICCTOKEN2"


def test_free_certificates_chain_to_the_test_roots(card: MyNumberCard, authority: TestCA) -> None:
    card.transmit(SELECT_JPKI_AP)
    auth = read_certificate(card, 0x000A)
    auth_ca = read_certificate(card, 0x000B)
    sign_ca = read_certificate(card, 0x0002)
    assert auth_ca == authority.auth.certificate
    assert sign_ca == authority.sign.certificate
    auth.verify_directly_issued_by(auth_ca)
    assert auth.extensions.get_extension_for_class(x509.KeyUsage).value.digital_signature


def test_sign_certificate_needs_the_sign_password(card: MyNumberCard) -> None:
    card.transmit(SELECT_JPKI_AP)
    assert sw(run(card, select_ef(0x0001), read_binary(0, 4))[-1]) == "6982"
    run(card, select_ef(0x0018), verify(PROFILE.auth_pin))
    assert sw(run(card, select_ef(0x0001), read_binary(0, 4))[-1]) == "6982"
    assert sw(run(card, select_ef(0x001B), verify(PROFILE.sign_password))[-1]) == "9000"
    certificate = read_certificate(card, 0x0001)
    alt_names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    values = {name.type_id.dotted_string: name.value for name in alt_names.value}
    assert values["1.2.392.200149.8.5.5.1"][2:].decode() == PROFILE.name


def test_pin_counters_of_the_jpki_ap(card: MyNumberCard) -> None:
    responses = run(card, SELECT_JPKI_AP, select_ef(0x0018), RETRY_QUERY)
    assert sw(responses[-1]) == "63C3"
    responses = run(card, select_ef(0x001B), RETRY_QUERY, verify("WRONG1"), RETRY_QUERY)
    assert [sw(r) for r in responses] == ["9000", "63C5", "63C4", "63C4"]
    assert card.counters() == {"text_pin": 3, "auth_pin": 3, "sign_password": 4}


@pytest.mark.parametrize(
    ("key_ef", "pin_ef", "secret", "certificate_ef"),
    [
        (0x0017, 0x0018, PROFILE.auth_pin, 0x000A),
        (0x001A, 0x001B, PROFILE.sign_password, 0x0001),
    ],
)
def test_signature_verifies_with_the_certificate(
    card: MyNumberCard, key_ef: int, pin_ef: int, secret: str, certificate_ef: int
) -> None:
    card.transmit(SELECT_JPKI_AP)
    assert sw(run(card, select_ef(key_ef), sign_command(digest_info(MESSAGE)))[-1]) == "6982"
    run(card, select_ef(pin_ef), verify(secret), select_ef(key_ef))
    response = card.transmit(sign_command(digest_info(MESSAGE)))
    assert sw(response) == "9000"
    signature = response[:-2]
    assert len(signature) == 256
    certificate = read_certificate(card, certificate_ef)
    public_key(certificate).verify(signature, MESSAGE, padding.PKCS1v15(), hashes.SHA256())


def test_signature_by_short_file_identifier(card: MyNumberCard) -> None:
    run(card, SELECT_JPKI_AP, select_ef(0x0018), verify(PROFILE.auth_pin))
    response = card.transmit(sign_command(digest_info(MESSAGE), p2=0x80 | 0x17))
    assert sw(response) == "9000"
    auth = read_certificate(card, 0x000A)
    public_key(auth).verify(response[:-2], MESSAGE, padding.PKCS1v15(), hashes.SHA256())


def test_signature_command_errors(card: MyNumberCard) -> None:
    run(card, SELECT_JPKI_AP, select_ef(0x0018), verify(PROFILE.auth_pin))
    assert sw(card.transmit(sign_command(digest_info(MESSAGE)))) == "6986"  # PIN EF selected
    card.transmit(select_ef(0x0017))
    assert sw(card.transmit(bytes.fromhex("802A0180") + b"\x01\x00\x00")) == "6A86"
    assert sw(card.transmit(sign_command(b"\x00" * 246))) == "6700"
    assert sw(card.transmit(bytes.fromhex("802A008000"))) == "6700"
    assert sw(card.transmit(sign_command(digest_info(MESSAGE), p2=0x99))) == "6A88"


def test_bad_signature_fault_signs_with_the_wrong_key(card: MyNumberCard) -> None:
    card.set_faults(CardFaults(bad_signature=True))
    run(card, SELECT_JPKI_AP, select_ef(0x0018), verify(PROFILE.auth_pin), select_ef(0x0017))
    response = card.transmit(sign_command(digest_info(MESSAGE)))
    assert sw(response) == "9000"
    auth = read_certificate(card, 0x000A)
    with pytest.raises(InvalidSignature):
        public_key(auth).verify(response[:-2], MESSAGE, padding.PKCS1v15(), hashes.SHA256())


def test_respond_61xx_delivers_the_signature_through_get_response(card: MyNumberCard) -> None:
    card.set_faults(CardFaults(respond_61xx=True))
    run(card, SELECT_JPKI_AP, select_ef(0x0018), verify(PROFILE.auth_pin), select_ef(0x0017))
    assert sw(card.transmit(sign_command(digest_info(MESSAGE)))) == "6100"
    response = card.transmit(bytes.fromhex("00C0000000"))
    assert sw(response) == "9000"
    assert len(response) - 2 == 256
