"""Tests for 異体字 folding, name keys and the 外字 check."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from madoguchi.app.domain.variants import (
    VARIANT_GROUPS,
    fold_variants,
    gaiji_characters,
    has_gaiji,
    name_key,
    strip_variation_selectors,
)

IVS = "\U000e0100"
# Compatibility ideographs are escaped: editors normalise them away.
COMPAT_SAKI = "\ufa11"
COMPAT_TSUKA = "\ufa10"
COMPAT_TAKASHI = "\uf9dc"

REQUIRED = {
    "辺": "邊邉边",
    "浜": "濱濵滨",
    "斉": "齊齋斎",
    "高": "髙",
    "崎": COMPAT_SAKI + "嵜碕",
    "沢": "澤",
    "島": "嶋嶌",
    "広": "廣",
    "国": "國",
    "桜": "櫻",
    "真": "眞",
    "竜": "龍",
    "瀬": "瀨",
    "富": "冨",
    "吉": "\U00020bb7",
    "隆": COMPAT_TAKASHI,
    "徳": "德",
    "恵": "惠",
    "栄": "榮",
    "藤": "籐䕨籘",
    "関": "關",
    "塚": COMPAT_TSUKA,
    "槙": "槇",
    "桧": "檜",
    "曽": "曾",
    "条": "條",
    "蔵": "藏",
    "礼": "禮",
    "実": "實",
    "寿": "壽",
    "恒": "恆",
}

CJK_SAMPLE = "".join(rep + variants for rep, variants in VARIANT_GROUPS) + "山田太郎花子佐藤"
names = st.text(alphabet=CJK_SAMPLE + "ｱｲｳﾞあいＡＢab 　", max_size=12)


def test_escapes_are_really_compatibility_ideographs() -> None:
    assert unicodedata.name(COMPAT_SAKI) == "CJK COMPATIBILITY IDEOGRAPH-FA11"
    assert unicodedata.normalize("NFKC", COMPAT_SAKI) == COMPAT_SAKI
    assert unicodedata.normalize("NFC", COMPAT_TSUKA) == "塚"


@pytest.mark.parametrize(("representative", "variants"), REQUIRED.items())
def test_required_variants_fold(representative: str, variants: str) -> None:
    assert fold_variants(representative) == representative
    for variant in variants:
        assert fold_variants(variant) == representative, hex(ord(variant))


def test_names() -> None:
    assert name_key("渡邊　太郎") == name_key("渡辺太郎") == "渡辺太郎"
    assert name_key("髙橋") == name_key("高橋")
    assert name_key(COMPAT_SAKI + "山") == name_key("崎山") == name_key("嵜山")
    assert name_key("齋藤") == name_key("斎藤") == name_key("斉藤") == name_key("齊藤")
    assert name_key("ＳＭＩＴＨ　John") == "SMITHJOHN"
    assert name_key("ｻｲﾄｳ") == "サイトウ"
    assert name_key("ｳ ﾞ") == name_key("ｳﾞ") == name_key("ウ\u3099") == "ヴ"
    assert name_key("山田") != name_key("田山")


def test_variation_selectors_are_stripped_for_keys_only() -> None:
    stored = "葛" + IVS + "城"
    assert strip_variation_selectors(stored) == "葛城"
    assert fold_variants(stored) == "葛城"
    assert name_key(stored) == name_key("葛城")
    assert fold_variants("辻\ufe00") == "辻"
    assert len(stored) == 3  # the caller's value is untouched


def test_compatibility_ideographs_fold_to_unified() -> None:
    assert fold_variants("\ufa18") == "礼"
    assert fold_variants("\U0002f872") == "寿"


def test_representatives_are_never_folded() -> None:
    for representative, _ in VARIANT_GROUPS:
        assert fold_variants(representative) == representative


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("山田太郎", []),
        ("さいとう サイトウ ABC 123", []),
        ("髙橋", ["髙"]),
        ("𠮷田𠮷男", ["𠮷"]),
        ("葛" + IVS + "城", []),
        ("渡邉", []),
        ("", []),
    ],
)
def test_gaiji(text: str, expected: list[str]) -> None:
    assert gaiji_characters(text) == expected
    assert has_gaiji(text) is bool(expected)


@given(st.text(max_size=20))
def test_fold_is_idempotent(text: str) -> None:
    once = fold_variants(text)
    assert fold_variants(once) == once


@given(names)
def test_name_key_is_idempotent(text: str) -> None:
    key = name_key(text)
    assert name_key(key) == key


@given(names, names)
def test_name_key_ignores_spaces(first: str, second: str) -> None:
    assert name_key(first + " " + second) == name_key(first + second)
    assert name_key(first + "\u3000" + second) == name_key(first + second)


@given(names, st.sampled_from([IVS, "\U000e0101", "\U000e01ef", "\ufe00"]))
def test_selectors_do_not_change_the_key(text: str, selector: str) -> None:
    decorated = "".join(c + selector if "\u4e00" <= c <= "\u9fff" else c for c in text)
    assert name_key(decorated) == name_key(text)
    assert has_gaiji(decorated) == has_gaiji(text)


@given(st.text(max_size=20))
def test_gaiji_characters_agree_with_has_gaiji(text: str) -> None:
    found = gaiji_characters(text)
    assert has_gaiji(text) is bool(found)
    assert len(found) == len(set(found))
