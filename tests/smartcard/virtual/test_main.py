"""``python -m madoguchi.smartcard.virtual`` as a process: ready signal, insert, shutdown."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from madoguchi.smartcard.virtual.client import VirtualCardControl
from madoguchi.smartcard.virtual.mynumber import MYNUMBER_ATR
from madoguchi.smartcard.virtual.profile import sample_profile
from madoguchi.smartcard.virtual.vicc import POWER_ON
from tests.smartcard.virtual.fake_vpcd import FakeVpcd

REPO_ROOT = Path(__file__).resolve().parents[3]


def start(vpcd: FakeVpcd, tmp_path: Path, pki_dir: Path) -> subprocess.Popen[str]:
    """The card program with one profile inserted at start."""
    profiles = tmp_path / "profiles.json"
    profiles.write_text(json.dumps([sample_profile().to_json()]), encoding="utf-8")
    command = [
        sys.executable,
        "-m",
        "madoguchi.smartcard.virtual",
        "--port",
        str(vpcd.port),
        "--control",
        str(tmp_path / "ctl.sock"),
        "--profiles",
        str(profiles),
        "--pki-dir",
        str(pki_dir),
        "--insert",
        "0",
    ]
    return subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True)


@pytest.mark.parametrize("stop", ["shutdown", "sigterm"])
def test_the_program_signals_ready_and_stops(
    vpcd: FakeVpcd, tmp_path: Path, pki_dir: Path, stop: str
) -> None:
    with start(vpcd, tmp_path, pki_dir) as process:
        try:
            vpcd.accept()
            assert vpcd.atr() == MYNUMBER_ATR
            vpcd.control(POWER_ON)  # --insert waits for this before the program is ready
            assert process.stdout is not None
            assert process.stdout.readline() == f"READY control={tmp_path / 'ctl.sock'}\n"
            control = VirtualCardControl(tmp_path / "ctl.sock", timeout=10.0)
            status = control.status()
            assert (status.inserted, status.profile) == (True, 0)
            if stop == "shutdown":
                control.shutdown()
            else:
                process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=10) == 0
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    assert vpcd.card_gone()
    assert not (tmp_path / "ctl.sock").exists()
