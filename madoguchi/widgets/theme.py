"""The counter's look: one Japanese UI font for every widget, so glyphs never mix fonts."""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

UI_FONT_FAMILIES = ("Noto Sans CJK JP", "IPAexGothic", "IPAGothic", "Source Han Sans JP")


def apply_counter_font(app: QApplication, point_size: int = 11) -> str | None:
    """Use the first installed Japanese UI font; return its family (None if none found)."""
    installed = set(QFontDatabase.families())
    for family in UI_FONT_FAMILIES:
        if family in installed:
            app.setFont(QFont(family, point_size))
            return family
    return None
