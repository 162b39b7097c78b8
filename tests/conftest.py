"""Fixtures shared by the whole suite: a headless keyring, Qt offscreen, fixed time."""

from __future__ import annotations

import datetime as dt
import os

import keyring
import pytest

from tests.helpers.keyring_memory import MemoryKeyring

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

DEMO_TODAY = dt.date(2026, 11, 1)


@pytest.fixture(autouse=True, scope="session")
def memory_keyring() -> MemoryKeyring:
    """Every test process uses an in-memory keyring (no Secret Service on CI)."""
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    return backend
