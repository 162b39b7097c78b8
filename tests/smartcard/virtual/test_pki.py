"""The test JPKI: roots, card certificates, key caching and the card's raw RSA operation."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from madoguchi.smartcard.virtual.pki import KeyCache, TestCA, pkcs1_sign
from madoguchi.smartcard.virtual.profile import sample_profile

PROFILE = sample_profile()
SHA256_PREFIX = bytes.fromhex("3031300d060960864801650304020105000420")


def test_roots_are_ca_certificates(authority: TestCA) -> None:
    for root in (authority.auth.certificate, authority.sign.certificate):
        constraints = root.extensions.get_extension_for_class(x509.BasicConstraints).value
        usage = root.extensions.get_extension_for_class(x509.KeyUsage).value
        assert constraints.ca
        assert usage.key_cert_sign and usage.crl_sign
        root.verify_directly_issued_by(root)
    assert "User Authentication CA" in authority.auth.certificate.subject.rfc4514_string()
    assert authority.auth_root_path.read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")
    loaded = x509.load_pem_x509_certificate(authority.auth_root_path.read_bytes())
    assert loaded == authority.auth.certificate


def test_card_certificates(authority: TestCA) -> None:
    credentials = authority.issue_card(PROFILE)
    auth, sign = credentials.auth_certificate, credentials.sign_certificate
    auth.verify_directly_issued_by(authority.auth.certificate)
    sign.verify_directly_issued_by(authority.sign.certificate)
    for certificate in (auth, sign):
        assert certificate.not_valid_before_utc == dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
        assert certificate.not_valid_after_utc.year == 2035
        assert not certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    auth_usage = auth.extensions.get_extension_for_class(x509.KeyUsage).value
    assert auth_usage.digital_signature and not auth_usage.content_commitment
    assert PROFILE.individual_number not in auth.subject.rfc4514_string()
    with pytest.raises(x509.ExtensionNotFound):
        auth.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    assert sign.extensions.get_extension_for_class(x509.KeyUsage).value.content_commitment


def test_certificates_are_deterministic(authority: TestCA, pki_dir: Path) -> None:
    again = TestCA.load_or_create(pki_dir, "trusted")
    assert again.auth.certificate == authority.auth.certificate
    first, second = authority.issue_card(PROFILE), again.issue_card(PROFILE)
    assert first.auth_certificate == second.auth_certificate
    assert first.sign_certificate == second.sign_certificate


def test_the_other_authority_is_unrelated(authority: TestCA, pki_dir: Path) -> None:
    other = TestCA.load_or_create(pki_dir, "other")
    assert other.auth_root_path != authority.auth_root_path
    assert other.auth.certificate.subject != authority.auth.certificate.subject
    card = other.issue_card(PROFILE)
    with pytest.raises((ValueError, TypeError)):
        card.auth_certificate.verify_directly_issued_by(authority.auth.certificate)


def test_key_cache_reuses_keys(tmp_path: Path) -> None:
    cache = KeyCache(tmp_path / "keys")
    first = cache.key("one")
    assert (tmp_path / "keys" / "one.pem").exists()
    again = KeyCache(tmp_path / "keys").key("one")
    assert again.private_numbers() == first.private_numbers()
    assert not list((tmp_path / "keys").glob(".*"))  # no staging files left behind


def test_pkcs1_sign_equals_a_standard_signature(authority: TestCA) -> None:
    key = authority.issue_card(PROFILE).auth_key
    message = b"challenge"
    expected = key.sign(message, padding.PKCS1v15(), hashes.SHA256())
    digest_info = SHA256_PREFIX + hashlib.sha256(message).digest()
    assert pkcs1_sign(key, digest_info) == expected


def test_pkcs1_sign_refuses_oversized_input(authority: TestCA) -> None:
    key: rsa.RSAPrivateKey = authority.auth.private_key
    with pytest.raises(ValueError, match="too long"):
        pkcs1_sign(key, b"\x00" * 246)
