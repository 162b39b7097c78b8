"""The pages of a PDF on screen, drawn by poppler's ``pdftoppm`` (this Qt has no QtPdf).

The PDF is rasterised to PNGs in a private temporary folder, shown one below the other in a
scroll area, and the folder is removed at once: the images carry personal data.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QLabel, QScrollArea, QVBoxLayout, QWidget

PREVIEW_DPI = 60
PDFTOPPM_TIMEOUT_SECONDS = 60


class PreviewUnavailable(OSError):
    """The pages could not be drawn (pdftoppm missing or failing)."""


def render_pages(pdf: bytes, dpi: int = PREVIEW_DPI) -> list[bytes]:
    """Each page of ``pdf`` as PNG bytes."""
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        raise PreviewUnavailable(
            "見本を表示できません: pdftoppm（poppler-utils）がインストールされていません。"
        )
    with tempfile.TemporaryDirectory(prefix="madoguchi-preview-") as folder:
        source = Path(folder) / "preview.pdf"
        source.write_bytes(pdf)
        try:
            subprocess.run(
                [pdftoppm, "-png", "-r", str(dpi), str(source), str(Path(folder) / "page")],
                capture_output=True,
                timeout=PDFTOPPM_TIMEOUT_SECONDS,
                check=True,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            raise PreviewUnavailable(f"見本を表示できません: {exc}") from exc
        return [path.read_bytes() for path in sorted(Path(folder).glob("page-*.png"))]


class PagePreview(QScrollArea):
    """PNG pages stacked vertically, or a message in their place."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("page_preview")
        self.setWidgetResizable(True)
        self._holder = QWidget(self)
        self._layout = QVBoxLayout(self._holder)
        self._layout.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.setWidget(self._holder)
        self.page_labels: list[QLabel] = []
        self.message = QLabel(self._holder)
        self.message.setObjectName("page_preview_message")
        self.message.setWordWrap(True)
        self._layout.addWidget(self.message)

    def clear_pages(self, text: str = "") -> None:
        """No pages; ``text`` instead."""
        for label in self.page_labels:
            label.deleteLater()
        self.page_labels = []
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def show_pages(self, pages: list[bytes]) -> None:
        """Show the PNG ``pages``."""
        self.clear_pages()
        for number, png in enumerate(pages, start=1):
            pixmap = QPixmap()
            pixmap.loadFromData(png, "PNG")
            label = QLabel(self._holder)
            label.setObjectName(f"preview_page_{number}")
            label.setPixmap(pixmap)
            label.setStyleSheet("border: 1px solid #999; background: white")
            self._layout.addWidget(label)
            self.page_labels.append(label)
