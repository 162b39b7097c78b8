"""The terminal's local store: an SQLCipher-encrypted SQLite file whose key lives in the keyring.

R-STORE-1: the key is 32 random bytes kept in the operating system's keyring (``keyring``),
never in a file next to the database; a copied database file reveals nothing.
R-STORE-2: WAL, ``synchronous=FULL`` and foreign keys on every connection, so that what a
transaction reported as saved survives a crash.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import keyring
import keyring.errors
import sqlcipher3
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

log = logging.getLogger(__name__)

KEYRING_SERVICE = "madoguchi.local-store"
_KEY_BYTES = 32


class StoreError(Exception):
    """A problem with the local store that the user can act on; the message says how."""


class StoreKeyMissing(StoreError):
    """The store exists but the keyring holds no key for it."""


class StoreKeyWrong(StoreError):
    """The key in the keyring does not open the store (or the file is not a store)."""


class KeyringUnavailable(StoreError):
    """No usable keyring backend: the key cannot be fetched or saved."""


def keyring_username(path: Path) -> str:
    """The keyring user name under which the key of the store at ``path`` is kept."""
    return str(path.resolve())


def load_key(path: Path) -> str | None:
    """Return the hex key stored in the keyring for the store at ``path``, or None."""
    try:
        return keyring.get_password(KEYRING_SERVICE, keyring_username(path))
    except keyring.errors.KeyringError as exc:
        raise KeyringUnavailable(
            "OSのキーリングを利用できません。端末の管理者に連絡してください。"
            f"（{type(exc).__name__}）"
        ) from exc


def create_key(path: Path) -> str:
    """Make a new random key for a store that does not exist yet and save it in the keyring."""
    key = secrets.token_hex(_KEY_BYTES)
    try:
        keyring.set_password(KEYRING_SERVICE, keyring_username(path), key)
    except keyring.errors.KeyringError as exc:
        raise KeyringUnavailable(
            "OSのキーリングに暗号鍵を保存できません。端末の管理者に連絡してください。"
            f"（{type(exc).__name__}）"
        ) from exc
    return key


def forget_key(path: Path) -> None:
    """Remove the store's key from the keyring (used when a store file is discarded)."""
    with suppress(keyring.errors.PasswordDeleteError):
        keyring.delete_password(KEYRING_SERVICE, keyring_username(path))


def _check_key_format(key_hex: str) -> None:
    if len(key_hex) != 2 * _KEY_BYTES or any(c not in "0123456789abcdef" for c in key_hex):
        raise StoreKeyWrong(
            "キーリングの暗号鍵の形式が正しくありません。端末の管理者に連絡してください。"
        )


def open_engine(path: Path, key_hex: str, *, pool_size: int = 2) -> Engine:
    """Open an engine on the encrypted database at ``path`` with a raw 256-bit key.

    Raises StoreKeyWrong when the key does not decrypt the file.
    """
    _check_key_format(key_hex)
    database = str(path)

    def connect() -> Any:
        conn = sqlcipher3.dbapi2.connect(database, check_same_thread=False)
        # A raw key skips the passphrase KDF: the key is already 256 random bits.
        conn.execute(f"PRAGMA key = \"x'{key_hex}'\"")
        return conn

    engine = create_engine(
        "sqlite+pysqlite://",
        creator=connect,
        # The DBAPI module: SQLAlchemy maps its exceptions to sqlalchemy.exc by this module.
        module=sqlcipher3.dbapi2,
        poolclass=QueuePool,
        pool_size=pool_size,
        max_overflow=4,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # pysqlite's implicit BEGIN handling is replaced by an explicit BEGIN (below), so
        # SQLAlchemy's transaction boundaries are SQLite's.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        try:
            cursor.execute("SELECT count(*) FROM sqlite_master")
        except sqlcipher3.dbapi2.DatabaseError as exc:
            raise StoreKeyWrong(
                f"ローカルデータベース {path.name} を暗号鍵で開けません。"
                "キーリングの鍵が別の端末のものか、ファイルが壊れています。"
                "端末の管理者に連絡してください。"
            ) from exc
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA busy_timeout = 5000")
        # Deleted rows (送付先情報 handed to the centre, purged records) are overwritten in
        # their pages where that costs no extra I/O, not left readable in free space.
        cursor.execute("PRAGMA secure_delete = FAST")
        cursor.execute("PRAGMA cache_size = -65536")  # 64 MiB: searches on 1M persons stay in cache
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # IMMEDIATE takes the write lock up front: a transaction that reads then writes (the
        # audit chain's last entry, a row version) cannot lose a race to another writer.
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


@dataclass
class LocalStore:
    """An open local store: the engine and a session factory bound to it."""

    path: Path
    engine: Engine
    sessions: sessionmaker[Session]

    @classmethod
    def open(cls, path: Path, *, create: bool = False, migrate: bool = True) -> LocalStore:
        """Open the store at ``path`` with its key from the keyring.

        With ``create`` a missing store is created with a fresh key. ``migrate`` brings the
        schema to the newest revision. Every failure raises a StoreError with a message that
        says what to do.
        """
        path = path.resolve()
        key = load_key(path)
        if path.exists():
            if key is None:
                raise StoreKeyMissing(
                    f"ローカルデータベース {path.name} の暗号鍵がキーリングにありません。"
                    "この端末で作成したデータベースか確認し、端末の管理者に連絡してください。"
                )
        elif not create:
            raise StoreError(
                f"ローカルデータベース {path} がありません。端末の初期設定を行ってください。"
            )
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            if key is not None:
                log.warning("discarding a keyring key left over from a deleted store")
            key = create_key(path)
        assert key is not None
        store = cls.open_with_key(path, key)
        if migrate:
            from madoguchi.storage.migrations import upgrade_to_head

            upgrade_to_head(store.engine)
        return store

    @classmethod
    def open_with_key(cls, path: Path, key_hex: str) -> LocalStore:
        """Open the store with an explicit key (tests, tooling); checks the key at once."""
        engine = open_engine(path, key_hex)
        try:
            with engine.connect():
                pass
        except StoreError:
            engine.dispose()
            raise
        except Exception as exc:
            engine.dispose()
            # SQLAlchemy wraps errors raised in the connect event; unwrap ours.
            cause = exc.__cause__ or exc.__context__
            if isinstance(cause, StoreError):
                raise cause from None
            raise
        return cls(path=path, engine=engine, sessions=sessionmaker(engine, expire_on_commit=False))

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A short explicit session in one transaction: commit on success, roll back on error."""
        with self.sessions() as session, session.begin():
            yield session

    def close(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
