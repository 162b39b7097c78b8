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


def _is_os_keyring(backend: keyring.backend.KeyringBackend) -> bool:
    # keyrings.alt registers file keyrings that keyring picks by itself when the OS has none;
    # they are not the OS keyring R-STORE-1 asks for.
    if isinstance(backend, fail.Keyring) or type(backend).__module__.startswith("keyrings.alt"):
        return False
    try:
        return float(backend.priority) > 0
    except Exception:
        return False


def os_keyring_available() -> bool:
    """True when the keyring library found a real OS keyring (not a keyrings.alt file)."""
    return _is_os_keyring(keyring.get_keyring())


def require_os_keyring() -> None:
    """Refuse to run outside the demo without the OS keyring (the store key lives there)."""
    from madoguchi.storage.store import KeyringUnavailable

    if not os_keyring_available():
        raise KeyringUnavailable(
            "OSのキーリング（Secret Service など）が見つかりません。ローカルデータベースの"
            "暗号鍵を安全に保管できないため起動できません。端末の管理者に連絡してください。"
        )


def use_demo_fallback_keyring() -> None:
    """Use the OS keyring when there is one, else keyrings.alt's plaintext file keyring."""
    if os_keyring_available():
        return
    if type(keyring.get_keyring()).__module__.startswith("keyrings.alt"):
        log.warning("no OS keyring: the demo keeps its store key in keyrings.alt's file keyring")
        return
    from keyrings.alt.file import PlaintextKeyring

    backend = PlaintextKeyring()
    log.warning(
        "no OS keyring: the demo keeps its store key in %s (demo only; production refuses)",
        backend.file_path,
    )
    keyring.set_keyring(backend)
