"""Which glyph a font draws for a variation sequence (a kanji + a variation selector).

Names in the register keep their ideographic variation selectors (R-DATA-5): 葛 followed by
U+E0100 is a different 字形 from plain 葛. A font lists the sequences it supports in the
format-14 subtable of its ``cmap`` (OpenType spec, "cmap Subtable Format 14"): a *default*
sequence is drawn with the base character's own glyph, a *non-default* one with a glyph of
its own. reportlab reads only the one-code-point-one-glyph subtables, so this module reads
format 14 itself; :mod:`madoguchi.app.services.documents.fonts` uses the answer.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

__all__ = ["VariationSequences", "is_variation_selector", "read_variation_sequences"]

_UNICODE_PLATFORM = 0
_VARIATION_SEQUENCES_ENCODING = 5
_FORMAT_14 = 14


def is_variation_selector(char: str) -> bool:
    """True for a standard (U+FE00–U+FE0F) or ideographic (U+E0100–U+E01EF) selector."""
    code = ord(char)
    return 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF


@dataclass(frozen=True)
class VariationSequences:
    """The variation sequences one font supports, from its cmap format-14 subtable."""

    # selector -> ranges (first, last) of base characters drawn with their default glyph
    default_ranges: dict[int, tuple[tuple[int, int], ...]] = field(default_factory=dict)
    # selector -> base character -> glyph id of the variant
    glyphs: dict[int, dict[int, int]] = field(default_factory=dict)

    def glyph(self, base: int, selector: int, default_glyph: int | None) -> int | None:
        """The glyph id for ``base`` + ``selector``, or None when the font lacks the sequence.

        ``default_glyph`` is the glyph of ``base`` alone (None when the font has no glyph
        for it); a default sequence is drawn with it.
        """
        variant = self.glyphs.get(selector, {}).get(base)
        if variant is not None:
            return variant
        for first, last in self.default_ranges.get(selector, ()):
            if first <= base <= last:
                return default_glyph
        return None

    def __len__(self) -> int:
        defaults = sum(
            last - first + 1 for ranges in self.default_ranges.values() for first, last in ranges
        )
        return defaults + sum(len(by_base) for by_base in self.glyphs.values())


def _uint24(data: bytes, offset: int) -> int:
    return int.from_bytes(data[offset : offset + 3], "big")


def _format_14_offset(data: bytes) -> int | None:
    """Offset in ``data`` of the cmap format-14 subtable, if the font has one."""
    (num_tables,) = struct.unpack_from(">H", data, 4)
    cmap = None
    for index in range(num_tables):
        tag, _checksum, offset, _length = struct.unpack_from(">4sIII", data, 12 + 16 * index)
        if tag == b"cmap":
            cmap = offset
    if cmap is None:
        return None
    (_version, num_subtables) = struct.unpack_from(">HH", data, cmap)
    for index in range(num_subtables):
        platform, encoding, offset = struct.unpack_from(">HHI", data, cmap + 4 + 8 * index)
        if platform == _UNICODE_PLATFORM and encoding == _VARIATION_SEQUENCES_ENCODING:
            (subtable_format,) = struct.unpack_from(">H", data, cmap + offset)
            if subtable_format == _FORMAT_14:
                return int(cmap + offset)
    return None


def read_variation_sequences(font_data: bytes) -> VariationSequences:
    """Read the variation sequences of a TrueType/OpenType font (empty when it has none)."""
    start = _format_14_offset(font_data)
    if start is None:
        return VariationSequences()
    default_ranges: dict[int, tuple[tuple[int, int], ...]] = {}
    glyphs: dict[int, dict[int, int]] = {}
    (_format, _length, num_records) = struct.unpack_from(">HII", font_data, start)
    for index in range(num_records):
        record = start + 10 + 11 * index
        selector = _uint24(font_data, record)
        default_offset, non_default_offset = struct.unpack_from(">II", font_data, record + 3)
        if default_offset:
            table = start + default_offset
            (count,) = struct.unpack_from(">I", font_data, table)
            ranges = []
            for entry in range(count):
                first = _uint24(font_data, table + 4 + 4 * entry)
                additional = font_data[table + 7 + 4 * entry]
                ranges.append((first, first + additional))
            default_ranges[selector] = tuple(ranges)
        if non_default_offset:
            table = start + non_default_offset
            (count,) = struct.unpack_from(">I", font_data, table)
            by_base: dict[int, int] = {}
            for entry in range(count):
                base = _uint24(font_data, table + 4 + 5 * entry)
                (glyph,) = struct.unpack_from(">H", font_data, table + 7 + 5 * entry)
                by_base[base] = glyph
            glyphs[selector] = by_base
    return VariationSequences(default_ranges=default_ranges, glyphs=glyphs)
