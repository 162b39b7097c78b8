"""Kana normalisation and the fuzzy kana search key of standard/j330.txt (R-SRCH-2).

The key (清音化かな) is derived, never typed (R-DATA-5). Rules, in order:

1. hiragana and half-width katakana become full-width katakana;
2. spaces and ・ are removed (j330: the space between 氏 and 名 is ignored);
3. ヴァ/ヴィ/ヴェ/ヴォ become バ/ビ/ベ/ボ, ヴ becomes ブ (j330: ヴァ=バ, ヴ=ブ);
4. ヂ→ジ and ヅ→ズ, so that ヂ=ジ and ヅ=ズ (j330) survive step 5;
5. voiced and semi-voiced marks are dropped (ガ→カ, パ→ハ, ジ→シ);
6. small kana become large (ッ→ツ, ャ→ヤ, ァ→ア, ヮ→ワ, ヵ→カ, ヶ→ケ),
   ヲ→オ, ヰ→イ, ヱ→エ, and ワ→ハ (j330: ワ=ハ);
7. lengthening is dropped: every long-vowel mark or dash (ー ― － ‐ ｰ - …), and,
   from the second kana on, a ウ or オ that follows a kept オ段 kana.
   So サイトウ, サイトオ, サイトー and サイト share the key サイト (j330: ウ after
   オ段 reads as オ, and 長音の有無を無視).

Spaces are removed before step 7, so ``カトウ オサム`` and ``カトウオサム`` give the same
key (``カトサム``) and the key is idempotent. A search by the given name alone uses the
separate key of the given name (``search_key("オサム")``), not a substring of this one.
"""

from __future__ import annotations

import re
import unicodedata

import jaconv

__all__ = ["is_kana", "is_katakana_name", "search_key", "to_katakana"]

_SPACES = re.compile(r"[\s\u3000]+")
_WORD_SEPARATORS = re.compile(r"[\s\u3000・･]+")
# Long-vowel marks and every dash a user or an IME may type in their place (j330).
_LENGTHENING = "ー―－‐ｰ-‒–—−‑─"
_LENGTHENING_RE = re.compile("[" + re.escape(_LENGTHENING) + "]")

_VU = {"ヴァ": "バ", "ヴィ": "ビ", "ヴェ": "ベ", "ヴォ": "ボ", "ヴ": "ブ"}
_VU_RE = re.compile("ヴ[ァィェォ]?")
_OLD_VOICED = str.maketrans(
    {"ヷ": "バ", "ヸ": "ビ", "ヹ": "ベ", "ヺ": "ボ", "ヂ": "ジ", "ヅ": "ズ"}
)
# Every voiced or semi-voiced katakana maps to its plain kana; stray marks are deleted.
_UNVOICE: dict[int, str | None] = {
    ord(c): unicodedata.normalize("NFD", c)[0]
    for c in map(chr, range(0x30A1, 0x30FB))
    if len(unicodedata.normalize("NFD", c)) == 2
}
_UNVOICE.update(dict.fromkeys(map(ord, "\u3099\u309a\u309b\u309c\uff9e\uff9f")))
_COMBINING_VOICED = re.compile("[\u3041-\u30ff][\u3099\u309a]")
_PLAIN = str.maketrans(
    "ァィゥェォッャュョヮヵヶヲヰヱワㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿ",
    "アイウエオツヤユヨハカケオイエハクシストヌハヒフヘホムラリルレロ",
)
_O_ROW = frozenset("オコソトノホモヨロ")

_KANA_CHARS = (
    r"\u3041-\u3096\u3099-\u309f"  # hiragana, voice marks, ゝゞ
    r"\u30a1-\u30fa\u30fc-\u30ff"  # katakana, ー, ヽヾ
    r"\u31f0-\u31ff"  # small katakana extension
    r"\uff66-\uff9f"  # half-width katakana
)
_KANA_RE = re.compile(rf"[{_KANA_CHARS}・･ \u3000]+")
_HAS_KANA_RE = re.compile(rf"[{_KANA_CHARS}]")
_KATAKANA_NAME_RE = re.compile(r"[\u30a1-\u30fa\u30fc\u31f0-\u31ff・ \u3000]+")
_HAS_KATAKANA_RE = re.compile(r"[\u30a1-\u30fa\u31f0-\u31ff]")


def to_katakana(text: str) -> str:
    """Return ``text`` with hiragana and half-width katakana as full-width katakana.

    Runs of spaces (half- or full-width) become one ASCII space and the ends are
    trimmed; kanji, digits and letters are left as they are.
    """
    composed = _COMBINING_VOICED.sub(lambda m: unicodedata.normalize("NFC", m.group()), text)
    katakana = jaconv.h2z(jaconv.hira2kata(composed), kana=True, ascii=False, digit=False)
    return _SPACES.sub(" ", str(katakana)).strip()


def is_kana(text: str) -> bool:
    """True when ``text`` holds kana only (hiragana, katakana, ー, ・ and spaces)."""
    return bool(_KANA_RE.fullmatch(text)) and bool(_HAS_KANA_RE.search(text))


def is_katakana_name(text: str) -> bool:
    """True when ``text`` is a name in full-width katakana (with ー, ・ and spaces)."""
    return bool(_KATAKANA_NAME_RE.fullmatch(text)) and bool(_HAS_KATAKANA_RE.search(text))


def _word_key(word: str) -> str:
    word = _VU_RE.sub(lambda m: _VU[m.group()], word).translate(_OLD_VOICED)
    word = word.translate(_UNVOICE).translate(_PLAIN)
    kept: list[str] = []
    for char in word:
        if _LENGTHENING_RE.fullmatch(char):
            continue
        if kept and char in "ウオ" and kept[-1] in _O_ROW:
            continue
        kept.append(char)
    return "".join(kept)


def search_key(text: str) -> str:
    """Return the 清音化 search key of a kana name (see the module docstring for the rules).

    The same name written in hiragana, katakana or half-width katakana, with or
    without voiced marks, small kana, long vowels or spaces, gives the same key.
    """
    return _word_key(_WORD_SEPARATORS.sub("", to_katakana(text)))
