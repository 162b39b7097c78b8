"""The identity check's comparison table (R-CARD-2): the card beside the register.

Rows that do not agree are coloured and marked 「※」 in their text, so the difference is seen
without colour too. The 個人番号 row never carries the number: both sides show the mask and the
last column says only whether the card's number matches the register's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from madoguchi.app.domain.wareki import format_date_jp
from madoguchi.app.services.identity_check import (
    AGREEMENT_LABELS,
    MASKED_NUMBER,
    Agreement,
    CardComparison,
)
from madoguchi.widgets.table_models import Column, RowTableModel

NUMBER_LABELS = {
    Agreement.SAME: "一致",
    Agreement.DIFFERENT: "不一致",
    Agreement.NO_REGISTER: "照合先なし",
}
EMPHASIS_STYLES = {
    "bad": (QColor("#fbd5d5"), QColor("#8a1010")),
    "warn": (QColor("#fff1c2"), QColor("#6b4b00")),
}


@dataclass(frozen=True)
class ComparisonRow:
    """One line of the comparison table; ``emphasis`` is "", "warn" or "bad"."""

    label: str
    card_value: str
    register_value: str
    agreement: str
    emphasis: str


def _date_text(value: str) -> str:
    try:
        return format_date_jp(dt.date.fromisoformat(value))
    except ValueError:
        return value


def comparison_rows(comparison: CardComparison) -> list[ComparisonRow]:
    """The table's rows: the four items, then the 個人番号 as a match only."""
    rows = []
    for item in comparison.items:
        card, register = item.card_value, item.register_value
        if item.label == "生年月日":
            card, register = _date_text(card), _date_text(register) if register else ""
        same = item.agreement == Agreement.SAME
        label = AGREEMENT_LABELS[item.agreement]
        rows.append(
            ComparisonRow(
                item.label,
                card,
                register or "—",
                label if same else f"※ {label}",
                "" if same else ("bad" if item.agreement == Agreement.DIFFERENT else "warn"),
            )
        )
    number = comparison.individual_number_agreement
    rows.append(
        ComparisonRow(
            "個人番号",
            comparison.individual_number_shown,
            MASKED_NUMBER if number != Agreement.NO_REGISTER else "—",
            NUMBER_LABELS[number] if number == Agreement.SAME else f"※ {NUMBER_LABELS[number]}",
            {"same": "", "different": "bad"}.get(number.value, "warn"),
        )
    )
    return rows


COMPARISON_COLUMNS: list[Column[ComparisonRow]] = [
    Column("項目", lambda r: r.label),
    Column("カード", lambda r: r.card_value),
    Column("住民票", lambda r: r.register_value),
    Column("照合", lambda r: r.agreement),
]


class ComparisonTableModel(RowTableModel[ComparisonRow]):
    """The comparison, rows that do not agree coloured (and marked ※ in their text)."""

    def data(
        self,
        index: QModelIndex | QPersistentModelIndex,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if index.isValid() and 0 <= index.row() < self.rowCount():
            style = EMPHASIS_STYLES.get(self.row_at(index.row()).emphasis)
            if style is not None:
                if role == Qt.ItemDataRole.BackgroundRole:
                    return QBrush(style[0])
                if role == Qt.ItemDataRole.ForegroundRole:
                    return QBrush(style[1])
                if role == Qt.ItemDataRole.FontRole:
                    font = QFont()
                    font.setBold(True)
                    return font
        return super().data(index, role)
