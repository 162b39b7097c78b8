"""異体字 folding for name search keys (R-SRCH-2, standard/j330.txt) and the 外字 check.

Only the *keys* are folded: stored names keep their exact characters and their
variation selectors (R-DATA-5). CJK compatibility ideographs are written as
escapes here because editors and tools silently normalise them to the unified
character.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "VARIANT_GROUPS",
    "fold_variants",
    "gaiji_characters",
    "has_gaiji",
    "name_key",
    "strip_variation_selectors",
]

VARIANT_GROUPS: tuple[tuple[str, str], ...] = (
    # (representative, variants folded onto it)
    ("辺", "邊邉边\U00028622"),
    ("浜", "濱濵滨"),
    ("斉", "齊齋斎齐"),
    ("高", "髙"),
    ("崎", "\ufa11嵜碕"),
    ("沢", "澤"),
    ("島", "嶋嶌嶹"),
    ("広", "廣"),
    ("国", "國囯"),
    ("桜", "櫻"),
    ("真", "眞"),
    ("竜", "龍"),
    ("瀬", "瀨"),
    ("富", "冨"),
    ("吉", "\U00020bb7"),
    ("隆", "\uf9dc"),
    ("徳", "德"),
    ("恵", "惠"),
    ("栄", "榮"),
    ("藤", "籐䕨籘"),
    ("関", "關"),
    ("塚", "\ufa10"),
    ("槙", "槇"),
    ("桧", "檜"),
    ("曽", "曾"),
    ("条", "條"),
    ("蔵", "藏"),
    ("礼", "禮"),
    ("実", "實"),
    ("寿", "壽"),
    ("恒", "恆"),
    ("館", "舘"),
    ("峰", "峯"),
    ("柳", "栁"),
    ("桑", "桒"),
    ("野", "埜"),
    ("円", "圓"),
    ("万", "萬"),
    ("与", "與"),
    ("伝", "傳"),
    ("来", "來"),
    ("学", "學"),
    ("児", "兒"),
    ("亀", "龜"),
    ("鉄", "鐵"),
    ("黒", "黑"),
)
"""Variant groups of common surname/given-name characters."""


def _build_fold() -> dict[int, str]:
    fold: dict[int, str] = {}
    # Compatibility ideographs with a canonical mapping fold to the unified character.
    for block in (range(0xF900, 0xFB00), range(0x2F800, 0x2FA20)):
        for code in block:
            unified = unicodedata.normalize("NFC", chr(code))
            if unified != chr(code):
                fold[code] = unified
    for representative, variants in VARIANT_GROUPS:
        for variant in variants:
            if variant != representative:
                fold[ord(variant)] = representative
    # Chain compatibility ideographs through the table (e.g. U+F9DC → 隆 stays 隆).
    return {code: fold.get(ord(target), target) for code, target in fold.items()}


_FOLD = _build_fold()
_SELECTORS = re.compile("[\ufe00-\ufe0f\U000e0100-\U000e01ef]")
_SPACES = re.compile(r"[\s\u3000]+")
_COMBINING_VOICED = re.compile("[\u3041-\u30ff][\u3099\u309a]")
_GAIJI_CODEC = "euc_jis_2004"


def strip_variation_selectors(text: str) -> str:
    """Remove ideographic (U+E0100–U+E01EF) and standard (U+FE00–U+FE0F) variation selectors."""
    return _SELECTORS.sub("", text)


def fold_variants(text: str) -> str:
    """Map each variant character to its group's representative and drop variation selectors.

    For search keys only; never store the result in place of the name.
    """
    return strip_variation_selectors(text).translate(_FOLD)


def _fold_width(text: str) -> str:
    # NFKC only where it means "width": full-width ASCII and half-width katakana.
    # Applying it to whole names would also rewrite compatibility ideographs.
    return re.sub(
        r"[\uff01-\uff5e\uff61-\uff9f]+",
        lambda m: unicodedata.normalize("NFKC", m.group()),
        text,
    )


def name_key(text: str) -> str:
    """Return the search key of a name: variants folded, width folded, spaces removed.

    Latin letters are upper-cased so that alphabet names of foreign residents
    match regardless of case.
    """
    folded = _fold_width(fold_variants(_SPACES.sub("", text)))
    composed = _COMBINING_VOICED.sub(lambda m: unicodedata.normalize("NFC", m.group()), folded)
    return composed.upper()


def _is_gaiji(char: str) -> bool:
    try:
        char.encode(_GAIJI_CODEC)
    except UnicodeEncodeError:
        return True
    return False


def gaiji_characters(text: str) -> list[str]:
    """Return the distinct characters of ``text`` outside JIS X 0213, in order of appearance.

    Variation selectors are ignored: a base character in JIS X 0213 followed by
    an IVS is not a 外字 by this test.
    """
    found: list[str] = []
    for char in strip_variation_selectors(text):
        if char not in found and _is_gaiji(char):
            found.append(char)
    return found


def has_gaiji(text: str) -> bool:
    """True when some character of ``text`` (ignoring variation selectors) is outside JIS X 0213."""
    return any(_is_gaiji(char) for char in strip_variation_selectors(text))
