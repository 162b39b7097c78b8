"""Sign-in (R-ROLE-4/5): argon2id, lockout after five failures, validity, expiry, TOTP."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from madoguchi.app.context import FixedClock
from madoguchi.app.domain.permissions import Role
from madoguchi.app.services.auth import (
    AccountLocked,
    AuthService,
    LoginRefused,
    PasswordExpired,
    SecondFactorRequired,
)
from madoguchi.app.services.passwords import PasswordRejected
from madoguchi.app.services.second_factor import current_code, new_totp_secret
from madoguchi.storage.audit import audit_entries
from madoguchi.storage.models import StaffMember
from madoguchi.storage.store import LocalStore
from tests.helpers.stores import FIXED_NOW, TEST_PASSWORD, add_staff


@pytest.fixture
def store(tmp_path: Path) -> LocalStore:
    store = LocalStore.open(tmp_path / "auth.db", create=True)
    yield store
    store.close()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(FIXED_NOW)


@pytest.fixture
def auth(store: LocalStore, clock: FixedClock) -> AuthService:
    return AuthService(store, "TEST-T01", clock)


def staff(store: LocalStore, staff_no: str) -> StaffMember:
    with store.transaction() as session:
        member = session.get(StaffMember, staff_no)
        assert member is not None
        return member


def actions(store: LocalStore) -> list[tuple[str, str]]:
    with store.transaction() as session:
        return [(e.staff_no, e.action) for e in audit_entries(session)]


def test_right_password_signs_in_and_is_audited(store: LocalStore, auth: AuthService) -> None:
    add_staff(store, "S0001", Role.CLERK, Role.SUPERVISOR)
    ctx = auth.login("S0001", TEST_PASSWORD)
    assert ctx.actor.staff_no == "S0001"
    assert ctx.actor.roles == {Role.CLERK, Role.SUPERVISOR}
    assert ctx.terminal_id == "TEST-T01"
    assert actions(store) == [("S0001", "login")]
    assert staff(store, "S0001").password_hash.startswith("$argon2id$")


def test_five_wrong_passwords_lock_the_account(store: LocalStore, auth: AuthService) -> None:
    add_staff(store, "S0001")
    for left in (4, 3, 2, 1):
        with pytest.raises(LoginRefused, match=f"あと{left}回") as info:
            auth.login("S0001", "wrong-password-123")
        assert not isinstance(info.value, AccountLocked)
    with pytest.raises(AccountLocked):
        auth.login("S0001", "wrong-password-123")
    assert staff(store, "S0001").locked_at == FIXED_NOW
    # Locked means locked: even the right password is refused now.
    with pytest.raises(AccountLocked):
        auth.login("S0001", TEST_PASSWORD)
    assert ("S0001", "account_locked") in actions(store)
    assert [a for _, a in actions(store)].count("login_failed") == 6


def test_a_success_resets_the_failure_count(store: LocalStore, auth: AuthService) -> None:
    add_staff(store, "S0001")
    for _ in range(4):
        with pytest.raises(LoginRefused):
            auth.login("S0001", "wrong-password-123")
    auth.login("S0001", TEST_PASSWORD)
    assert staff(store, "S0001").failed_logins == 0


def test_unknown_staff_gets_the_same_message_as_a_wrong_password(auth: AuthService) -> None:
    with pytest.raises(LoginRefused) as info:
        auth.login("S9999", TEST_PASSWORD)
    assert str(info.value).startswith("職員番号またはパスワードが正しくありません")


@pytest.mark.parametrize(
    "fields",
    [
        {"disabled": True},
        {"valid_until": dt.date(2026, 10, 31)},
        {"valid_from": dt.date(2027, 1, 1)},
    ],
    ids=["disabled", "expired-validity", "not-yet-valid"],
)
def test_inactive_accounts_cannot_sign_in(
    store: LocalStore, auth: AuthService, fields: dict[str, object]
) -> None:
    add_staff(store, "S0001")
    with store.transaction() as session:
        member = session.get(StaffMember, "S0001")
        assert member is not None
        for key, value in fields.items():
            setattr(member, key, value)
    with pytest.raises(LoginRefused, match="無効か有効期間外"):
        auth.login("S0001", TEST_PASSWORD)


def test_a_year_old_password_must_be_changed(store: LocalStore, auth: AuthService) -> None:
    add_staff(store, "S0001", changed_on=FIXED_NOW.date() - dt.timedelta(days=366))
    with pytest.raises(PasswordExpired):
        auth.login("S0001", TEST_PASSWORD)
    with pytest.raises(PasswordRejected, match="12文字以上"):
        auth.change_password("S0001", TEST_PASSWORD, "short")
    with pytest.raises(PasswordRejected, match="同じ"):
        auth.change_password("S0001", TEST_PASSWORD, TEST_PASSWORD)
    auth.change_password("S0001", TEST_PASSWORD, "a-new-long-password-42")
    assert auth.login("S0001", "a-new-long-password-42").actor.staff_no == "S0001"


def test_an_initial_password_must_be_changed(store: LocalStore, auth: AuthService) -> None:
    add_staff(store, "S0001", changed_on=None)
    with pytest.raises(PasswordExpired, match="初期パスワード"):
        auth.login("S0001", TEST_PASSWORD)


def test_totp_is_asked_for_checked_and_not_replayable(
    store: LocalStore, auth: AuthService, clock: FixedClock
) -> None:
    secret = new_totp_secret()
    add_staff(store, "S0006", Role.SUPERVISOR, totp_secret=secret)
    with pytest.raises(SecondFactorRequired):
        auth.login("S0006", TEST_PASSWORD)
    with pytest.raises(LoginRefused, match="あと4回"):
        auth.login(
            "S0006",
            TEST_PASSWORD,
            "000000" if current_code(secret, clock.now()) != "000000" else "111111",
        )
    code = current_code(secret, clock.now())
    assert auth.login("S0006", TEST_PASSWORD, code).actor.staff_no == "S0006"
    with pytest.raises(LoginRefused):
        auth.login("S0006", TEST_PASSWORD, code)  # the same code again: a replay
    clock.advance(seconds=30)
    assert auth.login("S0006", TEST_PASSWORD, current_code(secret, clock.now()))


def test_unlock_needs_the_same_users_password(store: LocalStore, auth: AuthService) -> None:
    add_staff(store, "S0001")
    ctx = auth.login("S0001", TEST_PASSWORD)
    auth.lock(ctx, "idle")
    with pytest.raises(LoginRefused):
        auth.unlock(ctx, "not-my-password-000")
    auth.unlock(ctx, TEST_PASSWORD)
    assert [a for _, a in actions(store)] == ["login", "lock", "login_failed", "unlock"]


def test_no_password_is_stored_or_audited(store: LocalStore, auth: AuthService) -> None:
    add_staff(store, "S0001")
    with pytest.raises(LoginRefused):
        auth.login("S0001", "wrong-password-xyz")
    auth.login("S0001", TEST_PASSWORD)
    store.close()
    from sqlalchemy import text

    reopened = LocalStore.open(store.path)
    with reopened.engine.connect() as conn:
        for table in ("audit_log", "outbox", "staff"):
            dump = str(conn.execute(text(f"SELECT * FROM {table}")).all())
            assert TEST_PASSWORD not in dump and "wrong-password-xyz" not in dump
    reopened.close()


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ({"disabled": True}, "無効"),
        ({"valid_until": FIXED_NOW.date() - dt.timedelta(days=1)}, "無効"),
        ({"locked_at": FIXED_NOW}, "ロック"),
        ({"roles": ["clerk"]}, "権限が変更"),
    ],
)
def test_a_session_ends_when_its_account_changes_under_it(
    store: LocalStore, auth: AuthService, change: dict[str, object], said: str
) -> None:
    add_staff(store, "S0001", Role.CLERK, Role.SUPERVISOR)
    ctx = auth.login("S0001", TEST_PASSWORD)
    assert auth.session_problem(ctx) is None
    with store.transaction() as session:
        member = session.get(StaffMember, "S0001")
        assert member is not None
        for key, value in change.items():
            setattr(member, key, value)
    problem = auth.session_problem(ctx)
    assert problem is not None and said in problem
