"""同期の確認: both versions of what a conflicting or refused op touched, item by item.

This terminal's version (the op's effect or payload) beside the centre's (the state it sent
back), for every household and person, and for a 支援措置, 発行抑止 or 一時解除. 個人番号 and
住民票コード are always masked here; the other restricted items follow the role; a
支援措置's contents are shown only to the staff who handle 支援措置.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from madoguchi.app.context import ServiceContext
from madoguchi.app.domain.permissions import Action, allowed
from madoguchi.app.services.display import SEX_LABELS, STATUS_LABELS
from madoguchi.app.services.masking import MASKS, REVEAL_REQUIRED, RestrictedItem, may_see
from madoguchi.app.services.review.service import FIELD_LABELS
from madoguchi.storage.sync.problems import SyncProblem

HOUSEHOLD_LABELS: Final = {
    "household_no": "世帯番号",
    "address": "住所",
    "banchi": "番地",
    "katagaki": "方書",
    "postal_code": "郵便番号",
    "removed": "消除",
}
PROTECTION_LABELS: Final = {
    "measure": {
        "measure_id": "支援措置番号",
        "starts_on": "開始日",
        "ends_on": "終了予定日",
        "extensions": "延長回数",
        "restricted": "対象事務",
        "ended_on": "終了日",
        "ended_by": "終了した職員",
        "end_reason": "終了の理由",
        "row_version": "版",
    },
    "hold": {
        "hold_id": "発行抑止番号",
        "level": "抑止の程度",
        "starts_on": "開始日",
        "ends_on": "終了予定日",
        "lifted_on": "解除日",
        "lifted_by": "解除した職員",
        "lift_reason": "解除の理由",
        "row_version": "版",
    },
    "release": {
        "release_id": "一時解除番号",
        "requested_by": "依頼した職員",
        "status": "状態",
        "decided_by": "決定した職員",
        "decision_reason": "決定の理由",
        "valid_until": "有効期限",
    },
}
PROTECTION_SUBJECTS: Final = {"measure": "支援措置", "hold": "発行抑止", "release": "一時解除"}
PROTECTION_HIDDEN: Final = "（支援措置の担当者のみ表示）"
ABSENT: Final = "（記録なし）"
_RESTRICTED: Final = {
    "individual_number": RestrictedItem.INDIVIDUAL_NUMBER,
    "resident_code": RestrictedItem.RESIDENT_CODE,
    "honseki": RestrictedItem.HONSEKI,
    "hittosha": RestrictedItem.HONSEKI,
    "residence_status": RestrictedItem.RESIDENCE_STATUS,
    "residence_card_no": RestrictedItem.RESIDENCE_STATUS,
}
_CODES: Final = {
    "sex": SEX_LABELS,
    "status": STATUS_LABELS,
    "removed": {"True": "消除", "False": "—"},
}


@dataclass(frozen=True)
class ComparedField:
    """One item of one person or household: this terminal's version and the centre's."""

    subject: str
    label: str
    ours: str
    centre: str

    @property
    def differs(self) -> bool:
        """The two versions disagree on this item."""
        return self.ours != self.centre


def _text(ctx: ServiceContext, column: str, value: object) -> str:
    if value is None or value == "":
        return ""
    item = _RESTRICTED.get(column)
    if item is not None and (item in REVEAL_REQUIRED or not may_see(ctx, item)):
        return MASKS[item]  # 個人番号 and 住民票コード always: this screen has no reveal
    if isinstance(value, list):
        return "・".join(str(v) for v in value)
    text = str(value)
    if column.endswith(("_on", "_date")):
        text = text[:10]
    return _CODES.get(column, {}).get(text, text)


def _name(*images: dict[str, Any] | None) -> str:
    for image in images:
        if image and image.get("family_name"):
            return f"{image['family_name']}　{image.get('given_name') or ''}"
    return ""


def _compare(
    ctx: ServiceContext,
    subject: str,
    labels: dict[str, str],
    ours: dict[str, Any] | None,
    centre: dict[str, Any] | None,
) -> list[ComparedField]:
    fields = []
    for column, label in labels.items():
        mine = ABSENT if ours is None else _text(ctx, column, ours.get(column))
        theirs = ABSENT if centre is None else _text(ctx, column, centre.get(column))
        fields.append(ComparedField(subject, label, mine, theirs))
    return fields


def _present(image: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if image is None or image.get("absent") else image


def compare(ctx: ServiceContext, problem: SyncProblem) -> list[ComparedField]:
    """Every person and household the op touched: this terminal's version beside the centre's."""
    fields: list[ComparedField] = []
    centre_households = {
        str(h["household_no"]): h for h in problem.centre.get("households") or () if h
    }
    for item in problem.ours.get("households") or ():
        number = str(item["household_no"])
        subject = f"世帯 {number}"
        fields += _compare(
            ctx,
            subject,
            HOUSEHOLD_LABELS,
            item.get("after"),
            _present(centre_households.get(number)),
        )
    fields += _compare_protection(ctx, problem)
    centre_persons = {str(p["atena_no"]): p for p in problem.centre.get("persons") or () if p}
    for item in problem.ours.get("persons") or ():
        atena_no = str(item["atena_no"])
        theirs = _present(centre_persons.get(atena_no))
        subject = f"{_name(item.get('after'), theirs)}（宛名番号 {atena_no}）"
        fields += _compare(ctx, subject, FIELD_LABELS, item.get("after"), theirs)
    return fields


def _compare_protection(ctx: ServiceContext, problem: SyncProblem) -> list[ComparedField]:
    """A 支援措置, 発行抑止 or 一時解除 op: the row as this terminal left it and the centre's.

    Only staff who handle 支援措置 see the contents (R-PROT); others see that there is one.
    """
    fields: list[ComparedField] = []
    officer = allowed(ctx.actor.roles, Action.MANAGE_PROTECTION) or allowed(
        ctx.actor.roles, Action.RELEASE_PROTECTION
    )
    for entity, labels in PROTECTION_LABELS.items():
        ours = problem.payload.get(entity) or problem.ours.get(entity)
        theirs = problem.centre.get(entity)
        if not isinstance(ours, dict) and not isinstance(theirs, dict):
            continue
        subject = PROTECTION_SUBJECTS[entity]
        if not officer:
            fields.append(ComparedField(subject, "内容", PROTECTION_HIDDEN, PROTECTION_HIDDEN))
            continue
        fields += _compare(
            ctx,
            subject,
            labels,
            ours if isinstance(ours, dict) else None,
            _present(theirs if isinstance(theirs, dict) else None),
        )
    return fields


def stale_text(stale: dict[str, Any]) -> str:
    entity = {"person": "住民", "household": "世帯", "draft": "仮登録"}.get(
        str(stale.get("entity")), str(stale.get("entity"))
    )
    return f"{entity} {stale.get('key', '')}: " + str(
        stale.get("reason") or "この端末が決裁の前提とした版がセンターで更新されています"
    )
