"""Is the card genuine? The check of R-CARD-4, on data the card produced.

1. The signature over DigestInfo(SHA-256(challenge)) verifies with the key of the card's
   利用者証明用 certificate.
2. That certificate chains to one of the configured trust roots (pinned J-LIS roots in
   production, the test CA for the virtual card), directly or through the CA certificate the
   card carries — the card's CA certificate is never itself trusted.
3. Every certificate of the chain is valid at the given time; the leaf may sign
   (digitalSignature) and is not a CA; issuers are CAs.
4. Revocation is a configured service that may be absent; the result says whether it ran.

A failed check is a result with a reason, never an exception: the screen shows it as such.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa


@dataclass(frozen=True, slots=True)
class Genuineness:
    """The outcome of the check, as the screen and the diagnostics command show it."""

    genuine: bool
    reason: str
    certificate_subject: str | None
    certificate_serial: str | None
    revocation_checked: bool


class RevocationService(Protocol):
    """OCSP/CRL access (J-LIS, through a certified platform); absent at most counters."""

    def is_revoked(self, certificate: x509.Certificate, issuer: x509.Certificate) -> bool:
        """True when the issuer has revoked ``certificate``."""
        ...


def load_trust_roots(paths: Sequence[Path]) -> list[x509.Certificate]:
    """Every certificate in the given PEM files (a file may hold several)."""
    roots: list[x509.Certificate] = []
    for path in paths:
        roots.extend(x509.load_pem_x509_certificates(path.read_bytes()))
    return roots


def check_genuineness(
    *,
    certificate_der: bytes,
    card_ca_der: bytes | None,
    challenge: bytes,
    signature: bytes,
    trust_roots: Sequence[x509.Certificate],
    at: dt.datetime,
    revocation: RevocationService | None = None,
) -> Genuineness:
    """Check a card's answer to ``challenge`` against ``trust_roots`` at time ``at`` (UTC)."""
    try:
        leaf = x509.load_der_x509_certificate(certificate_der)
    except ValueError:
        return Genuineness(False, "利用者証明用証明書を解析できません", None, None, False)
    subject = leaf.subject.rfc4514_string()
    serial = format(leaf.serial_number, "X")

    def failed(reason: str) -> Genuineness:
        return Genuineness(False, reason, subject, serial, False)

    key = leaf.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        return failed("証明書の鍵が RSA ではありません")
    try:
        key.verify(signature, challenge, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return failed("カードの署名が証明書の鍵で検証できません（証明書と鍵が一致しません）")
    chain = _chain_to_root(leaf, card_ca_der, trust_roots)
    if isinstance(chain, str):
        return failed(chain)
    problem = _chain_problem(chain, at)
    if problem is not None:
        return failed(problem)
    if revocation is None:
        return Genuineness(True, "真正なカードです（失効確認なし）", subject, serial, False)
    if revocation.is_revoked(leaf, chain[1]):
        return Genuineness(False, "証明書は失効しています", subject, serial, True)
    return Genuineness(True, "真正なカードです（失効確認済み）", subject, serial, True)


def _chain_to_root(
    leaf: x509.Certificate, card_ca_der: bytes | None, roots: Sequence[x509.Certificate]
) -> list[x509.Certificate] | str:
    """leaf → [intermediate from the card] → trusted root, or why there is none."""
    if not roots:
        return "信頼するルート証明書が設定されていません"
    for root in roots:
        if _issued_by(leaf, root):
            return [leaf, root]
    if card_ca_der is not None:
        try:
            intermediate = x509.load_der_x509_certificate(card_ca_der)
        except ValueError:
            intermediate = None
        if intermediate is not None and _issued_by(leaf, intermediate):
            for root in roots:
                if _fingerprint(intermediate) != _fingerprint(root) and _issued_by(
                    intermediate, root
                ):
                    return [leaf, intermediate, root]
    issuer = leaf.issuer.rfc4514_string()
    return f"証明書の発行者（{issuer}）が信頼するルートにつながりません"


def _issued_by(certificate: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        certificate.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _fingerprint(certificate: x509.Certificate) -> bytes:
    return hashlib.sha256(certificate.tbs_certificate_bytes).digest()


def _chain_problem(chain: list[x509.Certificate], at: dt.datetime) -> str | None:
    moment = at if at.tzinfo is not None else at.replace(tzinfo=dt.UTC)
    for position, certificate in enumerate(chain):
        label = "利用者証明用証明書" if position == 0 else "CA 証明書"
        if not certificate.not_valid_before_utc <= moment <= certificate.not_valid_after_utc:
            return f"{label}の有効期間外です"
        try:
            constraints = certificate.extensions.get_extension_for_class(
                x509.BasicConstraints
            ).value
        except x509.ExtensionNotFound:
            constraints = None
        if position == 0:
            if constraints is not None and constraints.ca:
                return "利用者証明用証明書が CA 証明書になっています"
            try:
                usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
            except x509.ExtensionNotFound:
                return "利用者証明用証明書に鍵用途がありません"
            if not usage.digital_signature:
                return "利用者証明用証明書の鍵用途に署名がありません"
        elif constraints is None or not constraints.ca:
            return f"{label}が CA ではありません"
    return None
