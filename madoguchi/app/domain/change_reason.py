"""異動事由 (change reasons) of standard/j210.txt, with stable codes.

Codes are ``A01``… for 記載 (a record is created), ``B01``… for 消除 (a record
is closed) and ``C01``… for 修正 (a record is corrected). A code, once shipped,
never changes meaning; new reasons get new numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "CHANGE_REASONS",
    "ChangeCategory",
    "ChangeReason",
    "UnknownChangeReason",
    "change_reason",
    "change_reasons_for",
]


class ChangeCategory(StrEnum):
    """The three kinds of change of j210."""

    ENTRY = "記載"
    REMOVAL = "消除"
    CORRECTION = "修正"


class UnknownChangeReason(ValueError):
    """Raised by :func:`change_reason` for a code that is not in :data:`CHANGE_REASONS`."""


@dataclass(frozen=True)
class ChangeReason:
    """One 異動事由: code, display name, category and the residents it applies to."""

    code: str
    name: str
    category: ChangeCategory
    foreign_only: bool = False
    japanese_only: bool = False

    def applies_to(self, *, foreign: bool) -> bool:
        """True when the reason may be used for a foreign (or a Japanese) resident."""
        return not (self.japanese_only if foreign else self.foreign_only)

    def __str__(self) -> str:
        return self.name


_E, _R, _C = ChangeCategory.ENTRY, ChangeCategory.REMOVAL, ChangeCategory.CORRECTION

# 記載の事由
MOVE_IN_DOMESTIC = ChangeReason("A01", "国内転入", _E)
MOVE_IN_FROM_ABROAD = ChangeReason("A02", "国外転入等", _E)
BIRTH = ChangeReason("A03", "出生", _E)
EX_OFFICIO_ENTRY_NATURALIZATION = ChangeReason("A04", "職権記載（帰化等）", _E, japanese_only=True)
EX_OFFICIO_ENTRY_NATIONALITY_LOSS = ChangeReason(
    "A05", "職権記載（国籍喪失）", _E, foreign_only=True
)
EX_OFFICIO_ENTRY = ChangeReason("A06", "職権記載", _E)
REFORMAT_ENTRY = ChangeReason("A07", "改製", _E)
RECREATION_ENTRY = ChangeReason("A08", "再製", _E)
CANCEL_ENTRY = ChangeReason("A09", "異動の取消し（増）", _E)

# 消除の事由
MOVE_OUT_DOMESTIC = ChangeReason("B01", "国内転出", _R)
MOVE_OUT_ABROAD = ChangeReason("B02", "国外転出", _R)
DEATH = ChangeReason("B03", "死亡", _R)
EX_OFFICIO_REMOVAL_NATURALIZATION = ChangeReason("B04", "職権消除（帰化等）", _R, foreign_only=True)
EX_OFFICIO_REMOVAL_NATIONALITY_LOSS = ChangeReason(
    "B05", "職権消除（国籍喪失）", _R, japanese_only=True
)
EX_OFFICIO_REMOVAL = ChangeReason("B06", "職権消除", _R)
REFORMAT_REMOVAL = ChangeReason("B07", "改製", _R)
RECREATION_REMOVAL = ChangeReason("B08", "再製", _R)
CANCEL_REMOVAL = ChangeReason("B09", "異動の取消し（減）", _R)

# 修正の事由
MOVE_WITHIN = ChangeReason("C01", "転居", _C)
MINOR_CORRECTION = ChangeReason("C02", "軽微な修正", _C)
EX_OFFICIO_CORRECTION = ChangeReason("C03", "職権修正", _C)
CLERICAL_CORRECTION = ChangeReason("C04", "誤記修正", _C)
INDIVIDUAL_NUMBER_CHANGE_REQUEST = ChangeReason("C05", "個人番号の変更請求", _C)
INDIVIDUAL_NUMBER_EX_OFFICIO_CORRECTION = ChangeReason("C06", "個人番号の職権修正", _C)
INDIVIDUAL_NUMBER_EX_OFFICIO_ENTRY = ChangeReason("C07", "個人番号の職権記載", _C)
RESIDENT_CODE_CHANGE_REQUEST = ChangeReason("C08", "住民票コードの変更請求", _C)
RESIDENT_CODE_EX_OFFICIO_ENTRY = ChangeReason("C09", "住民票コードの職権記載", _C)
HOUSEHOLD_SPLIT = ChangeReason("C10", "世帯分離", _C)
HOUSEHOLD_MERGE = ChangeReason("C11", "世帯合併", _C)
HOUSEHOLD_CHANGE = ChangeReason("C12", "世帯変更", _C)
HOUSEHOLDER_CHANGE = ChangeReason("C13", "世帯主変更", _C)
# 旧氏 is recorded for Japanese residents only (施行令 §30-13); 通称 for foreign residents
# only (施行令 §30-16). j210 does not mark these, the law does.
FORMER_SURNAME_ENTRY = ChangeReason("C14", "旧氏の記載", _C, japanese_only=True)
FORMER_SURNAME_CHANGE = ChangeReason("C15", "旧氏の変更", _C, japanese_only=True)
FORMER_SURNAME_REMOVAL = ChangeReason("C16", "旧氏の削除", _C, japanese_only=True)
ALIAS_ENTRY = ChangeReason("C17", "通称の記載", _C, foreign_only=True)
ALIAS_REMOVAL = ChangeReason("C18", "通称の削除", _C, foreign_only=True)
CANCEL_CORRECTION = ChangeReason("C19", "異動の取消し（修正）", _C)

CHANGE_REASONS: tuple[ChangeReason, ...] = (
    MOVE_IN_DOMESTIC,
    MOVE_IN_FROM_ABROAD,
    BIRTH,
    EX_OFFICIO_ENTRY_NATURALIZATION,
    EX_OFFICIO_ENTRY_NATIONALITY_LOSS,
    EX_OFFICIO_ENTRY,
    REFORMAT_ENTRY,
    RECREATION_ENTRY,
    CANCEL_ENTRY,
    MOVE_OUT_DOMESTIC,
    MOVE_OUT_ABROAD,
    DEATH,
    EX_OFFICIO_REMOVAL_NATURALIZATION,
    EX_OFFICIO_REMOVAL_NATIONALITY_LOSS,
    EX_OFFICIO_REMOVAL,
    REFORMAT_REMOVAL,
    RECREATION_REMOVAL,
    CANCEL_REMOVAL,
    MOVE_WITHIN,
    MINOR_CORRECTION,
    EX_OFFICIO_CORRECTION,
    CLERICAL_CORRECTION,
    INDIVIDUAL_NUMBER_CHANGE_REQUEST,
    INDIVIDUAL_NUMBER_EX_OFFICIO_CORRECTION,
    INDIVIDUAL_NUMBER_EX_OFFICIO_ENTRY,
    RESIDENT_CODE_CHANGE_REQUEST,
    RESIDENT_CODE_EX_OFFICIO_ENTRY,
    HOUSEHOLD_SPLIT,
    HOUSEHOLD_MERGE,
    HOUSEHOLD_CHANGE,
    HOUSEHOLDER_CHANGE,
    FORMER_SURNAME_ENTRY,
    FORMER_SURNAME_CHANGE,
    FORMER_SURNAME_REMOVAL,
    ALIAS_ENTRY,
    ALIAS_REMOVAL,
    CANCEL_CORRECTION,
)
REASON_NAMES: dict[str, str] = {reason.code: reason.name for reason in CHANGE_REASONS}
"""Every 異動事由 of j210, in the standard's order."""

_BY_CODE = {reason.code: reason for reason in CHANGE_REASONS}


def change_reason(code: str) -> ChangeReason:
    """Return the reason with ``code``; raise :class:`UnknownChangeReason` (a ValueError)."""
    try:
        return _BY_CODE[code.strip().upper()]
    except KeyError:
        raise UnknownChangeReason(
            f"異動事由コード「{code}」は登録されていません。一覧から異動事由を選び直してください。"
        ) from None


def change_reasons_for(
    category: ChangeCategory | None = None, *, foreign: bool | None = None
) -> tuple[ChangeReason, ...]:
    """Return the reasons of ``category`` (all when None) usable for the given kind of resident."""
    return tuple(
        r
        for r in CHANGE_REASONS
        if (category is None or r.category is category)
        and (foreign is None or r.applies_to(foreign=foreign))
    )
