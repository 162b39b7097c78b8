"""Demo staff accounts (one or more for every role), terminals and store facts.

The staff are invented people. Accounts follow R-ROLE-1/3: personal numbers, a validity
period, one person with two roles (clerk and supervisor, so the self-approval rule can be
shown) and one disabled account of someone who left.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from madoguchi.app.demo_city.identifiers import TERMINALS
from madoguchi.app.domain.permissions import Role

MAIN_OFFICE = "本庁舎 市民課"
BRANCH_OFFICE = "北支所"


@dataclass(frozen=True)
class DemoStaff:
    """One demo account."""

    staff_no: str
    name: str
    office: str
    roles: tuple[Role, ...]
    valid_from: date
    valid_until: date | None = None
    disabled: bool = False


DEMO_STAFF: tuple[DemoStaff, ...] = (
    DemoStaff("S0001", "青山 真理", MAIN_OFFICE, (Role.CLERK,), date(2019, 4, 1)),
    DemoStaff("S0002", "森下 健太", MAIN_OFFICE, (Role.CLERK,), date(2023, 4, 1)),
    DemoStaff("S0003", "北原 由香", BRANCH_OFFICE, (Role.CLERK,), date(2021, 4, 1)),
    DemoStaff(
        "S0004", "小西 翔", MAIN_OFFICE, (Role.CONTRACTOR,), date(2025, 4, 1), date(2027, 3, 31)
    ),
    DemoStaff("S0005", "中川 誠", MAIN_OFFICE, (Role.SUPERVISOR,), date(2015, 4, 1)),
    DemoStaff("S0006", "西田 智子", BRANCH_OFFICE, (Role.SUPERVISOR,), date(2018, 4, 1)),
    DemoStaff("S0007", "松井 恵", MAIN_OFFICE, (Role.PROTECTION_OFFICER,), date(2020, 4, 1)),
    DemoStaff("S0008", "石原 学", MAIN_OFFICE, (Role.ADMIN,), date(2017, 4, 1)),
    DemoStaff("S0009", "長井 直美", MAIN_OFFICE, (Role.AUDITOR,), date(2022, 4, 1)),
    DemoStaff("S0010", "林 裕子", BRANCH_OFFICE, (Role.CLERK, Role.SUPERVISOR), date(2016, 4, 1)),
    DemoStaff(
        "S0011", "上原 隆", MAIN_OFFICE, (Role.CLERK,), date(2012, 4, 1), date(2026, 3, 31), True
    ),
)
"""The demo city's staff accounts."""


def staff_rows() -> list[dict[str, Any]]:
    """Rows of the ``staff`` table."""
    return [
        {
            "staff_no": staff.staff_no,
            "name": staff.name,
            "office": staff.office,
            "roles": [role.value for role in staff.roles],
            "valid_from": staff.valid_from,
            "valid_until": staff.valid_until,
            "disabled": staff.disabled,
            "row_version": 1,
        }
        for staff in DEMO_STAFF
    ]


def terminal_rows() -> list[dict[str, Any]]:
    """Rows of the ``terminals`` table."""
    return [
        {"terminal_id": t.terminal_id, "office": t.office, "description": t.description}
        for t in TERMINALS
    ]
