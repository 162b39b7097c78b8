"""The system parts the test suite drives are installed.

Each missing part fails (never skips) with its name and the Debian package to install, so a
machine set up by hand shows at once what `make sysdeps` would have installed.
"""

from __future__ import annotations

import subprocess

import pytest

from tests.helpers.system import (
    find_postgres_bin,
    find_vpcd_driver,
    install_hint,
    require_executable,
)

EXECUTABLES = [
    "pcscd",
    "pkcs15-tool",
    "pdftotext",
    "pdffonts",
    "pdftoppm",
    "xvfb-run",
    "Xvfb",
    "xauth",
    "fc-list",
    "ip",
    "unshare",
]


@pytest.mark.parametrize("name", EXECUTABLES)
def test_executable_present(name: str) -> None:
    assert require_executable(name).is_file()


@pytest.mark.parametrize("name", ["initdb", "pg_ctl", "postgres"])
def test_postgres_program_present(name: str) -> None:
    assert find_postgres_bin(name).is_file()


def test_vpcd_driver_present() -> None:
    assert find_vpcd_driver().exists()


def test_japanese_font_present() -> None:
    fc_list = require_executable("fc-list")
    completed = subprocess.run(
        [str(fc_list), ":lang=ja", "family"],
        capture_output=True,
        text=True,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    fonts = completed.stdout.strip()
    if completed.returncode != 0 or not fonts:
        pytest.fail(
            "system part missing: no Japanese font (`fc-list :lang=ja` found none): "
            + install_hint("fonts-ipaexfont-mincho fonts-ipaexfont-gothic fonts-noto-cjk")
        )
