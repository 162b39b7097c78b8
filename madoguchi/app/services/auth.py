"""Sign-in, second factor, password change, lockout and screen unlock (R-ROLE-4, R-ROLE-5).

Every attempt is audited (who, terminal, time, success or failure and why — never the
password or code). Five consecutive failures lock the account until an admin unlocks it.
A failed attempt is committed before the error is raised, so the count survives a restart.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from madoguchi.app.context import Actor, Clock, ServiceContext
from madoguchi.app.domain.permissions import Role
from madoguchi.app.services import passwords
from madoguchi.app.services.second_factor import SECOND_FACTORS
from madoguchi.storage.audit import append_audit
from madoguchi.storage.models import StaffMember
from madoguchi.storage.store import LocalStore

BAD_CREDENTIALS = "職員番号またはパスワードが正しくありません。"


class LoginRefused(ValueError):
    """Sign-in refused; the message says why and what to do."""


class AccountLocked(LoginRefused):
    """Too many failures: only an admin can unlock the account."""


class SecondFactorRequired(LoginRefused):
    """The password was right; the account's second factor must be given too."""


class PasswordExpired(LoginRefused):
    """The password was right but must be changed before work can start."""


@dataclass(frozen=True)
class _Outcome:
    error: LoginRefused | None = None
    actor: Actor | None = None


def _active(staff: StaffMember, today: dt.date) -> bool:
    if staff.disabled or staff.valid_from > today:
        return False
    return staff.valid_until is None or staff.valid_until >= today


class AuthService:
    """Checks credentials on one terminal and hands out the ServiceContext for the session."""

    def __init__(self, store: LocalStore, terminal_id: str, clock: Clock) -> None:
        self._store = store
        self._terminal_id = terminal_id
        self._clock = clock

    def _audit(self, session: Session, staff_no: str, action: str, **detail: object) -> None:
        append_audit(
            session,
            at=self._clock.now(),
            terminal_id=self._terminal_id,
            staff_no=staff_no,
            action=action,
            detail=dict(detail),
        )

    def _fail(self, session: Session, staff: StaffMember, reason: str) -> LoginRefused:
        staff.failed_logins += 1
        left = passwords.MAX_FAILED_LOGINS - staff.failed_logins
        self._audit(session, staff.staff_no, "login_failed", reason=reason)
        if left <= 0:
            staff.locked_at = self._clock.now()
            self._audit(session, staff.staff_no, "account_locked", failures=staff.failed_logins)
            return AccountLocked(
                "認証に5回続けて失敗したため、アカウントをロックしました。"
                "システム管理者にロック解除を依頼してください。"
            )
        return LoginRefused(f"{BAD_CREDENTIALS}あと{left}回失敗するとロックされます。")

    def _check(
        self,
        session: Session,
        staff_no: str,
        password: str,
        second_factor_code: str | None,
        *,
        action: str,
    ) -> _Outcome:
        now = self._clock.now()
        staff = session.get(StaffMember, staff_no)
        if staff is None:
            self._audit(session, staff_no, "login_failed", reason="unknown_staff")
            return _Outcome(LoginRefused(BAD_CREDENTIALS))
        if staff.locked_at is not None:
            self._audit(session, staff_no, "login_failed", reason="locked")
            return _Outcome(
                AccountLocked(
                    "このアカウントはロックされています。システム管理者にロック解除を依頼してください。"
                )
            )
        if not _active(staff, now.date()):
            self._audit(session, staff_no, "login_failed", reason="inactive")
            return _Outcome(
                LoginRefused(
                    "このアカウントは無効か有効期間外です。システム管理者に確認してください。"
                )
            )
        if not passwords.verify_password(staff.password_hash, password):
            return _Outcome(self._fail(session, staff, "password"))
        factor = SECOND_FACTORS.get(staff.second_factor or "")
        if factor is not None and staff.totp_secret:
            if not second_factor_code:
                self._audit(session, staff_no, "second_factor_asked")
                return _Outcome(
                    SecondFactorRequired(f"{factor.label}の6桁のコードを入力してください。")
                )
            step = factor.verify(staff.totp_secret, second_factor_code, now, staff.totp_last_step)
            if step is None:
                return _Outcome(self._fail(session, staff, "second_factor"))
            staff.totp_last_step = step
        staff.failed_logins = 0
        if staff.password_hash and passwords.needs_rehash(staff.password_hash):
            staff.password_hash = passwords.hash_password(password)
        if action == "login" and passwords.expired(staff.password_changed_on, now.date()):
            self._audit(session, staff_no, "login_failed", reason="password_expired")
            return _Outcome(
                PasswordExpired(
                    "パスワードの有効期限が切れているか、初期パスワードのままです。"
                    "新しいパスワードを設定してください。"
                )
            )
        self._audit(session, staff_no, action)
        actor = Actor(
            staff_no=staff.staff_no,
            name=staff.name,
            office=staff.office,
            roles=frozenset(Role(r) for r in staff.roles),
        )
        return _Outcome(actor=actor)

    def login(
        self, staff_no: str, password: str, second_factor_code: str | None = None
    ) -> ServiceContext:
        """Sign in; raises a LoginRefused subclass saying what is wrong or what is missing."""
        with self._store.transaction() as session:
            outcome = self._check(
                session, staff_no.strip(), password, second_factor_code, action="login"
            )
        if outcome.error is not None:
            raise outcome.error
        assert outcome.actor is not None
        return ServiceContext(actor=outcome.actor, terminal_id=self._terminal_id, clock=self._clock)

    def change_password(
        self,
        staff_no: str,
        old_password: str,
        new_password: str,
        second_factor_code: str | None = None,
    ) -> None:
        """Set a new password after proving the old one (first login, expiry, or by choice)."""
        passwords.check_policy(new_password, staff_no=staff_no, old_password=old_password)
        with self._store.transaction() as session:
            outcome = self._check(
                session,
                staff_no.strip(),
                old_password,
                second_factor_code,
                action="password_check",
            )
            if outcome.error is None:
                staff = session.get(StaffMember, staff_no.strip())
                assert staff is not None
                staff.password_hash = passwords.hash_password(new_password)
                staff.password_changed_on = self._clock.now().date()
                self._audit(session, staff.staff_no, "password_changed")
        if outcome.error is not None:
            raise outcome.error

    def lock(self, ctx: ServiceContext, reason: str) -> None:
        """Record that the screen was locked (idle or shortcut)."""
        with self._store.transaction() as session:
            self._audit(session, ctx.actor.staff_no, "lock", reason=reason)

    def unlock(
        self, ctx: ServiceContext, password: str, second_factor_code: str | None = None
    ) -> None:
        """Unlock the screen with the same user's credentials; failures count toward lockout."""
        with self._store.transaction() as session:
            outcome = self._check(
                session, ctx.actor.staff_no, password, second_factor_code, action="unlock"
            )
        if outcome.error is not None:
            raise outcome.error

    def session_problem(self, ctx: ServiceContext) -> str | None:
        """Why the signed-in session must end now, or None while it holds.

        An account disabled, locked, past its validity or given other roles — at another
        terminal, arriving here by sync (R-ROLE-4) — ends the session at once: the rights it
        was opened with are no longer the account's.
        """
        with self._store.transaction() as session:
            staff = session.get(StaffMember, ctx.actor.staff_no)
            if staff is None or not _active(staff, self._clock.now().date()):
                return "このアカウントは無効になりました（管理者による変更）。ログアウトします。"
            if staff.locked_at is not None:
                return "このアカウントはロックされました。ログアウトします。"
            if frozenset(Role(r) for r in staff.roles) != ctx.actor.roles:
                return "このアカウントの権限が変更されました。もう一度ログインしてください。"
        return None

    def logout(self, ctx: ServiceContext) -> None:
        """Record the end of the session."""
        with self._store.transaction() as session:
            self._audit(session, ctx.actor.staff_no, "logout")
