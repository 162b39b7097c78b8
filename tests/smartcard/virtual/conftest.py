"""Fixtures of the virtual card tests: one cached test PKI per run, a fresh card per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from madoguchi.smartcard.virtual.mynumber import MyNumberCard
from madoguchi.smartcard.virtual.pki import TestCA
from madoguchi.smartcard.virtual.profile import sample_profile
from tests.smartcard.virtual.fake_vpcd import FakeVpcd


@pytest.fixture(scope="session")
def pki_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A key cache shared by the whole run (RSA key generation is the slow part)."""
    return tmp_path_factory.mktemp("virtual-card-pki")


@pytest.fixture(scope="session")
def authority(pki_dir: Path) -> TestCA:
    """The trusted test authority."""
    return TestCA.load_or_create(pki_dir, "trusted")


@pytest.fixture
def card(authority: TestCA) -> MyNumberCard:
    """A fresh, powered card of the sample person."""
    fresh = MyNumberCard(sample_profile(), authority)
    fresh.power_on()
    return fresh


@pytest.fixture
def vpcd() -> Iterator[FakeVpcd]:
    """A fake vpcd listening on a free local port."""
    fake = FakeVpcd()
    yield fake
    fake.close()
