"""The two Japanese fonts of every printout, registered with reportlab once (ARCHITECTURE 7).

IPAex Mincho sets the text, IPAex Gothic the headings and labels. They ship in
``madoguchi/resources/fonts`` under the IPA Font License v1.0 and reportlab embeds them as
subsets, so a PDF prints the same on any machine.

reportlab maps one code point to one glyph and knows nothing of variation sequences, yet the
register keeps names such as 葛 + U+E0100 (R-DATA-5), and the IPAex fonts carry 264 such
variant glyphs. :func:`printable_text` therefore binds each sequence the font supports to a
private code drawing the right glyph, and the PDF's ToUnicode map turns that code back into
the whole sequence, so copying or searching the PDF returns what is registered. What the
font cannot draw is printed as 〓 (or, for an unknown sequence, as its base character) and
reported by :func:`unprintable_characters`, never replaced silently (R-CERT-5).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import SUBSETN, TTFont

from madoguchi.app.services.documents.variation_sequences import (
    VariationSequences,
    is_variation_selector,
    read_variation_sequences,
)

__all__ = [
    "FONTS_DIR",
    "FONT_FILES",
    "GOTHIC",
    "MINCHO",
    "MISSING_GLYPH",
    "FontFileMissing",
    "printable_text",
    "register_fonts",
    "unprintable_characters",
]

MINCHO = "IPAexMincho"
GOTHIC = "IPAexGothic"
FONT_FILES: dict[str, str] = {MINCHO: "ipaexm.ttf", GOTHIC: "ipaexg.ttf"}
FONTS_DIR = Path(__file__).resolve().parents[3] / "resources" / "fonts"

MISSING_GLYPH = "〓"
"""下駄記号, the printer's customary stand-in for a character the type case lacks."""

# Supplementary Private Use Area-B: nothing in the register or the fonts uses it, and
# reportlab's own shaping (with uharfbuzz) allocates from U+E000 instead.
_FIRST_PRIVATE_CODE = 0x100000


class FontFileMissing(FileNotFoundError):
    """A font file of the package is missing: the installation is broken, not the data."""

    def __init__(self, path: Path) -> None:
        super().__init__(
            f"帳票用フォント {path.name} が見つかりません（{path}）。"
            "アプリケーションを入れ直してください。"
        )
        self.path = path


class _SequenceFont(TTFont):  # type: ignore[misc]  # reportlab has no type stubs
    """A TTFont that can also draw the variation sequences of its cmap format-14 table."""

    def __init__(self, name: str, path: Path) -> None:
        super().__init__(name, str(path))
        face = self.face
        # Taken before any private code is added, so text that itself holds private-use
        # characters (a municipality's 外字) is never mistaken for one of ours.
        self.font_codes = frozenset(face.charToGlyph)
        self._sequences: VariationSequences = read_variation_sequences(path.read_bytes())
        self._code_of_sequence: dict[str, int] = {}
        self._sequence_of_code: dict[int, str] = {}
        self._lock = threading.Lock()

    def sequence_code(self, base: str, selector: str) -> int | None:
        """The private code drawing ``base`` + ``selector``, or None if the font lacks it."""
        sequence = base + selector
        with self._lock:
            code = self._code_of_sequence.get(sequence)
            if code is not None:
                return code
            face = self.face
            base_glyph = face.charToGlyph.get(ord(base)) if ord(base) in self.font_codes else None
            glyph = self._sequences.glyph(ord(base), ord(selector), base_glyph)
            if glyph is None:
                return None
            code = _FIRST_PRIVATE_CODE + len(self._code_of_sequence)
            face.charToGlyph[code] = glyph
            face.glyphToChar.setdefault(glyph, []).append(code)
            # A variant of an ideograph is as wide as the ideograph (one em).
            face.charWidths[code] = face.getCharWidth(ord(base))
            self._code_of_sequence[sequence] = code
            self._sequence_of_code[code] = sequence
            return code

    def addObjects(self, doc: Any) -> None:
        """Add the subsets to ``doc``, then give each a ToUnicode map that knows our codes."""
        state = self.state.get(doc)
        subsets = [list(subset) for subset in state.subsets] if state is not None else []
        super().addObjects(doc)
        for number, subset in enumerate(subsets):
            # The same name reportlab gives the subset's ToUnicode stream in addObjects.
            parts = (SUBSETN(number), b"+", self.face.name, self.face.subfontNameX)
            base_font_name = b"".join(parts).decode("pdfdoc")
            stream = doc.idToObject.get("toUnicodeCMap:" + base_font_name)
            if stream is not None:
                stream.content = self._to_unicode_cmap(base_font_name, subset)

    def _to_unicode_cmap(self, base_font_name: str, subset: list[int]) -> str:
        # reportlab writes each code as 4 hex digits, which is wrong beyond the BMP and does
        # not know our private codes; a bfchar destination is UTF-16BE of any length.
        def destination(code: int) -> str:
            text = self._sequence_of_code.get(code, chr(code))
            return text.encode("utf-16-be").hex().upper()

        lines = [
            "/CIDInit /ProcSet findresource begin",
            "12 dict begin",
            "begincmap",
            f"/CIDSystemInfo << /Registry ({base_font_name}) /Ordering ({base_font_name})",
            "/Supplement 0 >> def",
            f"/CMapName /{base_font_name} def",
            "/CMapType 2 def",
            "1 begincodespacerange",
            f"<00> <{len(subset) - 1:02X}>",
            "endcodespacerange",
        ]
        # A bfchar block holds at most 100 entries (PDF Reference, 5.9.2).
        for first in range(0, len(subset), 100):
            chunk = subset[first : first + 100]
            lines.append(f"{len(chunk)} beginbfchar")
            lines.extend(f"<{first + i:02X}> <{destination(code)}>" for i, code in enumerate(chunk))
            lines.append("endbfchar")
        lines += ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
        return "\n".join(lines)


class _Registry:
    """Registers the fonts from FONTS_DIR once, again only if FONTS_DIR changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._registered_from: Path | None = None

    def ensure(self) -> None:
        with self._lock:
            directory = FONTS_DIR
            if self._registered_from == directory:
                return
            paths = {name: directory / file for name, file in FONT_FILES.items()}
            # Check every file first so that a broken install registers nothing half-way.
            for path in paths.values():
                if not path.is_file():
                    raise FontFileMissing(path)
            for name, path in paths.items():
                pdfmetrics.registerFont(_SequenceFont(name, path))
            self._registered_from = directory


_registry = _Registry()


def register_fonts() -> None:
    """Register IPAex Mincho and Gothic with reportlab under :data:`MINCHO` and :data:`GOTHIC`.

    Cheap after the first call. Raises :class:`FontFileMissing` naming the missing file.
    """
    _registry.ensure()


def _font(font_name: str) -> _SequenceFont:
    register_fonts()
    font = pdfmetrics.getFont(font_name)
    if not isinstance(font, _SequenceFont):
        raise ValueError(f"not one of the printout fonts: {font_name}")
    return font


def _clusters(text: str) -> Iterator[tuple[str, str]]:
    """(character, selector or "") pairs; a selector with no character before it is dropped."""
    index = 0
    while index < len(text):
        char = text[index]
        following = text[index + 1] if index + 1 < len(text) else ""
        if is_variation_selector(char):
            index += 1
        elif following and is_variation_selector(following):
            yield char, following
            index += 2
        else:
            yield char, ""
            index += 1


def _prepare(text: str, font_name: str) -> tuple[str, tuple[str, ...]]:
    font = _font(font_name)
    printable: list[str] = []
    unprintable: list[str] = []
    for char, selector in _clusters(text):
        if selector:
            code = font.sequence_code(char, selector)
            if code is not None:
                printable.append(chr(code))
                continue
            unprintable.append(char + selector)
        if ord(char) in font.font_codes or ord(char) < 0x20:
            printable.append(char)
        else:
            printable.append(MISSING_GLYPH)
            if not selector:
                unprintable.append(char)
    return "".join(printable), tuple(dict.fromkeys(unprintable))


def printable_text(text: str, font_name: str = MINCHO) -> str:
    """``text`` as it must be handed to reportlab to be drawn in ``font_name``.

    Supported variation sequences become private codes drawing the variant glyph (the PDF
    text still reads as the sequence); an unsupported sequence is drawn as its base
    character and a character the font lacks as 〓. Only for drawing: never store it.
    """
    return _prepare(text, font_name)[0]


def unprintable_characters(text: str, font_name: str = MINCHO) -> tuple[str, ...]:
    """The characters or sequences of ``text`` that ``font_name`` cannot draw, each once."""
    return _prepare(text, font_name)[1]
