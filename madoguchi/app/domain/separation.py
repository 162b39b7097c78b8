"""Separation of duties (R-ROLE-3, R-REVIEW-3), as rules the services call.

- Nobody approves an entry they made or changed: the approver must be none of its makers.
- Roles that may not be held together: a contractor operator cannot be a supervisor.
- Nobody changes their own roles (an admin cannot grant roles to themself).
"""

from __future__ import annotations

from collections.abc import Iterable

from madoguchi.app.domain.permissions import ROLE_LABELS, Role

INCOMPATIBLE_ROLES: tuple[frozenset[Role], ...] = (frozenset({Role.CONTRACTOR, Role.SUPERVISOR}),)


class SeparationOfDutiesViolation(ValueError):
    """The same person would hold two duties that must be held by different people."""


def check_approver(approver_staff_no: str, maker_staff_nos: Iterable[str]) -> None:
    """Refuse an approval by anyone who made or changed the entry."""
    if approver_staff_no in set(maker_staff_nos):
        raise SeparationOfDutiesViolation(
            "自分が受け付けた、または修正した届出は決裁できません。"
            "別の審査・決裁者に決裁を依頼してください。"
        )


def check_role_set(roles: Iterable[Role]) -> None:
    """Refuse a set of roles that one person may not hold together."""
    chosen = set(roles)
    for pair in INCOMPATIBLE_ROLES:
        if pair <= chosen:
            first, second = sorted(pair)
            raise SeparationOfDutiesViolation(
                f"{ROLE_LABELS[first]}は{ROLE_LABELS[second]}を兼ねられません。"
                "どちらか一方の権限だけを選んでください。"
            )


def check_grant(granter_staff_no: str, grantee_staff_no: str) -> None:
    """Refuse a change of one's own roles."""
    if granter_staff_no == grantee_staff_no:
        raise SeparationOfDutiesViolation(
            "自分自身の権限は変更できません。別のシステム管理者に依頼してください。"
        )
