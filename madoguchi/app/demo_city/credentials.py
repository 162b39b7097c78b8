"""Demo sign-in credentials: one published demo password, and TOTP on one supervisor.

These are demo-only values, printed by ``python main.py --demo --list-demo-staff``; a real
installation creates accounts through the admin screen with personal passwords.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from madoguchi.app.services.passwords import hash_password
from madoguchi.storage.models import StaffMember

DEMO_PASSWORD = "madoguchi-demo-2026"
"""The demo accounts' password (≥ 12 characters, R-ROLE-4)."""

DEMO_TOTP = {"S0006": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"}
"""Demo accounts that use a TOTP second factor, with their (published, demo-only) secret."""


def install_demo_credentials(session: Session, today: dt.date) -> None:
    """Give every demo account the demo password (changed ``today``) and the demo TOTP."""
    password_hash = hash_password(DEMO_PASSWORD)
    for staff in session.scalars(select(StaffMember)):
        staff.password_hash = password_hash
        staff.password_changed_on = today
        if staff.staff_no in DEMO_TOTP:
            staff.second_factor = "totp"
            staff.totp_secret = DEMO_TOTP[staff.staff_no]
