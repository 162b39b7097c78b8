"""The genuineness rule (R-CARD-4) on certificates and signatures made here."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from madoguchi.smartcard.apdu import sha256_digest_info
from madoguchi.smartcard.genuineness import check_genuineness, load_trust_roots

NOW = dt.datetime(2026, 11, 1, 3, 0, tzinfo=dt.UTC)
START = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
END = dt.datetime(2035, 12, 31, tzinfo=dt.UTC)


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _name(cn: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )


@dataclass
class Ca:
    key: rsa.RSAPrivateKey
    cert: x509.Certificate


def make_ca(cn: str, *, issuer: Ca | None = None) -> Ca:
    key = _key()
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(issuer.cert.subject if issuer else _name(cn))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(START)
        .not_valid_after(END)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
    )
    return Ca(key, builder.sign(issuer.key if issuer else key, hashes.SHA256()))


def make_leaf(
    ca: Ca,
    *,
    key: rsa.RSAPrivateKey | None = None,
    end: dt.datetime = END,
    usage_sign: bool = True,
) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    key = key or _key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("0123456789ABCDEF"))
        .issuer_name(ca.cert.subject)
        .public_key(key.public_key())
        .serial_number(0x1234ABCD)
        .not_valid_before(START)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(usage_sign, False, False, False, False, False, False, False, False),
            critical=True,
        )
        .sign(ca.key, hashes.SHA256())
    )
    return key, cert


def card_sign(key: rsa.RSAPrivateKey, challenge: bytes) -> bytes:
    """What the card does: PKCS#1 v1.5 over DigestInfo(SHA-256(challenge)), raw RSA."""
    digest_info = sha256_digest_info(hashlib.sha256(challenge).digest())
    n = key.public_key().public_numbers().n
    k = (n.bit_length() + 7) // 8
    block = b"\x00\x01" + b"\xff" * (k - len(digest_info) - 3) + b"\x00" + digest_info
    d = key.private_numbers().d
    return pow(int.from_bytes(block, "big"), d, n).to_bytes(k, "big")


@pytest.fixture(scope="module")
def trusted() -> Ca:
    return make_ca("Madoguchi Test Auth CA")


@pytest.fixture(scope="module")
def card(trusted: Ca) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    return make_leaf(trusted)


def der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def check(cert: x509.Certificate, signature: bytes, challenge: bytes, roots, **kw):
    return check_genuineness(
        certificate_der=der(cert),
        card_ca_der=kw.pop("card_ca", None),
        challenge=challenge,
        signature=signature,
        trust_roots=roots,
        at=kw.pop("at", NOW),
        **kw,
    )


def test_card_of_the_trusted_ca_passes(trusted: Ca, card) -> None:
    key, cert = card
    challenge = secrets.token_bytes(32)
    result = check(cert, card_sign(key, challenge), challenge, [trusted.cert])
    assert result.genuine, result.reason
    assert result.revocation_checked is False
    assert "失効確認なし" in result.reason
    assert result.certificate_serial == "1234ABCD"


def test_card_of_another_ca_fails_with_the_reason(card) -> None:
    other = make_ca("Some Other CA")
    key, cert = card
    challenge = secrets.token_bytes(32)
    result = check(cert, card_sign(key, challenge), challenge, [other.cert])
    assert not result.genuine
    assert "信頼するルートにつながりません" in result.reason


def test_signature_by_another_key_fails(trusted: Ca, card) -> None:
    _, cert = card
    challenge = secrets.token_bytes(32)
    result = check(cert, card_sign(_key(), challenge), challenge, [trusted.cert])
    assert not result.genuine
    assert "署名" in result.reason


def test_signature_over_another_challenge_fails(trusted: Ca, card) -> None:
    key, cert = card
    result = check(cert, card_sign(key, b"a" * 32), b"b" * 32, [trusted.cert])
    assert not result.genuine


def test_expired_certificate_fails(trusted: Ca) -> None:
    key, cert = make_leaf(trusted, end=dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    challenge = secrets.token_bytes(32)
    result = check(cert, card_sign(key, challenge), challenge, [trusted.cert])
    assert not result.genuine and "有効期間外" in result.reason


def test_leaf_without_signing_usage_fails(trusted: Ca) -> None:
    key, cert = make_leaf(trusted, usage_sign=False)
    challenge = secrets.token_bytes(32)
    result = check(cert, card_sign(key, challenge), challenge, [trusted.cert])
    assert not result.genuine and "鍵用途" in result.reason


def test_intermediate_from_the_card_chains_to_a_pinned_root() -> None:
    root = make_ca("Pinned Root")
    intermediate = make_ca("Card CA", issuer=root)
    key, cert = make_leaf(intermediate)
    challenge = secrets.token_bytes(32)
    signature = card_sign(key, challenge)
    assert check(cert, signature, challenge, [root.cert], card_ca=der(intermediate.cert)).genuine
    # The card's own CA is never trusted by itself.
    self_made = make_ca("Self made")
    key2, cert2 = make_leaf(self_made)
    result = check(
        cert2, card_sign(key2, challenge), challenge, [root.cert], card_ca=der(self_made.cert)
    )
    assert not result.genuine


def test_no_roots_configured_fails(card) -> None:
    key, cert = card
    challenge = secrets.token_bytes(32)
    result = check(cert, card_sign(key, challenge), challenge, [])
    assert not result.genuine and "設定されていません" in result.reason


def test_garbage_certificate_fails() -> None:
    result = check_genuineness(
        certificate_der=b"\x30\x03\x02\x01\x00",
        card_ca_der=None,
        challenge=b"x" * 32,
        signature=b"\x00" * 256,
        trust_roots=[],
        at=NOW,
    )
    assert not result.genuine and result.certificate_subject is None


def test_revocation_service_is_reported(trusted: Ca, card) -> None:
    key, cert = card
    challenge = secrets.token_bytes(32)

    class Revoked:
        def is_revoked(self, certificate, issuer) -> bool:
            return True

    class Good:
        def is_revoked(self, certificate, issuer) -> bool:
            return False

    signature = card_sign(key, challenge)
    revoked = check(cert, signature, challenge, [trusted.cert], revocation=Revoked())
    assert not revoked.genuine and revoked.revocation_checked and "失効" in revoked.reason
    good = check(cert, signature, challenge, [trusted.cert], revocation=Good())
    assert good.genuine and good.revocation_checked


def test_trust_roots_load_from_pem(tmp_path, trusted: Ca) -> None:
    other = make_ca("Another")
    pem = tmp_path / "roots.pem"
    pem.write_bytes(
        trusted.cert.public_bytes(serialization.Encoding.PEM)
        + other.cert.public_bytes(serialization.Encoding.PEM)
    )
    assert [c.subject for c in load_trust_roots([pem])] == [
        trusted.cert.subject,
        other.cert.subject,
    ]
