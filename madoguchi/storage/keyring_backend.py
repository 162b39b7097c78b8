"""Choosing the keyring backend: the OS keyring, or — for the demo only — keyrings.alt.

Production needs a real OS keyring (Secret Service, KWallet, macOS Keychain, Windows
Credential Locker). A headless demo machine has none; the demo then falls back to
keyrings.alt's file keyring in the user's own keyring directory (never beside the
database) and says so in the log.
"""

from __future__ import annotations

import logging

import keyring
import keyring.backend
from keyring.backends import fail

log = logging.getLogger(__name__)


def os_keyring_available() -> bool:
    """True when the keyring library found a usable backend."""
    backend = keyring.get_keyring()
    if isinstance(backend, fail.Keyring):
        return False
    try:
        return float(backend.priority) > 0
    except Exception:
        return False


def use_demo_fallback_keyring() -> None:
    """Use the OS keyring when there is one, else keyrings.alt's plaintext file keyring."""
    if os_keyring_available():
        return
    from keyrings.alt.file import PlaintextKeyring

    backend = PlaintextKeyring()
    log.warning(
        "no OS keyring: the demo keeps its store key in %s (demo only; production refuses)",
        backend.file_path,
    )
    keyring.set_keyring(backend)
