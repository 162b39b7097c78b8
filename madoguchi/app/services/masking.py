"""Masking of 個人番号 and the other restricted items, in one place (R-MASK-1…3, j1390).

Every screen, printout and export asks this module what to show. A role that may not see an
item gets its mask and never the value. 個人番号 and 住民票コード stay masked even for roles that
may see them, until the user reveals them for one person with a reason; the reveal is
audited and lasts REVEAL_SECONDS (the screen also re-masks when the user leaves the person).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from madoguchi.app.context import ServiceContext
from madoguchi.app.domain.individual_number import MASK as INDIVIDUAL_NUMBER_MASK
from madoguchi.app.domain.permissions import Action, PermissionDenied, allowed
from madoguchi.storage.audit import append_audit
from madoguchi.storage.models import Person
from madoguchi.storage.store import LocalStore

REVEAL_SECONDS = 30
NOT_PERMITTED = "（表示権限なし）"


class RestrictedItem(StrEnum):
    """Items whose display depends on the role (standard/j1390.txt)."""

    INDIVIDUAL_NUMBER = "individual_number"
    RESIDENT_CODE = "resident_code"
    HONSEKI = "honseki"
    RESIDENCE_STATUS = "residence_status"


ITEM_LABELS = {
    RestrictedItem.INDIVIDUAL_NUMBER: "個人番号",
    RestrictedItem.RESIDENT_CODE: "住民票コード",
    RestrictedItem.HONSEKI: "本籍・筆頭者",
    RestrictedItem.RESIDENCE_STATUS: "在留資格等",
}
VIEW_ACTIONS = {
    RestrictedItem.INDIVIDUAL_NUMBER: Action.VIEW_INDIVIDUAL_NUMBER,
    RestrictedItem.RESIDENT_CODE: Action.VIEW_RESIDENT_CODE,
    RestrictedItem.HONSEKI: Action.VIEW_HONSEKI,
    RestrictedItem.RESIDENCE_STATUS: Action.VIEW_RESIDENCE_STATUS,
}
MASKS = {
    RestrictedItem.INDIVIDUAL_NUMBER: INDIVIDUAL_NUMBER_MASK,
    RestrictedItem.RESIDENT_CODE: "●" * 11,
    RestrictedItem.HONSEKI: NOT_PERMITTED,
    RestrictedItem.RESIDENCE_STATUS: NOT_PERMITTED,
}
REVEAL_REQUIRED = frozenset({RestrictedItem.INDIVIDUAL_NUMBER, RestrictedItem.RESIDENT_CODE})


class RevealRefused(ValueError):
    """A reveal was asked without a reason or for something that has no value."""


def may_see(ctx: ServiceContext, item: RestrictedItem) -> bool:
    """Whether the actor's role may see ``item`` at all."""
    return allowed(ctx.actor.roles, VIEW_ACTIONS[item])


def may_reveal(ctx: ServiceContext, item: RestrictedItem) -> bool:
    """Whether the screen should offer a reveal for ``item``."""
    return item in REVEAL_REQUIRED and may_see(ctx, item)


def shown(ctx: ServiceContext, item: RestrictedItem, value: str | None) -> str:
    """What a screen, printout or export shows for ``item`` before any reveal."""
    if not may_see(ctx, item) or item in REVEAL_REQUIRED:
        return MASKS[item]
    return value or ""


@dataclass(frozen=True)
class Revealed:
    """A revealed value and when the screen must mask it again."""

    atena_no: str
    item: RestrictedItem
    value: str
    until: dt.datetime

    def __repr__(self) -> str:
        return f"Revealed({self.atena_no}, {self.item}, <hidden>, until={self.until:%H:%M:%S})"


def _value(person: Person, item: RestrictedItem) -> str | None:
    if item is RestrictedItem.INDIVIDUAL_NUMBER:
        return person.individual_number
    if item is RestrictedItem.RESIDENT_CODE:
        return person.resident_code
    if item is RestrictedItem.HONSEKI:
        return f"{person.honseki or ''}　筆頭者 {person.hittosha or ''}"
    return f"{person.residence_status or ''} {person.period_of_stay or ''}"


class RevealService:
    """Reveals one restricted item of one person, with a reason, audited."""

    def __init__(self, store: LocalStore) -> None:
        self._store = store

    def reveal(
        self, ctx: ServiceContext, atena_no: str, item: RestrictedItem, reason: str
    ) -> Revealed:
        """The value of ``item`` for ``atena_no``; the reveal and its reason are audited."""
        if not may_see(ctx, item):
            raise PermissionDenied(VIEW_ACTIONS[item])
        reason = reason.strip()
        if len(reason) < 2:
            raise RevealRefused(
                f"{ITEM_LABELS[item]}を表示する理由を入力してください（例: 本人からの申出の確認）。"
            )
        with self._store.transaction() as session:
            person = session.get(Person, atena_no)
            value = _value(person, item) if person is not None else None
            if not value:
                raise RevealRefused(f"この住民には{ITEM_LABELS[item]}が記録されていません。")
            now = ctx.now()
            append_audit(
                session,
                at=now,
                terminal_id=ctx.terminal_id,
                staff_no=ctx.actor.staff_no,
                action="reveal",
                target_persons=[atena_no],
                detail={"item": item.value},
                purpose=reason,
            )
        return Revealed(atena_no, item, value, now + dt.timedelta(seconds=REVEAL_SECONDS))
