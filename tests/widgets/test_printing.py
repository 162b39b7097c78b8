"""Printers and the on-screen page preview (R-CERT-6): the PDF printer writes private files,
a CUPS queue gets the PDF bytes through ``lp -d``, pdftoppm draws the pages."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from madoguchi.widgets.page_preview import PagePreview, PreviewUnavailable, render_pages
from madoguchi.widgets.printing import CupsPrinter, PdfFilePrinter, PrintFailed, cups_name
from tests.helpers.system import require_executable

# A one-page, empty A4 PDF (hand-written, offsets exact).
TINY_PDF = (
    b"%PDF-1.4\n"
    b"1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def test_the_pdf_printer_writes_each_job_to_a_private_file(tmp_path: Path) -> None:
    printer = PdfFilePrinter(tmp_path / "out")
    first = printer.print_pdf(TINY_PDF, "20261102-001")
    second = printer.print_pdf(TINY_PDF, "20261102-001")
    assert first != second and printer.written == [Path(first), Path(second)]
    assert Path(first).read_bytes() == TINY_PDF
    assert stat.S_IMODE(Path(first).stat().st_mode) == 0o600


def test_a_cups_printer_sends_the_pdf_to_lp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    received = tmp_path / "received.pdf"
    args = tmp_path / "args"
    lp = tmp_path / "bin" / "lp"
    lp.parent.mkdir()
    lp.write_text(f'#!/bin/sh\necho "$@" > {args}\ncat > {received}\necho "request id is Q-7"\n')
    lp.chmod(0o755)
    monkeypatch.setenv("PATH", f"{lp.parent}:/usr/bin:/bin")
    assert CupsPrinter("counter_a4").print_pdf(TINY_PDF, "job") == "request id is Q-7"
    assert received.read_bytes() == TINY_PDF
    assert args.read_text().split()[:2] == ["-d", "counter_a4"]

    lp.write_text("#!/bin/sh\necho 'lp: The printer or class does not exist.' >&2\nexit 1\n")
    with pytest.raises(PrintFailed, match="does not exist"):
        CupsPrinter("gone").print_pdf(TINY_PDF, "job")
    monkeypatch.setenv("PATH", str(tmp_path / "nowhere"))
    with pytest.raises(PrintFailed, match="lp"):
        CupsPrinter("counter_a4").print_pdf(TINY_PDF, "job")


def test_qt_printer_names_map_to_cups_queues() -> None:
    queues = ["Counter_A4", "Office-Laser"]
    assert cups_name("Counter_A4", queues) == "Counter_A4"
    assert cups_name("counter a4", queues) == "Counter_A4"
    assert cups_name("Somewhere else", queues) is None


def test_the_preview_draws_each_page_or_says_why_not(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_executable("pdftoppm")
    pages = render_pages(TINY_PDF)
    assert len(pages) == 1 and pages[0].startswith(b"\x89PNG")
    preview = PagePreview()
    qtbot.addWidget(preview)
    preview.show_pages(pages)
    assert len(preview.page_labels) == 1 and not preview.page_labels[0].pixmap().isNull()

    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(PreviewUnavailable, match="pdftoppm"):
        render_pages(TINY_PDF)
