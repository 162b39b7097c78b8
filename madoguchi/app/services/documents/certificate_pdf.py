"""Certificates as A4 portrait PDF (R-CERT-5): the copies of one issuance in one file.

Each copy repeats its title and header (住所, 世帯主) on every page, lists its persons in
ruled blocks, and prints the 認証文, the date of issue, the 認証者 and the 公印 on its last
page only (j1000); every page carries the 発行番号 with ``page/pages`` (j1040). A value too
long for its cell is set smaller, then wrapped, never cut (j1070). A light guilloche pattern
lies under everything as a copy deterrent; it is vector art, so it adds no text.

The layout is computed before drawing, so the page count is known without a second pass.
IPAex Mincho and Gothic are embedded as subsets (``fonts``).
"""

from __future__ import annotations

import io
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.pdfgen.pathobject import PDFPathObject

from madoguchi.app.services.documents.certificate_content import (
    CertificateCopyText,
    Entry,
    PersonText,
    Row,
)
from madoguchi.app.services.documents.fonts import GOTHIC, MINCHO, printable_text, register_fonts
from madoguchi.app.services.documents.seal import seal_png

__all__ = ["RenderedCertificates", "render_certificates"]

_A85_LOCK = threading.Lock()

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 15 * mm
BODY_WIDTH = PAGE_WIDTH - 2 * MARGIN
COLUMN = BODY_WIDTH / 3
LABEL_WIDTH = 22 * mm
VALUE_SIZE = 9.0
MIN_VALUE_SIZE = 6.5
LABEL_SIZE = 7.0
NAME_SIZE = 11.0
PAD = 1.2 * mm
MIN_ROW = 5.8 * mm
TITLE_TOP = PAGE_HEIGHT - MARGIN - 9 * mm
CONTENT_TOP = PAGE_HEIGHT - MARGIN - 16 * mm
FOOTER_HEIGHT = 14 * mm
CERTIFICATION_HEIGHT = 42 * mm
BLOCK_GAP = 2.2 * mm
SEAL_SIZE = 22 * mm

_RULE = colors.Color(0.25, 0.25, 0.25)
_LABEL_SHADE = colors.Color(0.93, 0.93, 0.93, alpha=0.85)
_PATTERN = colors.Color(0.72, 0.82, 0.76)


@dataclass(frozen=True)
class RenderedCertificates:
    """The PDF of all copies and how many pages each copy has, in order."""

    pdf: bytes
    pages: tuple[int, ...]


@dataclass(frozen=True)
class _Cell:
    entry: Entry
    x: float
    width: float
    size: float
    lines: tuple[str, ...]


@dataclass(frozen=True)
class _LaidRow:
    cells: tuple[_Cell, ...]
    height: float


@dataclass(frozen=True)
class _Block:
    rows: tuple[_LaidRow, ...]

    @property
    def height(self) -> float:
        return sum(row.height for row in self.rows)


def _width(text: str, font: str, size: float) -> float:
    return float(stringWidth(printable_text(text, font), font, size))


def _fit(text: str, font: str, width: float, size: float) -> tuple[float, tuple[str, ...]]:
    """The size and lines that set ``text`` within ``width``: smaller first, then wrapped."""
    parts = text.split("\n")
    step = size
    while step >= MIN_VALUE_SIZE:
        if all(_width(part, font, step) <= width for part in parts):
            return step, tuple(parts)
        step -= 0.5
    lines: list[str] = []
    for part in parts:
        current = ""
        for char in part:
            if current and _width(current + char, font, MIN_VALUE_SIZE) > width:
                lines.append(current)
                current = char
            else:
                current += char
        lines.append(current)
    return MIN_VALUE_SIZE, tuple(lines)


def _lay_row(row: Row) -> _LaidRow:
    cells = []
    column = 0
    for entry in row.entries:
        width = COLUMN * entry.span - LABEL_WIDTH - 2 * PAD
        size = NAME_SIZE if entry.emphasis else VALUE_SIZE
        fitted_size, lines = _fit(entry.value, MINCHO, width, size)
        cells.append(
            _Cell(entry, MARGIN + column * COLUMN, COLUMN * entry.span, fitted_size, lines)
        )
        column += entry.span
    leading = max(cell.size * 1.25 * len(cell.lines) for cell in cells) if cells else VALUE_SIZE
    return _LaidRow(tuple(cells), max(leading + 2 * PAD, MIN_ROW))


def _person_block(person: PersonText) -> _Block:
    return _Block(tuple(_lay_row(row) for row in person.rows))


def _header_block(copy: CertificateCopyText) -> _Block:
    return _Block(tuple(_lay_row(Row((entry,))) for entry in copy.header))


def _paginate(copy: CertificateCopyText, header: _Block) -> list[list[_Block]]:
    """Person blocks per page; the certification must fit under the last page's blocks."""
    top = CONTENT_TOP - header.height - 3 * mm
    room = top - MARGIN - FOOTER_HEIGHT
    pages: list[list[_Block]] = [[]]
    used = 0.0
    for block in (_person_block(person) for person in copy.persons):
        needed = block.height + BLOCK_GAP
        if pages[-1] and used + needed > room:
            pages.append([])
            used = 0.0
        pages[-1].append(block)
        used += needed
    if used + CERTIFICATION_HEIGHT > room:
        # The certification never stands alone: the last person moves over with it.
        last = pages[-1].pop() if len(pages[-1]) > 1 else None
        pages.append([last] if last is not None else [])
    return pages


def _text(canvas: Any, x: float, y: float, text: str, font: str, size: float) -> None:
    canvas.setFont(font, size)
    canvas.drawString(x, y, printable_text(text, font))


def _draw_block(canvas: Any, block: _Block, top: float) -> float:
    y = top
    for row in block.rows:
        bottom = y - row.height
        for cell in row.cells:
            canvas.setFillColor(_LABEL_SHADE)
            canvas.rect(cell.x, bottom, LABEL_WIDTH, row.height, stroke=0, fill=1)
            canvas.setFillColor(colors.black)
            canvas.rect(cell.x, bottom, cell.width, row.height, stroke=1, fill=0)
            canvas.line(cell.x + LABEL_WIDTH, bottom, cell.x + LABEL_WIDTH, y)
            label_size = (
                LABEL_SIZE
                if _width(cell.entry.label, GOTHIC, LABEL_SIZE) < (LABEL_WIDTH - 2 * PAD)
                else 5.5
            )
            _text(canvas, cell.x + PAD, y - PAD - label_size, cell.entry.label, GOTHIC, label_size)
            line_y = y - PAD - cell.size
            for line in cell.lines:
                _text(canvas, cell.x + LABEL_WIDTH + PAD, line_y, line, MINCHO, cell.size)
                line_y -= cell.size * 1.25
        y = bottom
    return y


@lru_cache(maxsize=1)
def _guilloche() -> PDFPathObject:
    """Interlaced sine waves over the page: one path, built once (formatting its numbers is
    most of its cost), drawn into one form per file and shown on every page."""
    path = PDFPathObject()
    steps = 48
    for index in range(44):
        base = MARGIN + index * (PAGE_HEIGHT - 2 * MARGIN) / 43
        phase = index * 0.7
        for step in range(steps + 1):
            x = MARGIN + step * BODY_WIDTH / steps
            y = base + 3.2 * mm * math.sin(step / steps * 6 * math.pi + phase)
            if step == 0:
                path.moveTo(x, y)
            else:
                path.lineTo(x, y)
    return path


def _define_pattern(canvas: Any) -> None:
    canvas.beginForm("guilloche")
    canvas.setStrokeColor(_PATTERN)
    canvas.setLineWidth(0.3)
    canvas.drawPath(_guilloche(), stroke=1, fill=0)
    canvas.endForm()


def _draw_frame(canvas: Any, copy: CertificateCopyText, page: int, pages: int) -> None:
    canvas.doForm("guilloche")
    canvas.setStrokeColor(_RULE)
    canvas.setLineWidth(0.6)
    title = copy.title
    canvas.setFont(GOTHIC, 17)
    canvas.drawCentredString(PAGE_WIDTH / 2, TITLE_TOP, printable_text(title, GOTHIC))
    if copy.official:
        canvas.setLineWidth(1.2)
        canvas.rect(MARGIN, TITLE_TOP - 2.5 * mm, 20 * mm, 10 * mm, stroke=1, fill=0)
        _text(canvas, MARGIN + 3.5 * mm, TITLE_TOP - 0.2 * mm, "公用", GOTHIC, 14)
        canvas.setLineWidth(0.6)
    if copy.specimen:
        canvas.saveState()
        canvas.setFillColor(colors.Color(0.85, 0.2, 0.2, alpha=0.22))
        canvas.translate(PAGE_WIDTH / 2, PAGE_HEIGHT / 2)
        canvas.rotate(35)
        canvas.setFont(GOTHIC, 96)
        canvas.drawCentredString(0, 0, printable_text("見本", GOTHIC))
        canvas.restoreState()
    footer = MARGIN + 2 * mm
    _text(canvas, MARGIN, footer, f"発行番号　{copy.issue_no}　{page}/{pages}", MINCHO, 8)
    canvas.setFont(MINCHO, 8)
    canvas.drawRightString(PAGE_WIDTH - MARGIN, footer, printable_text(f"{page}／{pages}頁"))
    if copy.data_note:
        _text(canvas, MARGIN, footer + 4.5 * mm, copy.data_note, MINCHO, 7.5)


def _draw_certification(canvas: Any, copy: CertificateCopyText, top: float) -> None:
    y = top - 8 * mm
    _text(canvas, MARGIN + 4 * mm, y, copy.certification_text, MINCHO, 11)
    y -= 8 * mm
    _text(canvas, MARGIN + 4 * mm, y, copy.issued_on, MINCHO, 11)
    y -= 13 * mm
    # The seal is pressed over the end of the name, as on paper; its ground is transparent.
    right = PAGE_WIDTH - MARGIN - SEAL_SIZE - 2 * mm
    canvas.setFont(MINCHO, 14)
    canvas.drawRightString(right, y, printable_text(copy.certifier))
    seal = ImageReader(io.BytesIO(seal_png(copy.seal_text)))
    canvas.drawImage(
        seal,
        right - 5 * mm,
        y - SEAL_SIZE / 2 + 2 * mm,
        SEAL_SIZE,
        SEAL_SIZE,
        mask="auto",
    )


def _draw_copy(canvas: Any, copy: CertificateCopyText) -> int:
    header = _header_block(copy)
    pages = _paginate(copy, header)
    for number, blocks in enumerate(pages, start=1):
        _draw_frame(canvas, copy, number, len(pages))
        canvas.setStrokeColor(_RULE)
        canvas.setLineWidth(0.6)
        y = _draw_block(canvas, header, CONTENT_TOP) - 3 * mm
        for block in blocks:
            y = _draw_block(canvas, block, y) - BLOCK_GAP
        if number == len(pages):
            _draw_certification(canvas, copy, y)
        canvas.showPage()
    return len(pages)


def _render(
    copies: Sequence[CertificateCopyText], title: str
) -> tuple[io.BytesIO, tuple[int, ...]]:
    buffer = io.BytesIO()
    canvas = Canvas(
        buffer,
        pagesize=A4,
        invariant=1,
        pageCompression=1,
        lang="ja-JP",
        # Otherwise every page names Helvetica, a font that is never embedded.
        initialFontName=MINCHO,
        initialFontSize=VALUE_SIZE,
    )
    canvas.setTitle(title or (copies[0].title if copies else ""))
    canvas.setAuthor(copies[0].municipality if copies else "")
    canvas.setCreator("madoguchi")
    _define_pattern(canvas)
    pages = tuple(_draw_copy(canvas, copy) for copy in copies)
    canvas.save()
    return buffer, pages


def render_certificates(
    copies: Sequence[CertificateCopyText], *, title: str = ""
) -> RenderedCertificates:
    """All ``copies`` as one A4 portrait PDF, fonts embedded as subsets; pages per copy.

    The same copies give the same bytes (no creation date or random id in the file).
    Raises :class:`~madoguchi.app.services.documents.fonts.FontFileMissing` when a font file
    of the installation is missing.
    """
    register_fonts()
    # Binary streams instead of ASCII85: a fifth smaller and much faster to write (reportlab's
    # encoder is pure Python), and every reader takes them. reportlab reads the switch from its
    # global settings as it builds and saves, so it is set around this one document only.
    with _A85_LOCK:
        previous = rl_config.useA85
        rl_config.useA85 = 0
        try:
            buffer, pages = _render(copies, title)
        finally:
            rl_config.useA85 = previous
    return RenderedCertificates(buffer.getvalue(), pages)
