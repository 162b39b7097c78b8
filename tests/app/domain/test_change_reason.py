"""Tests for the 異動事由 reference data (j210)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from madoguchi.app.domain import change_reason as module
from madoguchi.app.domain.change_reason import (
    CHANGE_REASONS,
    ChangeCategory,
    ChangeReason,
    UnknownChangeReason,
    change_reason,
    change_reasons_for,
)

# The items of standard/j210.txt, in its order.
J210 = {
    ChangeCategory.ENTRY: [
        "国内転入",
        "国外転入等",
        "出生",
        "職権記載（帰化等）",
        "職権記載（国籍喪失）",
        "職権記載",
        "改製",
        "再製",
        "異動の取消し（増）",
    ],
    ChangeCategory.REMOVAL: [
        "国内転出",
        "国外転出",
        "死亡",
        "職権消除（帰化等）",
        "職権消除（国籍喪失）",
        "職権消除",
        "改製",
        "再製",
        "異動の取消し（減）",
    ],
    ChangeCategory.CORRECTION: [
        "転居",
        "軽微な修正",
        "職権修正",
        "誤記修正",
        "個人番号の変更請求",
        "個人番号の職権修正",
        "個人番号の職権記載",
        "住民票コードの変更請求",
        "住民票コードの職権記載",
        "世帯分離",
        "世帯合併",
        "世帯変更",
        "世帯主変更",
        "旧氏の記載",
        "旧氏の変更",
        "旧氏の削除",
        "通称の記載",
        "通称の削除",
        "異動の取消し（修正）",
    ],
}
PREFIX = {ChangeCategory.ENTRY: "A", ChangeCategory.REMOVAL: "B", ChangeCategory.CORRECTION: "C"}


def test_every_item_of_j210_is_present_in_order() -> None:
    for category, names in J210.items():
        assert [r.name for r in CHANGE_REASONS if r.category is category] == names


def test_codes_are_unique_and_ranged() -> None:
    codes = [r.code for r in CHANGE_REASONS]
    assert len(codes) == len(set(codes)) == 37
    for reason in CHANGE_REASONS:
        assert reason.code[0] == PREFIX[reason.category]
        assert reason.code[1:].isdigit() and len(reason.code) == 3


def test_category_values() -> None:
    assert [c.value for c in ChangeCategory] == ["記載", "消除", "修正"]
    assert str(ChangeCategory.ENTRY) == "記載"


@pytest.mark.parametrize(
    ("constant", "name", "category"),
    [
        ("MOVE_IN_DOMESTIC", "国内転入", "記載"),
        ("MOVE_IN_FROM_ABROAD", "国外転入等", "記載"),
        ("BIRTH", "出生", "記載"),
        ("MOVE_OUT_DOMESTIC", "国内転出", "消除"),
        ("MOVE_OUT_ABROAD", "国外転出", "消除"),
        ("DEATH", "死亡", "消除"),
        ("MOVE_WITHIN", "転居", "修正"),
        ("HOUSEHOLD_SPLIT", "世帯分離", "修正"),
        ("HOUSEHOLD_MERGE", "世帯合併", "修正"),
        ("HOUSEHOLD_CHANGE", "世帯変更", "修正"),
        ("HOUSEHOLDER_CHANGE", "世帯主変更", "修正"),
        ("EX_OFFICIO_ENTRY", "職権記載", "記載"),
        ("EX_OFFICIO_REMOVAL", "職権消除", "消除"),
        ("EX_OFFICIO_CORRECTION", "職権修正", "修正"),
        ("CLERICAL_CORRECTION", "誤記修正", "修正"),
        ("CANCEL_ENTRY", "異動の取消し（増）", "記載"),
        ("CANCEL_REMOVAL", "異動の取消し（減）", "消除"),
        ("CANCEL_CORRECTION", "異動の取消し（修正）", "修正"),
        ("ALIAS_ENTRY", "通称の記載", "修正"),
        ("ALIAS_REMOVAL", "通称の削除", "修正"),
        ("MINOR_CORRECTION", "軽微な修正", "修正"),
    ],
)
def test_named_constants(constant: str, name: str, category: str) -> None:
    reason = getattr(module, constant)
    assert isinstance(reason, ChangeReason)
    assert (reason.name, reason.category.value) == (name, category)
    assert change_reason(reason.code) is reason


def test_resident_kind_flags() -> None:
    by_name = {(r.category, r.name): r for r in CHANGE_REASONS}
    assert by_name[ChangeCategory.ENTRY, "職権記載（帰化等）"].japanese_only
    assert by_name[ChangeCategory.ENTRY, "職権記載（国籍喪失）"].foreign_only
    assert by_name[ChangeCategory.REMOVAL, "職権消除（帰化等）"].foreign_only
    assert by_name[ChangeCategory.REMOVAL, "職権消除（国籍喪失）"].japanese_only
    assert module.ALIAS_ENTRY.foreign_only and not module.ALIAS_ENTRY.applies_to(foreign=False)
    assert module.BIRTH.applies_to(foreign=True) and module.BIRTH.applies_to(foreign=False)
    for reason in CHANGE_REASONS:
        assert not (reason.foreign_only and reason.japanese_only)


def test_change_reasons_for() -> None:
    removals = change_reasons_for(ChangeCategory.REMOVAL)
    assert all(r.category is ChangeCategory.REMOVAL for r in removals)
    assert len(removals) == 9
    japanese = change_reasons_for(foreign=False)
    assert module.ALIAS_ENTRY not in japanese
    assert module.FORMER_SURNAME_ENTRY in japanese
    assert change_reasons_for() == CHANGE_REASONS


def test_lookup_is_lenient_about_case_and_spaces() -> None:
    assert change_reason(" a01 ") is module.MOVE_IN_DOMESTIC
    assert str(module.DEATH) == "死亡"


def test_unknown_code() -> None:
    with pytest.raises(UnknownChangeReason, match="登録されていません") as info:
        change_reason("Z99")
    assert isinstance(info.value, ValueError)
    assert not isinstance(info.value, KeyError)


@given(st.text(max_size=5))
def test_lookup_returns_or_raises_value_error(code: str) -> None:
    try:
        reason = change_reason(code)
    except ValueError:
        return
    assert reason in CHANGE_REASONS
