"""``python -m madoguchi.app.demo_city``: builds a store, refuses to overwrite without --force."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from sqlalchemy import func, select

from madoguchi.app.demo_city.__main__ import main
from madoguchi.storage.models import Person
from madoguchi.storage.store import LocalStore, forget_key
from tests.helpers.keyring_memory import MemoryKeyring


def persons_in(store: LocalStore) -> int:
    with store.transaction() as session:
        return session.scalar(select(func.count()).select_from(Person)) or 0


def test_builds_with_an_explicit_key_and_needs_force_to_replace(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, key = tmp_path / "demo.db", secrets.token_hex(32)
    assert main(["--persons", "200", "--out", str(out), "--key", key]) == 0
    printed = capsys.readouterr()
    assert "架空県みどり市" in printed.out and "200人" in printed.out
    assert "200 / 200 人" in printed.err
    assert main(["--persons", "300", "--out", str(out), "--key", key]) == 2
    assert "--force" in capsys.readouterr().err
    assert main(["--persons", "300", "--out", str(out), "--key", key, "--force"]) == 0
    store = LocalStore.open_with_key(out, key)
    try:
        assert persons_in(store) == 300
    finally:
        store.close()


def test_builds_with_a_key_in_the_keyring(tmp_path: Path, memory_keyring: MemoryKeyring) -> None:
    out = tmp_path / "keyring.db"
    assert main(["--persons", "100", "--seed", "5", "--out", str(out)]) == 0
    store = LocalStore.open(out)
    try:
        assert persons_in(store) == 100
    finally:
        store.close()
        forget_key(out.resolve())


def test_a_bad_key_is_reported_not_raised(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--persons", "100", "--out", str(tmp_path / "x.db"), "--key", "zz"]) == 1
    assert "暗号鍵" in capsys.readouterr().err
