"""Table models over rows the services return (plain frozen dataclasses, never ORM objects)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

RowT = TypeVar("RowT")
ModelIndex = QModelIndex | QPersistentModelIndex

REMOVED_FOREGROUND = QBrush(QColor("#6b6b6b"))
REMOVED_BACKGROUND = QBrush(QColor("#eeeeee"))


@dataclass(frozen=True)
class Column(Generic[RowT]):
    """One column: its header and how to read its text from a row."""

    header: str
    text: Callable[[RowT], str]


class RowTableModel(QAbstractTableModel, Generic[RowT]):
    """A read-only table of rows; rows for which ``is_removed`` holds are greyed (除票)."""

    def __init__(
        self,
        columns: Sequence[Column[RowT]],
        *,
        is_removed: Callable[[RowT], bool] | None = None,
        parent: Any = None,
    ) -> None:
        super().__init__(parent)
        self._columns = list(columns)
        self._rows: list[RowT] = []
        self._is_removed = is_removed

    def set_rows(self, rows: Sequence[RowT]) -> None:
        """Replace every row."""
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_at(self, row: int) -> RowT:
        """The row object shown at ``row``."""
        return self._rows[row]

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        row = self._rows[index.row()]
        removed = self._is_removed is not None and self._is_removed(row)
        if role == Qt.ItemDataRole.DisplayRole:
            return self._columns[index.column()].text(row)
        if role == Qt.ItemDataRole.ForegroundRole and removed:
            return REMOVED_FOREGROUND
        if role == Qt.ItemDataRole.BackgroundRole and removed:
            return REMOVED_BACKGROUND
        if role == Qt.ItemDataRole.FontRole and removed:
            font = QFont()
            font.setItalic(True)
            return font
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self._columns):
            return self._columns[section].header
        if orientation == Qt.Orientation.Vertical:
            return str(section + 1)
        return None
