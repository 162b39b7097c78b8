"""The encrypted local store: key in the keyring, nothing readable in the file, clear errors."""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path

import keyring
import pytest
from sqlalchemy import func, select, text

from madoguchi.storage.audit import append_audit
from madoguchi.storage.models import AuditEntry, OutboxEntry, StoreMeta
from madoguchi.storage.store import (
    KEYRING_SERVICE,
    LocalStore,
    StoreError,
    StoreKeyMissing,
    StoreKeyWrong,
    keyring_username,
    load_key,
)

NAMES = ["斉藤", "渡邊", "ハマダ", "架空県みどり市"]


def _write_names(store: LocalStore) -> None:
    with store.transaction() as session:
        for i, name in enumerate(NAMES):
            session.add(StoreMeta(key=f"name{i}", value=name * 50))


def test_new_store_keeps_its_key_in_the_keyring_not_beside_the_file(tmp_path: Path) -> None:
    store = LocalStore.open(tmp_path / "local.db", create=True)
    store.close()
    key = load_key(tmp_path / "local.db")
    assert key is not None and len(key) == 64
    beside = [p for p in tmp_path.iterdir() if key.encode() in p.read_bytes()]
    assert beside == []


def test_database_bytes_contain_no_names(tmp_path: Path) -> None:
    store = LocalStore.open(tmp_path / "local.db", create=True)
    _write_names(store)
    # Also look at the WAL before a checkpoint folds it into the main file.
    files = list(tmp_path.iterdir())
    store.close()
    files += list(tmp_path.iterdir())
    for path in {p for p in files if p.exists()}:
        data = path.read_bytes()
        for name in NAMES:
            assert name.encode("utf-8") not in data, f"{name} readable in {path.name}"
            assert name.encode("utf-16-le") not in data
        assert b"SQLite format 3" not in data


def test_wrong_key_gives_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "local.db"
    LocalStore.open(path, create=True).close()
    keyring.set_password(KEYRING_SERVICE, keyring_username(path), secrets.token_hex(32))
    with pytest.raises(StoreKeyWrong) as info:
        LocalStore.open(path)
    assert "暗号鍵で開けません" in str(info.value)
    assert "端末の管理者" in str(info.value)


def test_missing_key_gives_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "local.db"
    LocalStore.open(path, create=True).close()
    keyring.delete_password(KEYRING_SERVICE, keyring_username(path))
    with pytest.raises(StoreKeyMissing) as info:
        LocalStore.open(path)
    assert "暗号鍵がキーリングにありません" in str(info.value)


def test_a_file_that_is_not_a_store_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "local.db"
    path.write_bytes(b"not a database at all" * 100)
    keyring.set_password(KEYRING_SERVICE, keyring_username(path), secrets.token_hex(32))
    with pytest.raises(StoreKeyWrong):
        LocalStore.open(path)


def test_missing_store_without_create_is_reported(tmp_path: Path) -> None:
    with pytest.raises(StoreError) as info:
        LocalStore.open(tmp_path / "absent.db")
    assert "初期設定" in str(info.value)


def test_connections_use_wal_full_sync_and_foreign_keys(tmp_path: Path) -> None:
    store = LocalStore.open(tmp_path / "local.db", create=True)
    with store.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA secure_delete")).scalar() == 2  # FAST
    store.close()


def test_audit_entry_and_its_outbox_op_commit_together(tmp_path: Path) -> None:
    store = LocalStore.open(tmp_path / "local.db", create=True)
    at = dt.datetime(2026, 11, 2, 9, 0)
    with pytest.raises(RuntimeError), store.transaction() as session:
        append_audit(session, at=at, terminal_id="T1", staff_no="S1", action="search")
        raise RuntimeError("crash before commit")
    with store.transaction() as session:
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == 0
        assert session.scalar(select(func.count()).select_from(OutboxEntry)) == 0
    with store.transaction() as session:
        append_audit(session, at=at, terminal_id="T1", staff_no="S1", action="search")
    with store.transaction() as session:
        op = session.scalars(select(OutboxEntry)).one()
        assert op.op_type == "audit_entry" and op.payload["action"] == "search"
    store.close()


def test_the_demo_city_file_reveals_none_of_its_names(demo_store: LocalStore) -> None:
    from madoguchi.storage.models import Person

    with demo_store.transaction() as session:
        rows = session.execute(
            select(Person.family_name, Person.given_name, Person.address, Person.alphabet_name)
        ).all()
    # Six bytes and more (two kanji, or a whole alphabet name): short ASCII runs such as "LE"
    # occur by chance in any few megabytes of ciphertext.
    needles = {value for row in rows for value in row if value and len(value.encode()) >= 6}
    assert len(needles) > 500
    paths = [demo_store.path, *demo_store.path.parent.glob(demo_store.path.name + "-*")]
    for path in paths:
        data = path.read_bytes()
        readable = [n for n in needles if n.encode("utf-8") in data]
        assert readable == [], f"{path.name} holds readable names: {readable[:5]}"
