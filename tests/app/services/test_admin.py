"""Staff and terminal administration through the real service on a fresh store (R-ROLE-1…4)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from madoguchi.app.context import ServiceContext
from madoguchi.app.domain.permissions import (
    ACTION_LABELS,
    PERMISSIONS,
    ROLE_LABELS,
    Action,
    PermissionDenied,
    Role,
)
from madoguchi.app.services.admin import (
    AdminRefused,
    AdminService,
    UnknownStaff,
    UnknownTerminal,
)
from madoguchi.app.services.passwords import PasswordRejected, verify_password
from madoguchi.app.services.second_factor import TotpFactor, current_code
from madoguchi.storage.audit import audit_entries, verify_chain
from madoguchi.storage.models import OutboxEntry, StaffMember, Terminal
from madoguchi.storage.store import LocalStore
from tests.helpers.stores import FIXED_NOW, context, copy_store

ADMIN = "A001"
PASSWORD = "Kaisatsu-Sakura-2026"
NON_ADMIN_ROLES = [role for role in Role if role is not Role.ADMIN]


def staff_row(staff_no: str, *roles: Role, **fields: object) -> StaffMember:
    values: dict[str, object] = {
        "staff_no": staff_no,
        "name": f"職員 {staff_no}",
        "office": "本庁舎 市民課",
        "roles": [role.value for role in roles],
        "valid_from": dt.date(2020, 4, 1),
        "valid_until": None,
        "disabled": False,
        "failed_logins": 0,
        "row_version": 1,
    }
    values.update(fields)
    return StaffMember(**values)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStore]:
    """A migrated store with a few accounts, built once and copied for every test."""
    store = LocalStore.open(tmp_path_factory.mktemp("admin") / "template.db", create=True)
    with store.transaction() as session:
        session.add_all(
            [
                staff_row(ADMIN, Role.ADMIN, name="管理 一郎"),
                staff_row("A002", Role.ADMIN),
                staff_row("C001", Role.CLERK),
                staff_row("K001", Role.CONTRACTOR, valid_until=dt.date(2027, 3, 31)),
                staff_row("S001", Role.SUPERVISOR),
                Terminal(terminal_id="TEST-T01", office="本庁舎", description="1番窓口"),
            ]
        )
    yield store
    store.close()


@pytest.fixture
def store(template: LocalStore, tmp_path: Path) -> Iterator[LocalStore]:
    store = copy_store(template, tmp_path / "admin.db")
    yield store
    store.close()


@pytest.fixture
def admin(store: LocalStore) -> AdminService:
    return AdminService(store)


def ctx(*roles: Role, staff_no: str = ADMIN) -> ServiceContext:
    return context(*(roles or (Role.ADMIN,)), staff_no=staff_no)


def staff(store: LocalStore, staff_no: str) -> StaffMember:
    with store.transaction() as session:
        found = session.get(StaffMember, staff_no)
        assert found is not None
        return found


def outbox(store: LocalStore, op_type: str) -> list[OutboxEntry]:
    with store.transaction() as session:
        return list(
            session.scalars(
                select(OutboxEntry).where(OutboxEntry.op_type == op_type).order_by(OutboxEntry.seq)
            )
        )


def actions(store: LocalStore) -> list[str]:
    with store.transaction() as session:
        return [entry.action for entry in audit_entries(session)]


def logged_text(store: LocalStore) -> str:
    """Every audit entry and outbox op as JSON: what leaves this terminal or stays in the log."""
    with store.transaction() as session:
        audit = [
            {"detail": e.detail, "purpose": e.purpose, "targets": e.target_persons}
            for e in audit_entries(session)
        ]
        ops = [e.payload for e in session.scalars(select(OutboxEntry))]
    return json.dumps([audit, ops], ensure_ascii=False)


def create(admin: AdminService, **overrides: object) -> None:
    fields: dict[str, object] = {
        "staff_no": "C002",
        "name": "窓口 花子",
        "office": "北支所",
        "roles": [Role.CLERK],
        "valid_from": dt.date(2026, 11, 1),
        "valid_until": dt.date(2027, 3, 31),
        "initial_password": PASSWORD,
    }
    fields.update(overrides)
    admin.create_account(ctx(), **fields)  # type: ignore[arg-type]


# ----- permission checks ------------------------------------------------------------------


@pytest.mark.parametrize("role", NON_ADMIN_ROLES, ids=lambda r: r.value)
def test_only_the_admin_role_may_list_accounts(admin: AdminService, role: Role) -> None:
    with pytest.raises(PermissionDenied):
        admin.accounts(ctx(role, staff_no="X001"))


@pytest.mark.parametrize("role", NON_ADMIN_ROLES, ids=lambda r: r.value)
def test_only_the_admin_role_may_change_roles(
    admin: AdminService, store: LocalStore, role: Role
) -> None:
    with pytest.raises(PermissionDenied):
        admin.set_roles(ctx(role, staff_no="X001"), "C001", [Role.SUPERVISOR])
    assert staff(store, "C001").roles == ["clerk"]


def test_other_entry_points_check_the_permission_too(admin: AdminService) -> None:
    clerk = ctx(Role.CLERK, Role.SUPERVISOR, staff_no="C001")
    calls: list[Callable[[], object]] = [
        lambda: admin.terminals(clerk),
        lambda: admin.permission_matrix(clerk),
        lambda: admin.disable(clerk, "S001", "退職"),
        lambda: admin.reset_password(clerk, "S001", PASSWORD),
        lambda: admin.enroll_totp(clerk, "S001"),
        lambda: admin.register_terminal(clerk, "TEST-T09", "北支所", ""),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()


# ----- accounts ---------------------------------------------------------------------------


def test_accounts_lists_every_account_without_credentials(
    admin: AdminService, store: LocalStore
) -> None:
    with store.transaction() as session:
        locked = session.get(StaffMember, "S001")
        assert locked is not None
        locked.locked_at, locked.failed_logins = FIXED_NOW, 5
    rows = admin.accounts(ctx())
    assert [r.staff_no for r in rows] == [ADMIN, "A002", "C001", "K001", "S001"]
    by_no = {r.staff_no: r for r in rows}
    assert by_no["K001"].role_labels == "委託事業者オペレーター"
    assert by_no["K001"].valid_until == dt.date(2027, 3, 31)
    assert by_no["S001"].locked and by_no["S001"].failed_logins == 5
    assert not by_no["C001"].locked
    assert by_no["C001"].password_expired  # no password set yet
    fields = set(type(rows[0]).__dataclass_fields__)
    assert not fields & {"password_hash", "totp_secret", "totp_last_step"}


def test_create_account_hashes_the_password_and_asks_for_a_change(
    admin: AdminService, store: LocalStore
) -> None:
    create(admin, roles=[Role.SUPERVISOR, Role.CLERK])
    account = staff(store, "C002")
    assert account.roles == ["clerk", "supervisor"]
    assert account.office == "北支所"
    assert account.password_changed_on is None
    assert account.password_hash and account.password_hash.startswith("$argon2id$")
    assert verify_password(account.password_hash, PASSWORD)
    assert not account.disabled and account.row_version == 1
    row = next(r for r in admin.accounts(ctx()) if r.staff_no == "C002")
    assert row.password_expired  # must be changed at first login
    assert actions(store) == ["account_created"]
    (op,) = outbox(store, "staff_changed")
    assert op.payload["change"] == "account_created"
    assert op.payload["account"]["roles"] == ["clerk", "supervisor"]
    assert op.staff_no == ADMIN and op.terminal_id == "TEST-T01"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"staff_no": "S-01"}, "半角英数字"),
        ({"staff_no": "S" * 17}, "半角英数字"),
        ({"staff_no": "Ｓ０１"}, "半角英数字"),
        ({"staff_no": "C001"}, "既に使われています"),
        ({"name": "  "}, "氏名"),
        ({"roles": []}, "少なくとも1つ"),
        ({"roles": [Role.CONTRACTOR, Role.SUPERVISOR]}, "兼ねられません"),
        ({"valid_until": dt.date(2026, 10, 31)}, "終了日"),
    ],
    ids=["hyphen", "too-long", "full-width", "duplicate", "name", "no-role", "sod", "period"],
)
def test_create_account_refusals(
    admin: AdminService, store: LocalStore, overrides: dict[str, object], message: str
) -> None:
    with pytest.raises(AdminRefused, match=message):
        create(admin, **overrides)
    assert actions(store) == []
    assert outbox(store, "staff_changed") == []


def test_a_short_password_is_refused_with_the_rule(admin: AdminService, store: LocalStore) -> None:
    with pytest.raises(PasswordRejected, match="12文字以上") as refused:
        create(admin, initial_password="short-pw")
    assert "short-pw" not in str(refused.value)
    with pytest.raises(PasswordRejected, match="職員番号"):
        create(admin, initial_password="c002-long-enough-password")
    with store.transaction() as session:
        assert session.get(StaffMember, "C002") is None


def test_set_roles_changes_the_roles_and_bumps_the_version(
    admin: AdminService, store: LocalStore
) -> None:
    admin.set_roles(ctx(), "C001", [Role.CLERK, Role.SUPERVISOR])
    account = staff(store, "C001")
    assert account.roles == ["clerk", "supervisor"]
    assert account.row_version == 2
    with store.transaction() as session:
        (entry,) = audit_entries(session, action="permission_change")
    assert entry.detail == {
        "staff_no": "C001",
        "before": "窓口職員",
        "after": "窓口職員・審査・決裁者",
    }
    assert entry.staff_no == ADMIN
    (op,) = outbox(store, "staff_changed")
    assert op.payload["account"]["roles"] == ["clerk", "supervisor"]
    assert op.payload["account"]["row_version"] == 2


def test_an_admin_cannot_change_their_own_roles(admin: AdminService, store: LocalStore) -> None:
    for roles in ([Role.ADMIN, Role.SUPERVISOR], [Role.AUDITOR]):
        with pytest.raises(AdminRefused, match="自分自身の権限は変更できません"):
            admin.set_roles(ctx(), ADMIN, roles)
    assert staff(store, ADMIN).roles == ["admin"]
    assert actions(store) == []


def test_contractor_cannot_also_be_supervisor(admin: AdminService, store: LocalStore) -> None:
    with pytest.raises(AdminRefused) as refused:
        admin.set_roles(ctx(), "K001", [Role.CONTRACTOR, Role.SUPERVISOR])
    assert "委託事業者オペレーターは審査・決裁者を兼ねられません。" in str(refused.value)
    with pytest.raises(AdminRefused, match="少なくとも1つ"):
        admin.set_roles(ctx(), "K001", [])
    assert staff(store, "K001").roles == ["contractor"]
    assert staff(store, "K001").row_version == 1


def test_unknown_staff_is_a_lookup_error(admin: AdminService) -> None:
    with pytest.raises(LookupError, match="Z999") as missing:
        admin.set_roles(ctx(), "Z999", [Role.CLERK])
    assert isinstance(missing.value, UnknownStaff)
    with pytest.raises(UnknownStaff):
        admin.unlock(ctx(), "Z999")


def test_set_validity(admin: AdminService, store: LocalStore) -> None:
    admin.set_validity(ctx(), "K001", dt.date(2025, 4, 1), dt.date(2028, 3, 31))
    account = staff(store, "K001")
    assert (account.valid_from, account.valid_until) == (dt.date(2025, 4, 1), dt.date(2028, 3, 31))
    admin.set_validity(ctx(), "K001", dt.date(2025, 4, 1), None)
    assert staff(store, "K001").valid_until is None
    with pytest.raises(AdminRefused, match="終了日"):
        admin.set_validity(ctx(), "K001", dt.date(2025, 4, 1), dt.date(2025, 3, 31))
    with pytest.raises(AdminRefused, match="自分自身"):
        admin.set_validity(ctx(), ADMIN, dt.date(2020, 4, 1), None)
    assert actions(store) == ["validity_changed", "validity_changed"]


def test_disable_at_once_and_enable_again(admin: AdminService, store: LocalStore) -> None:
    admin.disable(ctx(), "C001", "退職（2026年10月末）")
    assert staff(store, "C001").disabled
    with store.transaction() as session:
        (entry,) = audit_entries(session, action="account_disabled")
    assert entry.purpose == "退職（2026年10月末）"
    (op,) = outbox(store, "staff_changed")
    assert op.payload["change"] == "account_disabled"
    assert op.payload["account"]["disabled"] is True
    assert next(r for r in admin.accounts(ctx()) if r.staff_no == "C001").disabled
    with pytest.raises(AdminRefused, match="既に無効"):
        admin.disable(ctx(), "C001", "重複")
    admin.enable(ctx(), "C001")
    assert not staff(store, "C001").disabled
    assert actions(store) == ["account_disabled", "account_enabled"]


def test_disable_refusals(admin: AdminService, store: LocalStore) -> None:
    with pytest.raises(AdminRefused, match="自分自身のアカウントは無効化できません"):
        admin.disable(ctx(), ADMIN, "テスト")
    with pytest.raises(AdminRefused, match="理由"):
        admin.disable(ctx(), "C001", "   ")
    assert not staff(store, ADMIN).disabled and not staff(store, "C001").disabled


def test_unlock_clears_the_lock_and_the_failures(admin: AdminService, store: LocalStore) -> None:
    with store.transaction() as session:
        locked = session.get(StaffMember, "C001")
        assert locked is not None
        locked.locked_at, locked.failed_logins = FIXED_NOW, 5
    admin.unlock(ctx(), "C001")
    account = staff(store, "C001")
    assert account.locked_at is None and account.failed_logins == 0
    with pytest.raises(AdminRefused, match="ロックされていません"):
        admin.unlock(ctx(), "C001")
    assert actions(store) == ["account_unlocked"]


def test_reset_password(admin: AdminService, store: LocalStore) -> None:
    with store.transaction() as session:
        member = session.get(StaffMember, "C001")
        assert member is not None
        member.locked_at, member.failed_logins = FIXED_NOW, 5
        member.password_changed_on = dt.date(2026, 6, 1)
    with pytest.raises(PasswordRejected, match="12文字以上"):
        admin.reset_password(ctx(), "C001", "tooshort")
    admin.reset_password(ctx(), "C001", PASSWORD)
    account = staff(store, "C001")
    assert verify_password(account.password_hash, PASSWORD)
    assert account.password_changed_on is None
    assert account.locked_at is None and account.failed_logins == 0
    with pytest.raises(AdminRefused, match="自分自身のパスワード"):
        admin.reset_password(ctx(), ADMIN, PASSWORD)
    assert actions(store) == ["password_reset"]


def test_totp_enrolment_and_removal(admin: AdminService, store: LocalStore) -> None:
    enrolment = admin.enroll_totp(ctx(), "S001")
    assert enrolment.uri.startswith("otpauth://totp/")
    assert "S001" in enrolment.uri
    account = staff(store, "S001")
    assert account.second_factor == "totp"
    assert account.totp_secret == enrolment.secret
    assert account.totp_last_step is None
    code = current_code(enrolment.secret, FIXED_NOW)
    assert TotpFactor().verify(enrolment.secret, code, FIXED_NOW, None) is not None
    row = next(r for r in admin.accounts(ctx()) if r.staff_no == "S001")
    assert row.second_factor == "totp"
    admin.remove_second_factor(ctx(), "S001")
    account = staff(store, "S001")
    assert (account.second_factor, account.totp_secret) == (None, None)
    with pytest.raises(AdminRefused, match="登録されていません"):
        admin.remove_second_factor(ctx(), "S001")
    with pytest.raises(AdminRefused, match="自分自身の二要素認証"):
        admin.enroll_totp(ctx(), ADMIN)
    assert actions(store) == ["second_factor_enrolled", "second_factor_removed"]
    assert enrolment.secret not in logged_text(store)


def test_no_password_hash_or_secret_in_audit_or_outbox(
    admin: AdminService, store: LocalStore
) -> None:
    create(admin)
    admin.reset_password(ctx(), "C001", PASSWORD + "x")
    enrolment = admin.enroll_totp(ctx(), "C002")
    text = logged_text(store)
    assert PASSWORD not in text
    for staff_no in ("C001", "C002"):
        assert str(staff(store, staff_no).password_hash) not in text
    assert enrolment.secret not in text
    assert "argon2" not in text
    assert len(outbox(store, "staff_changed")) == 3
    assert len(outbox(store, "audit_entry")) == 3
    with store.transaction() as session:
        assert verify_chain(session).intact


# ----- terminals and the matrix -----------------------------------------------------------


def test_register_and_switch_terminals(admin: AdminService, store: LocalStore) -> None:
    admin.register_terminal(ctx(), "KITA-T01", "北支所", "北支所 1番窓口")
    rows = admin.terminals(ctx())
    assert [(r.terminal_id, r.office, r.active) for r in rows] == [
        ("KITA-T01", "北支所", True),
        ("TEST-T01", "本庁舎", True),
    ]
    with pytest.raises(AdminRefused, match="既に登録"):
        admin.register_terminal(ctx(), "KITA-T01", "北支所", "")
    with pytest.raises(AdminRefused, match="端末ID"):
        admin.register_terminal(ctx(), "北支所1", "北支所", "")
    admin.set_terminal_active(ctx(), "KITA-T01", False)
    assert not next(r for r in admin.terminals(ctx()) if r.terminal_id == "KITA-T01").active
    admin.set_terminal_active(ctx(), "KITA-T01", True)
    with pytest.raises(AdminRefused, match="この端末"):
        admin.set_terminal_active(ctx(), "TEST-T01", False)
    with pytest.raises(UnknownTerminal):
        admin.set_terminal_active(ctx(), "NONE-T01", False)
    assert actions(store) == [
        "terminal_registered",
        "terminal_deactivated",
        "terminal_activated",
    ]
    ops = outbox(store, "terminal_changed")
    assert [op.payload["terminal"]["active"] for op in ops] == [True, False, True]


def test_permission_matrix_is_the_one_in_permissions(admin: AdminService) -> None:
    matrix = admin.permission_matrix(ctx())
    assert matrix.roles == tuple(Role)
    assert matrix.role_labels == tuple(ROLE_LABELS[r] for r in Role)
    assert [row.action for row in matrix.rows] == list(Action)
    for row in matrix.rows:
        assert row.label == ACTION_LABELS[row.action]
        assert row.granted == tuple(row.action in PERMISSIONS[r] for r in Role)
    staff_admin = next(row for row in matrix.rows if row.action is Action.STAFF_ADMIN)
    assert staff_admin.granted == tuple(r is Role.ADMIN for r in Role)
