"""Fixtures for the interface services: a private copy of the demo city per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from madoguchi.app.context import ServiceContext
from madoguchi.app.domain.permissions import Role
from madoguchi.storage.store import LocalStore
from tests.helpers.stores import context, copy_store


@pytest.fixture
def store(demo_store: LocalStore, tmp_path: Path) -> Iterator[LocalStore]:
    copy = copy_store(demo_store, tmp_path / "interfaces.db")
    yield copy
    copy.close()


@pytest.fixture
def operator() -> ServiceContext:
    """An IT operator (システム管理者) running the queues."""
    return context(Role.ADMIN, staff_no="A0001")
