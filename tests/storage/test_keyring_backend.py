"""Only the OS keyring counts as the home of the store key outside the demo (R-STORE-1)."""

from __future__ import annotations

import keyring
import pytest
from keyrings.alt.file import PlaintextKeyring

from madoguchi.storage.keyring_backend import os_keyring_available, require_os_keyring
from madoguchi.storage.store import KeyringUnavailable
from tests.helpers.keyring_memory import MemoryKeyring


def test_a_keyrings_alt_file_is_not_an_os_keyring(memory_keyring: MemoryKeyring) -> None:
    keyring.set_keyring(PlaintextKeyring())
    try:
        assert not os_keyring_available()
        with pytest.raises(KeyringUnavailable, match="OSのキーリング"):
            require_os_keyring()
    finally:
        keyring.set_keyring(memory_keyring)
