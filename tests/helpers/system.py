"""Finding the system programs the test suite drives (PostgreSQL, pcscd, poppler, Xvfb …).

A missing part fails the test that needs it, naming the Debian package to install; it never
skips. ``make sysdeps`` (run by ``make test``) installs them all.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
from pathlib import Path

import pytest

# Executable -> the Debian package that ships it.
DEBIAN_PACKAGE_OF: dict[str, str] = {
    "pcscd": "pcscd",
    "pkcs15-tool": "opensc",
    "opensc-tool": "opensc",
    "pdftotext": "poppler-utils",
    "pdffonts": "poppler-utils",
    "pdftoppm": "poppler-utils",
    "pdfinfo": "poppler-utils",
    "xvfb-run": "xvfb",
    "Xvfb": "xvfb",
    "xauth": "xauth",
    "fc-list": "fontconfig",
    "fc-match": "fontconfig",
    "initdb": "postgresql",
    "pg_ctl": "postgresql",
    "postgres": "postgresql",
    "psql": "postgresql",
    "ip": "iproute2",
    "unshare": "util-linux",
    "nsenter": "util-linux",
}

# pcscd and ip live in sbin, which is not on a normal user's PATH on Debian.
_SBIN_DIRS = ("/usr/local/sbin", "/usr/sbin", "/sbin")

VPCD_DRIVER_GLOB = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so*"
VPCD_READER_CONF = Path("/etc/reader.conf.d/vpcd")


def install_hint(package: str) -> str:
    return (
        f"install the Debian package '{package}' "
        f"(`make sysdeps` does it as root; otherwise: sudo apt-get install {package})"
    )


def require_executable(name: str) -> Path:
    """The path of executable ``name`` (PATH, then the sbin folders); fails the test if absent."""
    found = shutil.which(name)
    if found is None:
        found = shutil.which(name, path=os.pathsep.join(_SBIN_DIRS))
    if found is None:
        package = DEBIAN_PACKAGE_OF.get(name, name)
        pytest.fail(f"system part missing: executable '{name}' not found: {install_hint(package)}")
    return Path(found)


def _version_key(bin_dir: str) -> tuple[int, ...]:
    version = Path(bin_dir).parent.name
    return tuple(int(part) for part in re.findall(r"\d+", version))


def find_postgres_bin(name: str) -> Path:
    """A PostgreSQL server program such as ``initdb``, ``pg_ctl`` or ``postgres``.

    Debian keeps them out of PATH in ``/usr/lib/postgresql/<version>/bin``; the newest
    version wins. Elsewhere they are looked up on PATH. Fails the test if absent.
    """
    bin_dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version_key, reverse=True)
    for bin_dir in bin_dirs:
        candidate = Path(bin_dir) / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which(name)
    if found is None:
        pytest.fail(
            f"system part missing: PostgreSQL program '{name}' not found in "
            f"/usr/lib/postgresql/*/bin or on PATH: {install_hint('postgresql')}"
        )
    return Path(found)


def find_vpcd_driver() -> Path:
    """The vsmartcard virtual reader driver for pcscd (or its reader.conf entry)."""
    drivers = sorted(glob.glob(VPCD_DRIVER_GLOB))
    if drivers:
        return Path(drivers[0])
    if VPCD_READER_CONF.is_file():
        return VPCD_READER_CONF
    pytest.fail(
        f"system part missing: the vpcd driver ({VPCD_DRIVER_GLOB} or {VPCD_READER_CONF}) "
        f"is not installed: {install_hint('vsmartcard-vpcd')}"
    )
