"""Roles and the permission matrix (R-ROLE-1, R-ROLE-2), in one place.

Every service entry point asks ``require(actor_roles, action)``; the GUI only reflects the
answer. View and update rights are separate actions per function.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class Role(StrEnum):
    """The roles of R-ROLE-1; values are stable codes stored with staff accounts."""

    CLERK = "clerk"
    CONTRACTOR = "contractor"
    SUPERVISOR = "supervisor"
    PROTECTION_OFFICER = "protection_officer"
    ADMIN = "admin"
    AUDITOR = "auditor"


ROLE_LABELS: dict[Role, str] = {
    Role.CLERK: "窓口職員",
    Role.CONTRACTOR: "委託事業者オペレーター",
    Role.SUPERVISOR: "審査・決裁者",
    Role.PROTECTION_OFFICER: "支援措置責任者",
    Role.ADMIN: "システム管理者",
    Role.AUDITOR: "監査担当",
}


class Action(StrEnum):
    """Things a service can be asked to do; each is checked against the matrix.

    Only actions that have a service entry point are listed: intake, review and approval,
    certificates, card reading and 支援措置 release join the matrix with their services, and
    tests/app/test_permission_matrix.py walks every role × action at the service layer.
    """

    SEARCH_PERSON = "search_person"
    VIEW_PERSON = "view_person"
    SEARCH_BY_INDIVIDUAL_NUMBER = "search_by_individual_number"
    VIEW_INDIVIDUAL_NUMBER = "view_individual_number"
    VIEW_RESIDENT_CODE = "view_resident_code"
    VIEW_HONSEKI = "view_honseki"
    VIEW_RESIDENCE_STATUS = "view_residence_status"
    READ_CARD = "read_card"
    INTAKE = "intake"
    REVIEW = "review"
    PROPOSE_CORRECTION = "propose_correction"
    APPROVE_CORRECTION = "approve_correction"
    STAFF_ADMIN = "staff_admin"
    AUDIT_VIEW = "audit_view"
    INTERFACE_OPERATE = "interface_operate"
    ISSUE_CERTIFICATE = "issue_certificate"
    MANAGE_PROTECTION = "manage_protection"
    RELEASE_PROTECTION = "release_protection"


ACTION_LABELS: dict[Action, str] = {
    Action.SEARCH_PERSON: "住民検索",
    Action.VIEW_PERSON: "住民票照会",
    Action.SEARCH_BY_INDIVIDUAL_NUMBER: "個人番号による検索",
    Action.VIEW_INDIVIDUAL_NUMBER: "個人番号の表示",
    Action.VIEW_RESIDENT_CODE: "住民票コードの表示",
    Action.VIEW_HONSEKI: "本籍・筆頭者の表示",
    Action.VIEW_RESIDENCE_STATUS: "在留資格等の表示",
    Action.READ_CARD: "マイナンバーカードの読取・真正性確認",
    Action.INTAKE: "異動届の受付（仮登録）",
    Action.REVIEW: "審査・決裁（本登録・差戻し）",
    Action.PROPOSE_CORRECTION: "職権修正・誤記修正・取消の起票",
    Action.APPROVE_CORRECTION: "職権修正・誤記修正・取消の決裁",
    Action.STAFF_ADMIN: "職員・端末の管理",
    Action.AUDIT_VIEW: "監査ログの照会",
    Action.INTERFACE_OPERATE: "連携キューの運用",
    Action.ISSUE_CERTIFICATE: "証明書の交付",
    Action.MANAGE_PROTECTION: "支援措置・発行抑止の管理",
    Action.RELEASE_PROTECTION: "支援措置・発行抑止の一時解除（審査）",
}

_A = Action
PERMISSIONS: dict[Role, frozenset[Action]] = {
    Role.CLERK: frozenset(
        {
            _A.SEARCH_PERSON,
            _A.VIEW_PERSON,
            _A.VIEW_HONSEKI,
            _A.VIEW_RESIDENCE_STATUS,
            _A.READ_CARD,
            _A.INTAKE,
            _A.PROPOSE_CORRECTION,
            _A.ISSUE_CERTIFICATE,
        }
    ),
    Role.CONTRACTOR: frozenset({_A.SEARCH_PERSON, _A.VIEW_PERSON, _A.INTAKE}),
    Role.SUPERVISOR: frozenset(
        {
            _A.SEARCH_PERSON,
            _A.VIEW_PERSON,
            _A.SEARCH_BY_INDIVIDUAL_NUMBER,
            _A.VIEW_INDIVIDUAL_NUMBER,
            _A.VIEW_RESIDENT_CODE,
            _A.VIEW_HONSEKI,
            _A.VIEW_RESIDENCE_STATUS,
            _A.READ_CARD,
            _A.INTAKE,
            _A.REVIEW,
            _A.PROPOSE_CORRECTION,
            _A.APPROVE_CORRECTION,
            _A.ISSUE_CERTIFICATE,
        }
    ),
    # 支援措置責任者: registers and ends measures and holds, and reviews the one request a
    # measure blocks (R-CERT-4); the release must come from someone other than the clerk.
    Role.PROTECTION_OFFICER: frozenset(
        {_A.SEARCH_PERSON, _A.VIEW_PERSON, _A.MANAGE_PROTECTION, _A.RELEASE_PROTECTION}
    ),
    # IT operations: queue status, (re)delivery, imports and purges; payloads it sees are
    # masked (個人番号, 住民票コード…), and it gets no register rights from this.
    Role.ADMIN: frozenset({_A.STAFF_ADMIN, _A.INTERFACE_OPERATE}),
    Role.AUDITOR: frozenset({_A.AUDIT_VIEW}),
}


class PermissionDenied(Exception):
    """The acting staff member's roles do not allow the action."""

    def __init__(self, action: Action) -> None:
        super().__init__(f"この操作（{ACTION_LABELS[action]}）を行う権限がありません。")
        self.action = action


def allowed(roles: Iterable[Role], action: Action) -> bool:
    """True when any of ``roles`` grants ``action``."""
    return any(action in PERMISSIONS[role] for role in roles)


def require(roles: Iterable[Role], action: Action) -> None:
    """Raise PermissionDenied unless one of ``roles`` grants ``action``."""
    if not allowed(roles, action):
        raise PermissionDenied(action)
