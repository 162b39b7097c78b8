"""Where issued certificates go (R-CERT-6): a CUPS printer, or a PDF file.

The certificate service renders the PDF; a :class:`Printer` only delivers its bytes. On
Linux a CUPS queue takes the PDF as it is (``lp -d NAME``), so the page is the one the service
drew, fonts embedded. :class:`PdfFilePrinter` writes the file instead: the printer of the tests
and of a terminal without a CUPS queue. The Qt print dialog chooses the queue when
QtPrintSupport is available; its choice is mapped to the CUPS name.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from PySide6.QtWidgets import QWidget

LP_TIMEOUT_SECONDS = 30


class PrintFailed(OSError):
    """The printer did not take the job (the environment's fault: a friendly message)."""


class Printer(Protocol):
    """Something that takes a finished PDF."""

    @property
    def label(self) -> str:
        """How the screen names it."""
        ...

    def print_pdf(self, pdf: bytes, title: str) -> str:
        """Send ``pdf``; a short note of where it went (job id or file)."""
        ...


@dataclass
class CupsPrinter:
    """A CUPS queue: the PDF goes to ``lp -d NAME`` on standard input."""

    name: str

    @property
    def label(self) -> str:
        """The queue's name."""
        return self.name

    def print_pdf(self, pdf: bytes, title: str) -> str:
        """Queue the PDF; the job id lp reports."""
        lp = shutil.which("lp")
        if lp is None:
            raise PrintFailed("印刷コマンド（lp）が見つかりません。CUPS を確認してください。")
        try:
            done = subprocess.run(
                [lp, "-d", self.name, "-t", title, "-o", "media=A4", "-"],
                input=pdf,
                capture_output=True,
                timeout=LP_TIMEOUT_SECONDS,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise PrintFailed(f"プリンタ {self.name} に送れませんでした: {exc}") from exc
        if done.returncode != 0:
            detail = done.stderr.decode("utf-8", "replace").strip()
            raise PrintFailed(f"プリンタ {self.name} に送れませんでした: {detail}")
        return done.stdout.decode("utf-8", "replace").strip() or self.name


@dataclass
class PdfFilePrinter:
    """The "PDF printer": each job is written to a file in ``folder``."""

    folder: Path
    written: list[Path] = field(default_factory=list)

    @property
    def label(self) -> str:
        """Where the files go."""
        return f"PDF（{self.folder}）"

    def print_pdf(self, pdf: bytes, title: str) -> str:
        """Write the PDF as ``<title>.pdf`` (numbered when the name is taken)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        stem = "".join(c if c.isalnum() or c in "-_" else "_" for c in title) or "certificate"
        path = self.folder / f"{stem}.pdf"
        number = 1
        while path.exists():
            number += 1
            path = self.folder / f"{stem}-{number}.pdf"
        save_pdf(pdf, path)
        self.written.append(path)
        return str(path)


def save_pdf(pdf: bytes, path: Path) -> None:
    """Write ``pdf`` to ``path`` readable by the owner only (it carries personal data)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(pdf)
    except OSError as exc:
        raise PrintFailed(f"PDF を保存できませんでした（{path}）: {exc}") from exc


def cups_printers() -> list[str]:
    """The CUPS queues (``lpstat -e``), or none when CUPS is not there."""
    lpstat = shutil.which("lpstat")
    if lpstat is None:
        return []
    try:
        done = subprocess.run(
            [lpstat, "-e"], capture_output=True, timeout=5, check=False, encoding="utf-8"
        )
    except (OSError, subprocess.TimeoutExpired):
        return []
    return [line.strip() for line in done.stdout.splitlines() if line.strip()]


def cups_name(qt_name: str, queues: Sequence[str]) -> str | None:
    """The CUPS queue Qt's printer name stands for (Qt shows the queue or its description)."""
    if qt_name in queues:
        return qt_name
    folded = {queue.casefold().replace(" ", "_"): queue for queue in queues}
    return folded.get(qt_name.casefold().replace(" ", "_"))


def choose_printer(parent: QWidget, fallback: Printer) -> Printer | None:
    """Ask with Qt's print dialog; ``fallback`` when there is no CUPS queue or no dialog.

    ``None`` when the user cancels.
    """
    queues = cups_printers()
    if not queues:
        return fallback
    try:
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter
    except ImportError:
        return CupsPrinter(queues[0])
    printer = QPrinter()
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle(parent.tr("証明書の印刷"))
    if dialog.exec() != QPrintDialog.DialogCode.Accepted:
        return None
    name = cups_name(printer.printerName(), queues)
    return CupsPrinter(name) if name else fallback
