"""Password policy and hashing (R-ROLE-4): argon2id, at least 12 characters, yearly expiry.

Passwords are never logged or stored: only the argon2id hash is kept, and messages never
contain the password.
"""

from __future__ import annotations

import datetime as dt

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 12
MAX_AGE = dt.timedelta(days=365)
MAX_FAILED_LOGINS = 5

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters


class PasswordRejected(ValueError):
    """A new password breaks the policy; the message says which rule."""


def check_policy(password: str, *, staff_no: str, old_password: str | None = None) -> None:
    """Raise PasswordRejected unless ``password`` meets the policy."""
    if len(password) < MIN_LENGTH:
        raise PasswordRejected(f"パスワードは{MIN_LENGTH}文字以上にしてください。")
    if password.strip() != password or not password.strip():
        raise PasswordRejected("パスワードの先頭・末尾に空白は使えません。")
    if staff_no.lower() in password.lower():
        raise PasswordRejected("パスワードに職員番号を含めないでください。")
    if old_password is not None and password == old_password:
        raise PasswordRejected("以前と同じパスワードは使えません。")


def hash_password(password: str) -> str:
    """The argon2id hash to store."""
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when ``password`` matches ``stored_hash`` (False for a missing or bad hash)."""
    if not stored_hash:
        return False
    try:
        return _hasher.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """True when the hash was made with older parameters and should be replaced."""
    return _hasher.check_needs_rehash(stored_hash)


def expired(changed_on: dt.date | None, today: dt.date) -> bool:
    """True when the password was never set by its owner or is older than a year."""
    return changed_on is None or today - changed_on > MAX_AGE
