"""Account disables and role changes reach every terminal at its next sync (R-ROLE-4)."""

from __future__ import annotations

import pytest

from madoguchi.app.demo_city.credentials import DEMO_PASSWORD
from madoguchi.app.domain.permissions import Role
from madoguchi.app.services.admin import AdminService
from madoguchi.app.services.auth import AuthService, LoginRefused
from madoguchi.storage.models import StaffMember

ADMIN = "S0008"
LEAVER = "S0002"


def staff(terminal, staff_no: str) -> StaffMember:
    with terminal.store.transaction() as session:
        row = session.get(StaffMember, staff_no)
        assert row is not None
        return row


def test_a_disabled_account_cannot_sign_in_on_another_terminal_after_its_next_sync(
    make_terminal, centre
):
    a, b = make_terminal("TERM-A"), make_terminal("TERM-B")
    login_on_b = AuthService(b.store, "TERM-B", b.clock)
    assert login_on_b.login(LEAVER, DEMO_PASSWORD).actor.staff_no == LEAVER

    AdminService(a.store).disable(a.ctx(Role.ADMIN, staff_no=ADMIN), LEAVER, "退職")
    assert a.sync().push.delivered >= 2
    assert centre.scalar("SELECT disabled FROM staff WHERE staff_no = %s", [LEAVER]) is True
    assert b.sync().ok

    synced = staff(b, LEAVER)
    assert synced.disabled
    assert synced.password_hash  # the terminal's own credential columns stay
    with pytest.raises(LoginRefused):
        login_on_b.login(LEAVER, DEMO_PASSWORD)


def test_a_role_change_reaches_other_terminals(make_terminal, centre):
    a, b = make_terminal("TERM-A"), make_terminal("TERM-B")
    AdminService(a.store).set_roles(
        a.ctx(Role.ADMIN, staff_no=ADMIN), LEAVER, [Role.CLERK, Role.SUPERVISOR]
    )
    a.sync()
    b.sync()
    assert sorted(staff(b, LEAVER).roles) == ["clerk", "supervisor"]
    assert sorted(centre.scalar("SELECT roles FROM staff WHERE staff_no = %s", [LEAVER])) == [
        "clerk",
        "supervisor",
    ]


def test_an_admin_cannot_change_their_own_roles_at_the_centre(make_terminal, centre):
    a = make_terminal("TERM-A")
    # A terminal that let it through (tampered): the centre checks again.
    with a.store.transaction() as session:
        session.get(StaffMember, ADMIN).roles = ["admin", "supervisor"]
    from madoguchi.app.services import admin as admin_module

    with a.store.transaction() as session:
        row = session.get(StaffMember, ADMIN)
        ctx = a.ctx(Role.ADMIN, staff_no=ADMIN)
        admin_module._record_staff(session, ctx, "permission_change", row, {})
    report = a.sync()
    assert report.push.rejected == 1
    assert centre.scalar("SELECT roles FROM staff WHERE staff_no = %s", [ADMIN]) == ["admin"]
    assert staff(a, ADMIN).roles == ["admin"]  # the centre's state is put back
