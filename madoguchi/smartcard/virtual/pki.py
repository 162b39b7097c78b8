"""A test JPKI for virtual cards: two roots, per-card keys, certificates, the card's RSA op.

Certificates are deterministic (fixed dates, serial numbers derived from the card, PKCS#1 v1.5
signatures), so the same keys always give the same DER bytes. RSA key generation is the slow
part, so keys are cached as PEM files in a directory the caller chooses and reused by every run.

Directory layout::

    <dir>/trusted/auth-ca.pem, auth-ca-key.pem, sign-ca.pem, sign-ca-key.pem
    <dir>/other/...                       (an unrelated authority, for negative tests)
    <dir>/cards/<card id>-auth-key.pem, <card id>-sign-key.pem
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID, ObjectIdentifier

from madoguchi.smartcard.virtual.profile import CardProfile, japanese_era

AuthorityKind = Literal["trusted", "other"]

# Fixed so that certificates are byte-for-byte reproducible; they cover the fixed test clocks.
CARD_NOT_BEFORE = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
CARD_NOT_AFTER = dt.datetime(2035, 12, 31, 23, 59, 59, tzinfo=dt.UTC)
ROOT_NOT_BEFORE = dt.datetime(2023, 1, 1, tzinfo=dt.UTC)
ROOT_NOT_AFTER = dt.datetime(2045, 12, 31, 23, 59, 59, tzinfo=dt.UTC)

# subjectAltName otherName types that carry the 基本4情報 in a JPKI 署名用 certificate.
OID_JPKI_NAME = ObjectIdentifier("1.2.392.200149.8.5.5.1")
OID_JPKI_SEX = ObjectIdentifier("1.2.392.200149.8.5.5.3")
OID_JPKI_BIRTH_DATE = ObjectIdentifier("1.2.392.200149.8.5.5.4")
OID_JPKI_ADDRESS = ObjectIdentifier("1.2.392.200149.8.5.5.5")

_ROOT_NAMES: dict[AuthorityKind, tuple[str, str, str]] = {
    # kind: (organisation, auth CA common name, sign CA common name)
    "trusted": (
        "Madoguchi Test",
        "Madoguchi Test JPKI User Authentication CA",
        "Madoguchi Test JPKI Digital Signature CA",
    ),
    "other": (
        "Unrelated Test Authority",
        "Unrelated Test User Authentication CA",
        "Unrelated Test Digital Signature CA",
    ),
}


class KeyCache:
    """RSA-2048 private keys stored as unencrypted PEM files, generated on first use."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def key(self, name: str) -> rsa.RSAPrivateKey:
        """The key stored under ``name``, generating and saving it when absent."""
        path = self.directory / f"{name}.pem"
        if path.exists():
            # The files are our own, so the costly key consistency check can be skipped.
            loaded = serialization.load_pem_private_key(
                path.read_bytes(), password=None, unsafe_skip_rsa_key_validation=True
            )
            if not isinstance(loaded, rsa.RSAPrivateKey):
                raise ValueError(f"{path} does not hold an RSA key")
            return loaded
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        _write_atomically(path, pem)
        return key


def _write_atomically(path: Path, content: bytes) -> None:
    # Two processes may warm the same cache; a rename means neither reads a half-written file.
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _serial(*parts: str) -> int:
    digest = hashlib.sha256("\x00".join(parts).encode()).digest()
    # Positive and below 2**159, as RFC 5280 asks of serial numbers.
    return int.from_bytes(digest[:20], "big") >> 1 or 1


def card_id(profile: CardProfile) -> str:
    """A stable identifier for a card that does not reveal its 個人番号 (used in file names)."""
    return hashlib.sha256(b"madoguchi-card:" + profile.individual_number.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class RootAuthority:
    """One self-signed root: its certificate and private key."""

    certificate: x509.Certificate
    private_key: rsa.RSAPrivateKey

    @classmethod
    def build(
        cls, private_key: rsa.RSAPrivateKey, organisation: str, common_name: str
    ) -> RootAuthority:
        """A CA certificate for ``private_key``, identical every time for the same key."""
        name = x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
                x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            ]
        )
        public_key = private_key.public_key()
        certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(public_key)
            .serial_number(_serial("root", common_name))
            .not_valid_before(ROOT_NOT_BEFORE)
            .not_valid_after(ROOT_NOT_AFTER)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_key_usage(key_cert_sign=True, crl_sign=True), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
            .sign(private_key, hashes.SHA256())
        )
        return cls(certificate, private_key)

    def issue(
        self,
        subject: x509.Name,
        public_key: rsa.RSAPublicKey,
        serial: int,
        key_usage: x509.KeyUsage,
        alt_names: list[x509.GeneralName] | None = None,
    ) -> x509.Certificate:
        """An end-entity certificate valid over the fixed card validity period."""
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self.certificate.subject)
            .public_key(public_key)
            .serial_number(serial)
            .not_valid_before(CARD_NOT_BEFORE)
            .not_valid_after(CARD_NOT_AFTER)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(key_usage, critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.private_key.public_key()),
                critical=False,
            )
        )
        if alt_names:
            builder = builder.add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        return builder.sign(self.private_key, hashes.SHA256())


def _key_usage(
    *,
    digital_signature: bool = False,
    content_commitment: bool = False,
    key_cert_sign: bool = False,
    crl_sign: bool = False,
) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=content_commitment,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=key_cert_sign,
        crl_sign=crl_sign,
        encipher_only=False,
        decipher_only=False,
    )


@dataclass(frozen=True)
class CardCredentials:
    """One card's two key pairs and the certificates issued for them."""

    auth_key: rsa.RSAPrivateKey
    sign_key: rsa.RSAPrivateKey
    auth_certificate: x509.Certificate
    sign_certificate: x509.Certificate
    auth_ca_certificate: x509.Certificate
    sign_ca_certificate: x509.Certificate


class TestCA:
    """A test JPKI authority: a 利用者証明用 root and a 署名用 root, both self-signed.

    ``load_or_create(directory, "trusted")`` is the authority whose auth root the program is
    configured to trust; ``"other"`` is an unrelated one whose certificates must be rejected.
    """

    __test__ = False  # not a pytest test class, despite the name

    def __init__(self, directory: Path, kind: AuthorityKind) -> None:
        organisation, auth_name, sign_name = _ROOT_NAMES[kind]
        self.kind: AuthorityKind = kind
        self.directory = directory
        self._card_keys = KeyCache(directory.parent / "cards")
        root_keys = KeyCache(directory)
        self.auth = RootAuthority.build(root_keys.key("auth-ca-key"), organisation, auth_name)
        self.sign = RootAuthority.build(root_keys.key("sign-ca-key"), organisation, sign_name)
        for path, authority in ((self.auth_root_path, self.auth), (self.sign_root_path, self.sign)):
            pem = authority.certificate.public_bytes(serialization.Encoding.PEM)
            if not path.exists() or path.read_bytes() != pem:
                _write_atomically(path, pem)

    @classmethod
    def load_or_create(cls, pki_dir: Path, kind: AuthorityKind = "trusted") -> TestCA:
        """The authority ``kind`` kept under ``pki_dir``, generating its keys on first use."""
        return cls(pki_dir / kind, kind)

    @property
    def auth_root_path(self) -> Path:
        """PEM file of the 利用者証明用 root: the trust anchor for card genuineness checks."""
        return self.directory / "auth-ca.pem"

    @property
    def sign_root_path(self) -> Path:
        """PEM file of the 署名用 root."""
        return self.directory / "sign-ca.pem"

    def issue_card(self, profile: CardProfile) -> CardCredentials:
        """The keys (cached per card) and certificates of ``profile``'s card."""
        identifier = card_id(profile)
        auth_key = self._card_keys.key(f"{identifier}-auth-key")
        sign_key = self._card_keys.key(f"{identifier}-sign-key")
        auth_subject = x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
                # Real 利用者証明用 certificates name no person, only an opaque identifier.
                x509.NameAttribute(NameOID.COMMON_NAME, f"MDGT{identifier.upper()}A"),
            ]
        )
        auth_certificate = self.auth.issue(
            auth_subject,
            auth_key.public_key(),
            _serial(self.kind, "auth", identifier),
            _key_usage(digital_signature=True),
        )
        sign_subject = x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
                x509.NameAttribute(NameOID.COMMON_NAME, f"MDGT{identifier.upper()}S"),
            ]
        )
        sign_certificate = self.sign.issue(
            sign_subject,
            sign_key.public_key(),
            _serial(self.kind, "sign", identifier),
            _key_usage(digital_signature=True, content_commitment=True),
            alt_names=_basic_four_alt_names(profile),
        )
        return CardCredentials(
            auth_key=auth_key,
            sign_key=sign_key,
            auth_certificate=auth_certificate,
            sign_certificate=sign_certificate,
            auth_ca_certificate=self.auth.certificate,
            sign_ca_certificate=self.sign.certificate,
        )


def _utf8_string(text: str) -> bytes:
    value = text.encode("utf-8")
    return bytes([0x0C]) + _der_length(len(value)) + value


def _der_length(length: int) -> bytes:
    if length < 0x80:
        return bytes([length])
    size = (length.bit_length() + 7) // 8
    return bytes([0x80 | size]) + length.to_bytes(size, "big")


def _era_birth_date(birth_date: str) -> str:
    # JPKI writes the birth date as an era digit (1 明治 … 5 令和) before the Gregorian date.
    return japanese_era(birth_date)[0] + birth_date


def _basic_four_alt_names(profile: CardProfile) -> list[x509.GeneralName]:
    return [
        x509.OtherName(OID_JPKI_NAME, _utf8_string(profile.name)),
        x509.OtherName(OID_JPKI_BIRTH_DATE, _utf8_string(_era_birth_date(profile.birth_date))),
        x509.OtherName(OID_JPKI_SEX, _utf8_string(profile.sex)),
        x509.OtherName(OID_JPKI_ADDRESS, _utf8_string(profile.address)),
    ]


def pkcs1_sign(private_key: rsa.RSAPrivateKey, message: bytes) -> bytes:
    """The card's RSA operation: PKCS#1 v1.5 type-1 padding of ``message`` as given, then RSA.

    ``message`` is normally a DigestInfo the reader built; the card neither hashes nor wraps it,
    which is why ``private_key.sign`` (which insists on hashing) cannot be used here.
    """
    numbers = private_key.private_numbers()
    modulus = numbers.public_numbers.n
    size = (modulus.bit_length() + 7) // 8
    if len(message) > size - 11:
        raise ValueError("message too long for PKCS#1 v1.5 padding")
    padded = b"\x00\x01" + b"\xff" * (size - 3 - len(message)) + b"\x00" + message
    value = int.from_bytes(padded, "big")
    # Chinese remainder theorem: several times faster than pow(value, d, n).
    part_p = pow(value, numbers.dmp1, numbers.p)
    part_q = pow(value, numbers.dmq1, numbers.q)
    h = (numbers.iqmp * (part_p - part_q)) % numbers.p
    return (part_q + h * numbers.q).to_bytes(size, "big")
