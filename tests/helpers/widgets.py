"""Reading what a person could see in a widget tree."""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractItemView, QLabel, QLineEdit, QWidget


def all_visible_text(root: QWidget) -> str:
    """Every string a person could read or copy in the widget tree, including table cells."""
    parts: list[str] = []
    for widget in [root, *root.findChildren(QWidget)]:
        parts.append(widget.toolTip())
        if isinstance(widget, QLabel):
            parts.append(widget.text())
        if isinstance(widget, QLineEdit):
            parts.append(widget.text())
        if isinstance(widget, QAbstractItemView) and widget.model() is not None:
            model = widget.model()
            for row in range(model.rowCount()):
                for column in range(model.columnCount()):
                    parts.append(str(model.data(model.index(row, column))))
    return "\n".join(parts)
