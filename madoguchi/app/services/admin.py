"""Staff and terminal administration (R-ROLE-1…4, standard/j1380.txt, j230.txt).

Only the システム管理者 may call these (``Action.STAFF_ADMIN``), and never on their own
account (R-ROLE-3: an admin cannot grant roles to themself, nor re-enable, unlock, reset or
re-enrol their own account). Every change is audited and enqueued as a ``staff_changed`` or
``terminal_changed`` op in the same transaction, so a disable reaches every terminal at the
next sync (R-ROLE-4). Neither the audit detail nor the op ever carries a password, a password
hash or a TOTP secret.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from madoguchi.app.context import ServiceContext
from madoguchi.app.domain.permissions import (
    ACTION_LABELS,
    PERMISSIONS,
    ROLE_LABELS,
    Action,
    Role,
)
from madoguchi.app.domain.separation import (
    SeparationOfDutiesViolation,
    check_grant,
    check_role_set,
)
from madoguchi.app.services.passwords import check_policy, expired, hash_password
from madoguchi.app.services.second_factor import (
    SECOND_FACTORS,
    new_totp_secret,
    provisioning_uri,
)
from madoguchi.storage.audit import append_audit
from madoguchi.storage.models import StaffMember, Terminal
from madoguchi.storage.outbox import enqueue_op
from madoguchi.storage.store import LocalStore

STAFF_NO_PATTERN = re.compile(r"[A-Za-z0-9]{1,16}", re.ASCII)
TERMINAL_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,15}", re.ASCII)


class AdminRefused(ValueError):
    """An administration request the rules refuse; the message says why and what to do."""


class UnknownStaff(LookupError):
    """No account has the given staff number."""

    def __init__(self, staff_no: str) -> None:
        super().__init__(
            f"職員番号 {staff_no} のアカウントはありません。一覧を更新して確認してください。"
        )
        self.staff_no = staff_no


class UnknownTerminal(LookupError):
    """No terminal has the given id."""

    def __init__(self, terminal_id: str) -> None:
        super().__init__(
            f"端末ID {terminal_id} の端末は登録されていません。一覧を更新して確認してください。"
        )
        self.terminal_id = terminal_id


@dataclass(frozen=True)
class AccountRow:
    """One staff account as the admin screen shows it; never a hash or a secret."""

    staff_no: str
    name: str
    office: str
    role_labels: str
    roles: tuple[Role, ...]
    valid_from: dt.date
    valid_until: dt.date | None
    disabled: bool
    locked: bool
    failed_logins: int
    second_factor: str | None
    password_changed_on: dt.date | None
    password_expired: bool


@dataclass(frozen=True)
class TerminalRow:
    """One registered terminal."""

    terminal_id: str
    office: str
    description: str
    active: bool


@dataclass(frozen=True)
class TotpEnrolment:
    """A fresh TOTP secret and its otpauth:// URI, shown once to hand to the staff member."""

    staff_no: str
    secret: str
    uri: str


@dataclass(frozen=True)
class PermissionRow:
    """One action of the matrix and, per role of ``PermissionMatrix.roles``, whether granted."""

    action: Action
    label: str
    granted: tuple[bool, ...]


@dataclass(frozen=True)
class PermissionMatrix:
    """The permission matrix (R-ROLE-2): actions × roles, read from ``PERMISSIONS``."""

    roles: tuple[Role, ...]
    role_labels: tuple[str, ...]
    rows: tuple[PermissionRow, ...]


def validate_roles(roles: Iterable[Role | str]) -> tuple[Role, ...]:
    """The roles as a sorted tuple, or AdminRefused when the separation rules refuse them."""
    try:
        chosen = {Role(role) for role in roles}
    except ValueError as exc:
        raise AdminRefused(f"不明な権限が指定されました（{exc}）。") from exc
    if not chosen:
        raise AdminRefused("権限が選択されていません。少なくとも1つの権限を選んでください。")
    try:
        check_role_set(chosen)
    except SeparationOfDutiesViolation as exc:
        raise AdminRefused(str(exc)) from exc
    return tuple(role for role in Role if role in chosen)


def _check_validity(valid_from: dt.date, valid_until: dt.date | None) -> None:
    if valid_until is not None and valid_until < valid_from:
        raise AdminRefused("有効期間の終了日が開始日より前です。終了日を開始日以降にしてください。")


def _refuse_self(ctx: ServiceContext, staff_no: str, what: str) -> None:
    # R-ROLE-3: an admin changes only other people's accounts.
    if staff_no == ctx.actor.staff_no:
        raise AdminRefused(f"自分自身の{what}できません。別のシステム管理者に依頼してください。")


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _roles_text(roles: Iterable[Role]) -> str:
    return "・".join(ROLE_LABELS[role] for role in roles)


def _account_state(staff: StaffMember) -> dict[str, Any]:
    """What other terminals need to know of an account: no hash, no secret."""
    return {
        "staff_no": staff.staff_no,
        "name": staff.name,
        "office": staff.office,
        "roles": list(staff.roles),
        "valid_from": staff.valid_from.isoformat(),
        "valid_until": _iso(staff.valid_until),
        "disabled": staff.disabled,
        "locked_at": _iso(staff.locked_at),
        "failed_logins": staff.failed_logins,
        "second_factor": staff.second_factor,
        "password_changed_on": _iso(staff.password_changed_on),
        "row_version": staff.row_version,
    }


class AdminService:
    """Staff accounts, terminals and the permission matrix for the システム管理者."""

    def __init__(self, store: LocalStore) -> None:
        self._store = store

    def accounts(self, ctx: ServiceContext) -> list[AccountRow]:
        """Every account in staff-number order, disabled ones included."""
        ctx.actor.require(Action.STAFF_ADMIN)
        today = ctx.today()
        with self._store.transaction() as session:
            staff = session.scalars(select(StaffMember).order_by(StaffMember.staff_no)).all()
            return [
                AccountRow(
                    staff_no=s.staff_no,
                    name=s.name,
                    office=s.office,
                    role_labels=_roles_text(Role(r) for r in s.roles),
                    roles=tuple(Role(r) for r in s.roles),
                    valid_from=s.valid_from,
                    valid_until=s.valid_until,
                    disabled=bool(s.disabled),
                    locked=s.locked_at is not None,
                    failed_logins=s.failed_logins or 0,
                    second_factor=s.second_factor,
                    password_changed_on=s.password_changed_on,
                    password_expired=s.password_hash is None
                    or expired(s.password_changed_on, today),
                )
                for s in staff
            ]

    def create_account(
        self,
        ctx: ServiceContext,
        *,
        staff_no: str,
        name: str,
        office: str,
        roles: Iterable[Role | str],
        valid_from: dt.date,
        valid_until: dt.date | None,
        initial_password: str,
    ) -> None:
        """Register a personal account; its owner must change the password at first login."""
        ctx.actor.require(Action.STAFF_ADMIN)
        if not STAFF_NO_PATTERN.fullmatch(staff_no):
            raise AdminRefused(
                "職員番号は半角英数字1〜16文字で入力してください（例: S0123）。"
                "共用のIDは作らず、一人ひとりに番号を割り当ててください。"
            )
        name, office = name.strip(), office.strip()
        if not name:
            raise AdminRefused("氏名が入力されていません。職員の氏名を入力してください。")
        if not office:
            raise AdminRefused("所属が入力されていません。所属部署を入力してください。")
        chosen = validate_roles(roles)
        _check_validity(valid_from, valid_until)
        check_policy(initial_password, staff_no=staff_no)
        password_hash = hash_password(initial_password)
        with self._store.transaction() as session:
            if session.get(StaffMember, staff_no) is not None:
                raise AdminRefused(
                    f"職員番号 {staff_no} は既に使われています。別の番号を指定してください。"
                )
            staff = StaffMember(
                staff_no=staff_no,
                name=name,
                office=office,
                roles=[role.value for role in chosen],
                valid_from=valid_from,
                valid_until=valid_until,
                disabled=False,
                password_hash=password_hash,
                password_changed_on=None,
                failed_logins=0,
                row_version=1,
            )
            session.add(staff)
            session.flush()
            detail = {"name": name, "office": office, "roles": _roles_text(chosen)}
            _record_staff(session, ctx, "account_created", staff, detail)

    def set_roles(self, ctx: ServiceContext, staff_no: str, roles: Iterable[Role | str]) -> None:
        """Replace an account's roles (R-ROLE-3: never one's own; no contractor+supervisor)."""
        ctx.actor.require(Action.STAFF_ADMIN)
        try:
            check_grant(ctx.actor.staff_no, staff_no)
        except SeparationOfDutiesViolation as exc:
            raise AdminRefused(str(exc)) from exc
        chosen = validate_roles(roles)

        def apply(staff: StaffMember) -> dict[str, Any]:
            before = _roles_text(Role(r) for r in staff.roles)
            staff.roles = [role.value for role in chosen]
            return {"before": before, "after": _roles_text(chosen)}

        self._change(ctx, staff_no, "permission_change", apply)

    def set_validity(
        self,
        ctx: ServiceContext,
        staff_no: str,
        valid_from: dt.date,
        valid_until: dt.date | None,
    ) -> None:
        """Set the account's validity period (``valid_until`` None: open-ended)."""
        ctx.actor.require(Action.STAFF_ADMIN)
        _refuse_self(ctx, staff_no, "有効期間は変更")
        _check_validity(valid_from, valid_until)

        def apply(staff: StaffMember) -> dict[str, Any]:
            before = [staff.valid_from.isoformat(), _iso(staff.valid_until)]
            staff.valid_from, staff.valid_until = valid_from, valid_until
            return {"before": before, "after": [valid_from.isoformat(), _iso(valid_until)]}

        self._change(ctx, staff_no, "validity_changed", apply)

    def disable(self, ctx: ServiceContext, staff_no: str, reason: str) -> None:
        """Disable an account at once (R-ROLE-4); ``reason`` is kept in the audit log."""
        ctx.actor.require(Action.STAFF_ADMIN)
        if staff_no == ctx.actor.staff_no:
            raise AdminRefused(
                "自分自身のアカウントは無効化できません。別のシステム管理者に依頼してください。"
            )
        reason = reason.strip()
        if not reason:
            raise AdminRefused(
                "無効化の理由が入力されていません。理由（退職・異動等）を入力してください。"
            )

        def apply(staff: StaffMember) -> dict[str, Any]:
            if staff.disabled:
                raise AdminRefused(f"職員番号 {staff_no} は既に無効です。")
            staff.disabled = True
            return {"disabled": True}

        self._change(ctx, staff_no, "account_disabled", apply, purpose=reason)

    def enable(self, ctx: ServiceContext, staff_no: str) -> None:
        """Enable a disabled account again."""
        ctx.actor.require(Action.STAFF_ADMIN)
        _refuse_self(ctx, staff_no, "アカウントは有効化")

        def apply(staff: StaffMember) -> dict[str, Any]:
            if not staff.disabled:
                raise AdminRefused(f"職員番号 {staff_no} は既に有効です。")
            staff.disabled = False
            return {"disabled": False}

        self._change(ctx, staff_no, "account_enabled", apply)

    def unlock(self, ctx: ServiceContext, staff_no: str) -> None:
        """Lift a lockout after failed logins: clear ``locked_at`` and the failure count."""
        ctx.actor.require(Action.STAFF_ADMIN)
        _refuse_self(ctx, staff_no, "ロックは解除")

        def apply(staff: StaffMember) -> dict[str, Any]:
            if staff.locked_at is None and not staff.failed_logins:
                raise AdminRefused(f"職員番号 {staff_no} はロックされていません。")
            detail = {
                "failed_logins": staff.failed_logins,
                "was_locked": staff.locked_at is not None,
            }
            staff.locked_at, staff.failed_logins = None, 0
            return detail

        self._change(ctx, staff_no, "account_unlocked", apply)

    def reset_password(self, ctx: ServiceContext, staff_no: str, new_password: str) -> None:
        """Set an initial password the owner must change at next login; clears the lock."""
        ctx.actor.require(Action.STAFF_ADMIN)
        _refuse_self(ctx, staff_no, "パスワードは初期化")
        check_policy(new_password, staff_no=staff_no)
        password_hash = hash_password(new_password)

        def apply(staff: StaffMember) -> dict[str, Any]:
            staff.password_hash = password_hash
            staff.password_changed_on = None
            staff.locked_at, staff.failed_logins = None, 0
            return {"must_change_at_login": True}

        self._change(ctx, staff_no, "password_reset", apply)

    def enroll_totp(self, ctx: ServiceContext, staff_no: str) -> TotpEnrolment:
        """Give the account a fresh TOTP secret; the result is shown once and not kept."""
        ctx.actor.require(Action.STAFF_ADMIN)
        _refuse_self(ctx, staff_no, "二要素認証は登録")
        secret = new_totp_secret()

        def apply(staff: StaffMember) -> dict[str, Any]:
            before = staff.second_factor
            staff.second_factor, staff.totp_secret, staff.totp_last_step = "totp", secret, None
            return {"before": before, "after": "totp"}

        self._change(ctx, staff_no, "second_factor_enrolled", apply)
        return TotpEnrolment(staff_no, secret, provisioning_uri(secret, staff_no))

    def remove_second_factor(self, ctx: ServiceContext, staff_no: str) -> None:
        """Remove the account's second factor (lost phone or card); enrol a new one next."""
        ctx.actor.require(Action.STAFF_ADMIN)
        _refuse_self(ctx, staff_no, "二要素認証は解除")

        def apply(staff: StaffMember) -> dict[str, Any]:
            if staff.second_factor is None:
                raise AdminRefused(f"職員番号 {staff_no} には二要素認証が登録されていません。")
            before = staff.second_factor
            staff.second_factor, staff.totp_secret, staff.totp_last_step = None, None, None
            return {"before": before, "after": None}

        self._change(ctx, staff_no, "second_factor_removed", apply)

    def terminals(self, ctx: ServiceContext) -> list[TerminalRow]:
        """Every registered terminal in id order."""
        ctx.actor.require(Action.STAFF_ADMIN)
        with self._store.transaction() as session:
            rows = session.scalars(select(Terminal).order_by(Terminal.terminal_id)).all()
            return [
                TerminalRow(t.terminal_id, t.office, t.description, bool(t.active)) for t in rows
            ]

    def register_terminal(
        self, ctx: ServiceContext, terminal_id: str, office: str, description: str
    ) -> None:
        """Register a terminal and the place (本庁・支所・出張所…) it stands in (j230)."""
        ctx.actor.require(Action.STAFF_ADMIN)
        if not TERMINAL_ID_PATTERN.fullmatch(terminal_id):
            raise AdminRefused(
                "端末IDは半角英数字とハイフンで16文字以内にしてください（例: HONCHO-T05）。"
            )
        office, description = office.strip(), description.strip()
        if not office:
            raise AdminRefused(
                "設置場所が入力されていません。本庁・支所等の場所を入力してください。"
            )
        with self._store.transaction() as session:
            if session.get(Terminal, terminal_id) is not None:
                raise AdminRefused(
                    f"端末ID {terminal_id} は既に登録されています。別のIDを指定してください。"
                )
            terminal = Terminal(
                terminal_id=terminal_id, office=office, description=description, active=True
            )
            session.add(terminal)
            session.flush()
            _record_terminal(session, ctx, "terminal_registered", terminal)

    def set_terminal_active(self, ctx: ServiceContext, terminal_id: str, active: bool) -> None:
        """Allow or stop the use of a terminal; the one in use cannot stop itself."""
        ctx.actor.require(Action.STAFF_ADMIN)
        if not active and terminal_id == ctx.terminal_id:
            raise AdminRefused("操作中のこの端末は無効にできません。別の端末から操作してください。")
        with self._store.transaction() as session:
            terminal = session.get(Terminal, terminal_id)
            if terminal is None:
                raise UnknownTerminal(terminal_id)
            if bool(terminal.active) == active:
                state = "有効" if active else "無効"
                raise AdminRefused(f"端末 {terminal_id} は既に{state}です。")
            terminal.active = active
            action = "terminal_activated" if active else "terminal_deactivated"
            _record_terminal(session, ctx, action, terminal)

    def permission_matrix(self, ctx: ServiceContext) -> PermissionMatrix:
        """The matrix of ``permissions.PERMISSIONS``, read-only, for the admin screen."""
        ctx.actor.require(Action.STAFF_ADMIN)
        roles = tuple(Role)
        return PermissionMatrix(
            roles=roles,
            role_labels=tuple(ROLE_LABELS[role] for role in roles),
            rows=tuple(
                PermissionRow(
                    action,
                    ACTION_LABELS[action],
                    tuple(action in PERMISSIONS[role] for role in roles),
                )
                for action in Action
            ),
        )

    def _change(
        self,
        ctx: ServiceContext,
        staff_no: str,
        action: str,
        apply: Callable[[StaffMember], dict[str, Any]],
        *,
        purpose: str | None = None,
    ) -> None:
        with self._store.transaction() as session:
            staff = session.get(StaffMember, staff_no)
            if staff is None:
                raise UnknownStaff(staff_no)
            detail = apply(staff)
            staff.row_version = (staff.row_version or 0) + 1
            session.flush()
            _record_staff(session, ctx, action, staff, detail, purpose=purpose)


def _record_staff(
    session: Session,
    ctx: ServiceContext,
    action: str,
    staff: StaffMember,
    detail: dict[str, Any],
    *,
    purpose: str | None = None,
) -> None:
    state = _account_state(staff)
    detail = {"staff_no": staff.staff_no, **detail}
    _record(session, ctx, action, detail, purpose, "staff_changed", {"account": state})


def _record_terminal(
    session: Session, ctx: ServiceContext, action: str, terminal: Terminal
) -> None:
    state = {
        "terminal_id": terminal.terminal_id,
        "office": terminal.office,
        "description": terminal.description,
        "active": bool(terminal.active),
    }
    _record(session, ctx, action, state, None, "terminal_changed", {"terminal": state})


def _record(
    session: Session,
    ctx: ServiceContext,
    action: str,
    detail: dict[str, Any],
    purpose: str | None,
    op_type: str,
    payload: dict[str, Any],
) -> None:
    # The audit entry and the op that syncs the change commit with it (R-STORE-2).
    now = ctx.now()
    who = {"terminal_id": ctx.terminal_id, "staff_no": ctx.actor.staff_no}
    append_audit(session, at=now, action=action, detail=detail, purpose=purpose, **who)
    payload = {"change": action, **payload}
    enqueue_op(session, op_type=op_type, payload=payload, created_at=now, **who)


def second_factor_label(kind: str | None) -> str:
    """The Japanese label of a second-factor kind, or 「なし」."""
    if kind is None:
        return "なし"
    factor = SECOND_FACTORS.get(kind)
    return factor.label if factor is not None else kind
