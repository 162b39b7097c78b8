"""A real third-party reader works with the virtual card: OpenSC's pkcs15-tool lists its
certificates and pkcs15-crypt signs with its authentication key (Debian's opensc package)."""

from __future__ import annotations

import hashlib
import re
import subprocess
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from tests.helpers.log_scan import register_secret
from tests.helpers.system import require_executable


def opensc(tool: str, *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(require_executable(tool)), *args],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, f"{tool} {args[:2]} failed:\n{done.stdout}\n{done.stderr}"
    return done


def test_pkcs15_tool_lists_the_certificates(card) -> None:
    card.insert(0)
    listing = opensc("pkcs15-tool", "--list-certificates").stdout
    assert listing.count("X.509 Certificate") == 4
    assert "User Authentication Certificate" in listing
    assert re.search(r"ID\s+: 01", listing)


def test_pkcs15_crypt_signs_and_the_signature_verifies_with_the_certificate(
    card, tmp_path: Path
) -> None:
    card.insert(0)
    pin = str(card.profile_of(0)["auth_pin"])
    register_secret(pin)
    message = b"madoguchi OpenSC interoperability check"
    digest = tmp_path / "digest.bin"
    digest.write_bytes(hashlib.sha256(message).digest())
    signature_path = tmp_path / "signature.bin"
    opensc(
        "pkcs15-crypt",
        "--sign",
        "--key",
        "01",
        "--pin",
        pin,
        "--sha-256",
        "--pkcs1",
        "--input",
        str(digest),
        "--output",
        str(signature_path),
    )
    pem = opensc("pkcs15-tool", "--read-certificate", "01").stdout
    certificate = x509.load_pem_x509_certificate(pem.encode("ascii"))
    key = certificate.public_key()
    assert isinstance(key, rsa.RSAPublicKey)
    key.verify(signature_path.read_bytes(), message, padding.PKCS1v15(), hashes.SHA256())
    # And the certificate OpenSC read is the one our own reader trusts.
    root = x509.load_pem_x509_certificate(card.control.trust_root("trusted").read_bytes())
    certificate.verify_directly_issued_by(root)
    assert card.control.counters().auth_pin == 3
