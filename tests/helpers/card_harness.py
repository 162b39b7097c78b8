"""The card stack the tests drive: a private pcscd with vpcd, and the virtual card behind it.

PCSCLITE_CSOCK_NAME is fixed for the whole test process at import (libpcsclite reads it once),
so no test can ever reach a system pcscd. The pcscd and the card program start on first use
and live for the session; ``card`` hands each test a card program reset to a clean state.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

PCSC_DIR = Path(tempfile.gettempdir()) / f"madoguchi-test-pcsc-{os.getpid()}"
os.environ["PCSCLITE_CSOCK_NAME"] = str(PCSC_DIR / "run" / "pcscd.comm")


@dataclass
class CardStack:
    """What a card test needs: the running parts and who is on each card."""

    pcscd: object
    card_process: object
    control: object
    holders: list[str]
    profiles: list[dict[str, object]]
    trust_root: Path
    other_root: Path | None

    def profile_of(self, index: int) -> dict[str, object]:
        """The card profile ``index`` (its PINs and data)."""
        return self.profiles[index]

    def insert(self, *args: object, **kwargs: object) -> None:
        """Put a fresh card in and wait until pcscd has seen it (``control.insert``'s args)."""
        self.control.insert(*args, **kwargs)  # type: ignore[attr-defined]
        wait_for_presence(True)

    def remove(self) -> None:
        """Pull the card and wait until pcscd has seen it go."""
        self.control.remove()  # type: ignore[attr-defined]
        wait_for_presence(False)


def wait_for_presence(present: bool, reader: str = "Virtual PCD 00 00") -> None:
    """Poll pcscd until the reader shows (or no longer shows) a card."""
    import time

    from madoguchi.smartcard.transport import PcscContext

    deadline = time.monotonic() + 5
    with PcscContext() as context:
        while time.monotonic() < deadline:
            if context.states([reader])[0].card_present == present:
                return
            time.sleep(0.02)
    raise AssertionError(f"pcscd did not see the card {'arrive' if present else 'leave'}")


def start_stack(demo_store: object, workdir: Path) -> CardStack:
    """Start pcscd and the virtual card with profiles of the demo city's card holders."""
    import json

    from madoguchi.app.demo_city.cards import write_demo_profiles
    from madoguchi.smartcard.harness import HarnessError, PrivatePcscd, VirtualCardProcess
    from madoguchi.smartcard.virtual.client import VirtualCardControl

    if PCSC_DIR.exists():
        shutil.rmtree(PCSC_DIR)
    PCSC_DIR.mkdir(parents=True)
    profiles_path = workdir / "profiles.json"
    holders = write_demo_profiles(demo_store, profiles_path, count=6)  # type: ignore[arg-type]
    pcscd = PrivatePcscd(PCSC_DIR, log_apdus=False)
    try:
        pcscd.start()
    except HarnessError as problem:
        pytest.fail(f"system part missing or broken: {problem}")
    card_process = VirtualCardProcess(pcscd, profiles_path, workdir / "pki")
    try:
        card_process.start()
    except HarnessError as problem:
        pcscd.stop()
        pytest.fail(f"the virtual card did not start: {problem}")
    control = VirtualCardControl(card_process.control_path)
    return CardStack(
        pcscd=pcscd,
        card_process=card_process,
        control=control,
        holders=holders,
        profiles=json.loads(profiles_path.read_text(encoding="utf-8")),
        trust_root=Path(control.trust_root()),
        other_root=None,
    )


def stop_stack(stack: CardStack) -> None:
    """Stop the card program and pcscd."""
    stack.card_process.stop()  # type: ignore[attr-defined]
    stack.pcscd.stop()  # type: ignore[attr-defined]
    shutil.rmtree(PCSC_DIR, ignore_errors=True)
