"""The 住民異動届 confirmation sheet (確認票) the resident checks and signs (R-INTAKE-6, j540).

A saved intake is only a draft (仮登録); this sheet shows what was entered so the resident
can check it before a supervisor registers it. Rendering is pure: the caller builds a
:class:`NotificationSheet` (dates already in 和暦, the 個人番号 already masked, the print time
given) and gets the PDF bytes back; the same bytes serve the preview, the printer and a file.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from madoguchi.app.services.documents.fonts import (
    GOTHIC,
    MINCHO,
    printable_text,
    register_fonts,
    unprintable_characters,
)

__all__ = ["NotificationSheet", "SheetPerson", "render_notification_sheet"]

_PAGE_WIDTH, _PAGE_HEIGHT = A4
_MARGIN = 18 * mm
_BODY_WIDTH = _PAGE_WIDTH - 2 * _MARGIN
_LABEL_WIDTH = 32 * mm
_RULE = colors.Color(0.35, 0.35, 0.35)
_LABEL_SHADE = colors.Color(0.92, 0.92, 0.92)
_NOTE_SHADE = colors.Color(1.0, 0.96, 0.85)
_NOT_ENTERED = "（未入力）"


@dataclass(frozen=True)
class SheetPerson:
    """One person moving, as printed on the sheet (all values already formatted)."""

    name: str  # 氏名 (family　given); variation selectors are kept and drawn
    kana: str  # フリガナ
    birth_date: str  # 和暦, e.g. "昭和55年2月17日"
    sex: str  # "男" / "女"
    relationship: str  # 続柄 after the move
    individual_number: str  # masked, e.g. "●●●● ●●●● ●●●●", or ""

    def __post_init__(self) -> None:
        # The sheet leaves the counter in the resident's hands: a real 個人番号 must never
        # reach it, whatever the caller forgot (R-MASK).
        if any(char.isdigit() for char in self.individual_number):
            raise ValueError("individual_number must be masked on the notification sheet")


@dataclass(frozen=True)
class NotificationSheet:
    """Everything the 確認票 of one draft shows, already formatted for print."""

    municipality: str  # e.g. "架空県みどり市"
    title: str  # e.g. "住民異動届（転入届）確認票"
    variant_label: str  # e.g. "特例転入（マイナンバーカード）"
    draft_id: str  # the reference number of the draft
    moved_on: str  # 異動日 in 和暦, or ""
    notified_on: str  # 届出日 in 和暦
    new_address: str  # 新住所 with 方書
    previous_address: str  # 転入前住所 / 転出先住所 / 旧住所
    previous_address_label: str  # the label of previous_address
    householder: str  # 世帯主 after the move
    persons: tuple[SheetPerson, ...]
    notifier: str  # e.g. "本人　試験　花子" or "代理人　○○（委任状あり）"
    documents: tuple[str, ...]  # 本人確認書類
    alerts: tuple[str, ...]  # alerts confirmed by the staff, printed for the record
    printed_at: str  # e.g. "令和8年11月23日 10:15"; given by the caller, never read here
    staff: str  # 受付者, e.g. "S0001 山田"
    status_note: str = (
        "この届出はまだ住民票に記載されていません（仮登録）。内容をご確認のうえ署名してください。"
    )


def _style(name: str, font: str, size: float, **extra: Any) -> ParagraphStyle:
    # CJK wrapping breaks lines between any two characters, as Japanese typesetting does.
    return ParagraphStyle(
        name, fontName=font, fontSize=size, leading=size * 1.45, wordWrap="CJK", **extra
    )


_TITLE = _style("title", GOTHIC, 17, alignment=TA_CENTER, spaceAfter=2 * mm)
_SUBTITLE = _style("subtitle", GOTHIC, 11, alignment=TA_CENTER, spaceAfter=4 * mm)
_HEADING = _style("heading", GOTHIC, 11, spaceBefore=4 * mm, spaceAfter=1.5 * mm)
_LABEL = _style("label", GOTHIC, 9)
_VALUE = _style("value", MINCHO, 10.5)
_KANA = _style("kana", MINCHO, 8)
_CELL = _style("cell", MINCHO, 9.5)
_NOTE = _style("note", GOTHIC, 10.5)
_SMALL = _style("small", MINCHO, 8.5)


def _paragraph(text: str, style: ParagraphStyle) -> Paragraph:
    printable = escape(printable_text(text, style.fontName)).replace("\n", "<br/>")
    return Paragraph(printable, style)


def _grid_style(*commands: tuple[Any, ...]) -> TableStyle:
    return TableStyle(
        [
            ("BOX", (0, 0), (-1, -1), 0.8, _RULE),
            ("INNERGRID", (0, 0), (-1, -1), 0.4, _RULE),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            # Plain-string cells would otherwise be set in Helvetica, which is never embedded.
            ("FONTNAME", (0, 0), (-1, -1), MINCHO),
            ("LEFTPADDING", (0, 0), (-1, -1), 4),
            ("RIGHTPADDING", (0, 0), (-1, -1), 4),
            ("TOPPADDING", (0, 0), (-1, -1), 2.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3.5),
            *commands,
        ]
    )


def _status_note(sheet: NotificationSheet) -> Table:
    table = Table([[_paragraph(sheet.status_note, _NOTE)]], colWidths=[_BODY_WIDTH])
    table.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 1.5, colors.black),
                ("BACKGROUND", (0, 0), (-1, -1), _NOTE_SHADE),
                ("FONTNAME", (0, 0), (-1, -1), MINCHO),
                ("TOPPADDING", (0, 0), (-1, -1), 5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    return table


def _particulars(sheet: NotificationSheet) -> Table:
    rows = [
        ("受付番号", sheet.draft_id),
        ("届出日", sheet.notified_on),
        ("異動日", sheet.moved_on),
        ("新住所", sheet.new_address),
        (sheet.previous_address_label, sheet.previous_address),
        ("世帯主", sheet.householder),
        ("届出人", sheet.notifier),
        ("本人確認書類", "、".join(sheet.documents)),
    ]
    data = [
        [_paragraph(label, _LABEL), _paragraph(value or _NOT_ENTERED, _VALUE)]
        for label, value in rows
    ]
    table = Table(data, colWidths=[_LABEL_WIDTH, _BODY_WIDTH - _LABEL_WIDTH])
    table.setStyle(_grid_style(("BACKGROUND", (0, 0), (0, -1), _LABEL_SHADE)))
    return table


# Widths fit the longest usual values on one line: "昭和55年12月17日", "世帯主の母" and the
# masked number; the name takes the rest and wraps if it must.
_PERSON_COLUMNS = (
    ("", 7 * mm),
    ("氏名（フリガナ）", _BODY_WIDTH - 116 * mm),
    ("生年月日", 33 * mm),
    ("性別", 10 * mm),
    ("続柄", 20 * mm),
    ("個人番号", 46 * mm),
)


def _persons(sheet: NotificationSheet) -> Table:
    header = [_paragraph(label, _LABEL) for label, _width in _PERSON_COLUMNS]
    rows: list[list[Any]] = [header]
    for number, person in enumerate(sheet.persons, start=1):
        rows.append(
            [
                _paragraph(str(number), _CELL),
                # フリガナ above the name, as on the paper form.
                [_paragraph(person.kana, _KANA), _paragraph(person.name, _VALUE)],
                _paragraph(person.birth_date, _CELL),
                _paragraph(person.sex, _CELL),
                _paragraph(person.relationship, _CELL),
                _paragraph(person.individual_number or "－", _CELL),
            ]
        )
    # repeatRows: the header comes back on every page when many persons split the table.
    table = Table(rows, colWidths=[width for _label, width in _PERSON_COLUMNS], repeatRows=1)
    table.setStyle(_grid_style(("BACKGROUND", (0, 0), (-1, 0), _LABEL_SHADE)))
    return table


def _alerts(sheet: NotificationSheet) -> list[Any]:
    if not sheet.alerts:
        return [_paragraph("なし", _VALUE)]
    return [_paragraph(f"・{alert}", _VALUE) for alert in sheet.alerts]


def _unprintable_note(sheet: NotificationSheet) -> list[Any]:
    texts = [
        sheet.municipality,
        sheet.title,
        sheet.variant_label,
        sheet.new_address,
        sheet.previous_address,
        sheet.householder,
        sheet.notifier,
        *sheet.documents,
        *sheet.alerts,
    ]
    for person in sheet.persons:
        texts += [person.name, person.kana, person.relationship]
    found = unprintable_characters("\n".join(texts))
    if not found:
        return []
    # Code points, not the characters: the font cannot draw those either.
    codes = "、".join(" ".join(f"U+{ord(char):04X}" for char in item) for item in found)
    note = (
        "※ 次の文字はこの確認票の書体にないため、〓または標準の字形で印字しています："
        f"{codes}。登録される文字は画面でご確認ください。"
    )
    return [Spacer(0, 2 * mm), _paragraph(note, _SMALL)]


def _signature(sheet: NotificationSheet) -> KeepTogether:
    line_width = _BODY_WIDTH - _LABEL_WIDTH - 12 * mm
    line = Table([[""]], colWidths=[line_width], rowHeights=[14 * mm])
    line.setStyle(
        TableStyle(
            [
                ("LINEBELOW", (0, 0), (-1, -1), 0.8, colors.black),
                ("FONTNAME", (0, 0), (-1, -1), MINCHO),
            ]
        )
    )
    receipt = f"受付者　{sheet.staff}　　印刷日時　{sheet.printed_at}"
    box = Table(
        [
            [_paragraph("届出人署名", _LABEL), line],
            [_paragraph("受付", _LABEL), _paragraph(receipt, _CELL)],
        ],
        colWidths=[_LABEL_WIDTH, _BODY_WIDTH - _LABEL_WIDTH],
    )
    box.setStyle(
        _grid_style(
            ("BACKGROUND", (0, 0), (0, -1), _LABEL_SHADE),
            ("BOTTOMPADDING", (1, 0), (1, 0), 4 * mm),
        )
    )
    statement = _paragraph("上記の内容に相違ないことを確認しました。", _VALUE)
    return KeepTogether([Spacer(0, 5 * mm), statement, Spacer(0, 2 * mm), box])


def _story(sheet: NotificationSheet) -> list[Any]:
    return [
        _paragraph(sheet.title, _TITLE),
        _paragraph(sheet.variant_label, _SUBTITLE),
        _status_note(sheet),
        _paragraph("届出の内容", _HEADING),
        _particulars(sheet),
        _paragraph(f"異動者（{len(sheet.persons)}人）", _HEADING),
        _persons(sheet),
        *_unprintable_note(sheet),
        _paragraph("確認済みの注意事項", _HEADING),
        *_alerts(sheet),
        _signature(sheet),
    ]


def _draw_string(canvas: Any, x: float, y: float, text: str, font: str, size: float) -> None:
    canvas.setFont(font, size)
    canvas.drawString(x, y, printable_text(text, font))


def _draw_right(canvas: Any, x: float, y: float, text: str, font: str, size: float) -> None:
    canvas.setFont(font, size)
    canvas.drawRightString(x, y, printable_text(text, font))


def _page_decoration(sheet: NotificationSheet, total_pages: int | None) -> Callable[..., None]:
    """Header and footer of every page: who issued it, which draft, which page of how many."""

    def decorate(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        top = _PAGE_HEIGHT - 12 * mm
        right = _PAGE_WIDTH - _MARGIN
        _draw_string(canvas, _MARGIN, top, sheet.municipality, MINCHO, 9)
        _draw_right(canvas, right, top, f"受付番号　{sheet.draft_id}", GOTHIC, 9)
        bottom = 10 * mm
        _draw_string(canvas, _MARGIN, bottom, f"印刷日時　{sheet.printed_at}", MINCHO, 8)
        pages = f"{doc.page} / {total_pages if total_pages is not None else doc.page}"
        _draw_right(canvas, right, bottom, f"{sheet.title}　{pages} 頁", MINCHO, 8)
        canvas.restoreState()

    return decorate


def _build(sheet: NotificationSheet, total_pages: int | None) -> tuple[bytes, int]:
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=_MARGIN,
        rightMargin=_MARGIN,
        topMargin=20 * mm,
        bottomMargin=18 * mm,
        title=sheet.title,
        author=sheet.municipality,
        creator="madoguchi",
        # invariant: no creation date or random id, so the same sheet gives the same bytes.
        invariant=1,
        lang="ja-JP",
        # Otherwise every page names Helvetica, a font that is never embedded.
        initialFontName=MINCHO,
    )
    decorate = _page_decoration(sheet, total_pages)
    doc.build(_story(sheet), onFirstPage=decorate, onLaterPages=decorate)
    return buffer.getvalue(), int(doc.page)


def render_notification_sheet(sheet: NotificationSheet) -> bytes:
    """The 確認票 of ``sheet`` as an A4 portrait PDF with both IPAex fonts embedded as subsets.

    Raises :class:`~madoguchi.app.services.documents.fonts.FontFileMissing` when a font file
    of the installation is missing.
    """
    register_fonts()
    # Page "x / y" needs the page count: the first pass only counts, the second prints.
    _first_pass, total_pages = _build(sheet, total_pages=None)
    pdf, _pages = _build(sheet, total_pages=total_pages)
    return pdf
