"""Tests for kana normalisation and the j330 fuzzy search key."""

from __future__ import annotations

import unicodedata

import jaconv
import pytest
from hypothesis import given
from hypothesis import strategies as st

from madoguchi.app.domain.kana import is_kana, is_katakana_name, search_key, to_katakana

KATAKANA = "".join(chr(c) for c in range(0x30A1, 0x30FB)) + "ー"
HIRAGANA = "".join(chr(c) for c in range(0x3041, 0x3097))
katakana_words = st.text(alphabet=KATAKANA, min_size=1, max_size=12)
katakana_names = st.lists(katakana_words, min_size=1, max_size=3).map(" ".join)

SMALL = "ァィゥェォッャュョヮヵヶ"
VOICED = "".join(c for c in KATAKANA if len(unicodedata.normalize("NFD", c)) == 2)
FORBIDDEN = frozenset(SMALL + VOICED + "ー―－‐ｰ- \u3000\u3099\u309a゛゜ﾞﾟヲヰヱワ")


def test_to_katakana() -> None:
    assert to_katakana("やまだ　たろう") == "ヤマダ タロウ"
    assert to_katakana("ﾔﾏﾀﾞ  ﾀﾛｳ") == "ヤマダ タロウ"
    assert to_katakana(" ｶﾞｯｺｳ ") == "ガッコウ"
    assert to_katakana("ゔぁいおりん") == "ヴァイオリン"
    assert to_katakana("か\u3099") == "ガ"
    assert to_katakana("山田 たろう") == "山田 タロウ"


def test_is_kana() -> None:
    assert is_kana("やまだ タロー")
    assert is_kana("ジョン・スミス")
    assert is_kana("ﾔﾏﾀﾞ")
    assert not is_kana("山田")
    assert not is_kana("yamada")
    assert not is_kana("")
    assert not is_kana("　")


def test_is_katakana_name() -> None:
    assert is_katakana_name("ヤマダ タロウ")
    assert is_katakana_name("ヤマダ　ヂロー")
    assert is_katakana_name("ジョン・スミス")
    assert not is_katakana_name("やまだ")
    assert not is_katakana_name("ﾔﾏﾀﾞ")
    assert not is_katakana_name("ヤマダ1")
    assert not is_katakana_name("")


@pytest.mark.parametrize(
    "group",
    [
        ["サイトウ", "サイトオ", "さいとう", "ｻｲﾄｳ", "サイトー", "サイト", "ザイドウ"],
        ["ハマダ", "ハマタ", "はまだ", "ﾊﾏﾀﾞ", "パマダ"],
        ["ジョウ", "ヂョウ", "じょう", "ｼﾞｮｳ", "ジヨウ", "ジョー"],
        ["スズキ", "スヅキ", "ススキ"],
        ["ワタナベ", "ハタナベ", "ヮタナベ"],
        ["ヴァイオリン", "バイオリン"],
        ["ヴィクトリア", "ビクトリア"],
        ["ヴ", "ブ", "フ"],
        ["ヲノ", "オノ"],
        ["ヒロシ", "ピロシ", "ビロシ"],
        ["マツモト", "マッモト"],
        ["キャ", "キヤ"],
        ["ユウコ", "ゆうこ"],
        ["ヤマダ タロウ", "ヤマダタロウ", "やまだ　たろう", "ﾔﾏﾀﾞ ﾀﾛｳ"],
        ["コーダ", "コ―ダ", "コ－ダ", "コ‐ダ", "ｺｰﾀﾞ", "コ-ダ", "コウダ", "コオダ", "コダ"],
        ["ジョン・スミス", "ジョン スミス", "ジョンスミス"],
    ],
)
def test_equal_keys(group: list[str]) -> None:
    keys = {search_key(text) for text in group}
    assert len(keys) == 1, keys


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("サイトウ", "サイト"),
        ("ガッコウ", "カツコ"),
        ("パピプペポ", "ハヒフヘホ"),
        ("ヂヅ", "シス"),
        ("オウタ", "オタ"),
        ("ウタ", "ウタ"),
        ("カトウ オサム", "カトサム"),
        ("ヴァヴィヴヴェヴォ", "ハヒフヘホ"),
        ("", ""),
    ],
)
def test_key_examples(text: str, key: str) -> None:
    assert search_key(text) == key


def test_a_space_between_family_and_given_name_does_not_matter() -> None:
    assert search_key("カトウ　オサム") == search_key("カトウオサム")
    assert search_key("ヤマモト オサム") == search_key("ヤマモトオサム")
    assert search_key("サトウ ウタ") == search_key("サトウウタ")


def test_different_names_stay_different() -> None:
    assert search_key("タナカ") != search_key("ナカタ")
    assert search_key("チカ") != search_key("シカ")
    assert search_key("ユウコ") != search_key("ユコ")


@given(katakana_names)
def test_idempotent(word: str) -> None:
    key = search_key(word)
    assert search_key(key) == key


@given(katakana_names)
def test_hiragana_and_half_width_give_the_same_key(name: str) -> None:
    key = search_key(name)
    assert search_key(jaconv.kata2hira(name)) == key
    assert search_key(jaconv.z2h(name, kana=True, ascii=False, digit=False)) == key
    assert search_key(name.replace(" ", "\u3000")) == key
    assert search_key(to_katakana(name)) == key


@given(st.text(alphabet=HIRAGANA + "ー 　", max_size=12))
def test_hiragana_equals_katakana(text: str) -> None:
    assert search_key(text) == search_key(jaconv.hira2kata(text))


def test_voiced_set_used_by_the_properties() -> None:
    assert {"ガ", "パ", "ヴ", "ヂ"} <= set(VOICED)
    assert "カ" not in VOICED


@given(katakana_names)
def test_key_has_no_small_kana_voice_marks_long_vowels_or_spaces(name: str) -> None:
    assert not FORBIDDEN & set(search_key(name))


@given(katakana_names)
def test_spaces_are_ignored(name: str) -> None:
    assert search_key(name) == search_key(name.replace(" ", ""))


@given(katakana_words, st.sampled_from("ウオー"))
def test_lengthening_after_o_row_is_ignored(word: str, extra: str) -> None:
    stem = word + "ト"
    assert search_key(stem + extra) == search_key(stem)
