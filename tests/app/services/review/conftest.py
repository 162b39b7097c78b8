"""Fixtures for review: a private copy of the demo city per module, a clerk and supervisors."""

from __future__ import annotations

import pytest

from madoguchi.app.domain.permissions import Role
from madoguchi.storage.store import LocalStore
from tests.helpers.stores import context, copy_store


@pytest.fixture(scope="module")
def store(demo_store: LocalStore, tmp_path_factory: pytest.TempPathFactory):
    copy = copy_store(demo_store, tmp_path_factory.mktemp("review") / "review.db")
    yield copy
    copy.close()


@pytest.fixture
def clerk():
    return context(Role.CLERK, staff_no="S0001")


@pytest.fixture
def supervisor():
    return context(Role.SUPERVISOR, staff_no="S0005")


@pytest.fixture
def other_supervisor():
    return context(Role.SUPERVISOR, staff_no="S0006")
