"""Small pieces shared by the criteria forms (search, audit)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QLineEdit, QWidget


def criteria_edit(
    parent: QWidget, name: str, placeholder: str, on_return: Callable[[], None]
) -> QLineEdit:
    """A named line edit with a placeholder; Enter runs ``on_return`` (the search)."""
    edit = QLineEdit(parent)
    edit.setObjectName(name)
    edit.setPlaceholderText(placeholder)
    edit.returnPressed.connect(on_return)
    return edit
