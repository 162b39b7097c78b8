"""The printout fonts: registered once, variation sequences drawn, missing characters reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from madoguchi.app.services.documents import fonts
from madoguchi.app.services.documents.fonts import (
    GOTHIC,
    MINCHO,
    MISSING_GLYPH,
    FontFileMissing,
    printable_text,
    register_fonts,
    unprintable_characters,
)
from madoguchi.app.services.documents.variation_sequences import read_variation_sequences

VS17 = "\U000e0100"
VS18 = "\U000e0101"


def test_plain_text_is_drawn_as_is() -> None:
    text = "架空県みどり市本町一丁目2番3号　みどりハイツ101号 ●●●● ①"

    assert printable_text(text) == text
    assert printable_text(text, GOTHIC) == text
    assert unprintable_characters(text) == ()


def test_supported_sequence_gets_a_code_of_its_own() -> None:
    drawn = printable_text(f"葛{VS17}西")

    assert len(drawn) == 2
    assert drawn[0] not in ("葛", VS17)
    assert drawn[1] == "西"
    # Same sequence, same code: one glyph in the PDF however often the name appears.
    assert printable_text(f"葛{VS17}")[0] == drawn[0]
    assert unprintable_characters(f"葛{VS17}西") == ()


def test_default_sequence_is_supported_too() -> None:
    # 葛 + U+E0101 is the font's ordinary 葛 glyph; the selector is kept in the PDF text.
    drawn = printable_text(f"葛{VS18}")

    assert len(drawn) == 1
    assert drawn != "葛"
    assert unprintable_characters(f"葛{VS18}") == ()


def test_unknown_sequence_falls_back_to_its_base_and_is_reported() -> None:
    assert printable_text(f"邉{VS18}") == "邉"
    assert unprintable_characters(f"邉{VS18}辺") == (f"邉{VS18}",)


def test_character_outside_the_font_is_a_geta_and_reported() -> None:
    yoshi = "\U00020bb7"  # 𠮷 (つちよし), not in IPAex

    assert printable_text(f"{yoshi}田") == f"{MISSING_GLYPH}田"
    assert unprintable_characters(f"{yoshi}田{yoshi}") == (yoshi,)


def test_private_use_text_is_not_taken_for_a_sequence() -> None:
    # A municipality's own 外字 in the private use areas is not in the font.
    assert printable_text("\ue000\U00100000") == MISSING_GLYPH * 2


def test_stray_selector_is_dropped() -> None:
    assert printable_text(f"{VS17}山田") == "山田"


def test_shipped_fonts_carry_variation_sequences() -> None:
    for file in fonts.FONT_FILES.values():
        sequences = read_variation_sequences((fonts.FONTS_DIR / file).read_bytes())
        assert len(sequences) > 400
        kuzu = sequences.glyph(ord("葛"), ord(VS17), default_glyph=1)
        assert kuzu not in (None, 1)
        assert sequences.glyph(ord("葛"), ord(VS18), default_glyph=1) == 1
        assert sequences.glyph(ord("邉"), ord(VS18), default_glyph=1) is None


def test_fonts_ship_with_their_licence() -> None:
    names = {path.name for path in fonts.FONTS_DIR.iterdir()}

    assert {"ipaexm.ttf", "ipaexg.ttf", "IPA_Font_License_Agreement_v1.0.txt"} <= names


def test_missing_file_is_named_and_nothing_half_registered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "ipaexm.ttf").symlink_to(fonts.FONTS_DIR / "ipaexm.ttf")
    monkeypatch.setattr(fonts, "FONTS_DIR", tmp_path)

    with pytest.raises(FontFileMissing, match=r"ipaexg\.ttf") as raised:
        register_fonts()

    assert raised.value.path == tmp_path / "ipaexg.ttf"
    with pytest.raises(FontFileMissing):
        printable_text("山田", MINCHO)
