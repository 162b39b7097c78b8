"""書かない窓口 (R-INTAKE-5): two sources of one person side by side, differences marked.

Staff confirm the differences here instead of retyping: the card beside the received
転出証明書情報 (or an online 転入予約). The 個人番号 row says only 一致/相違.
"""

from __future__ import annotations

import datetime as dt

from madoguchi.app.domain.wareki import format_date_jp
from madoguchi.app.services.intake.prefill import ItemDifference
from madoguchi.widgets.card_comparison import ComparisonRow
from madoguchi.widgets.table_models import Column

SEX_TEXT = {"1": "男", "2": "女", "9": "適用不能"}


def _shown(label: str, value: str) -> str:
    if label == "性別":
        return SEX_TEXT.get(value, value)
    if label == "生年月日":
        try:
            return format_date_jp(dt.date.fromisoformat(value))
        except ValueError:
            return value
    return value


def difference_rows(differences: tuple[ItemDifference, ...]) -> list[ComparisonRow]:
    """Rows for ``ComparisonTableModel``: differing items marked ※ and coloured."""
    return [
        ComparisonRow(
            d.label,
            _shown(d.label, d.left) or "—",
            _shown(d.label, d.right) or "—",
            "一致" if d.same else "※ 相違",
            "" if d.same else "bad",
        )
        for d in differences
    ]


def prefill_columns(left: str, right: str) -> list[Column[ComparisonRow]]:
    """The table's columns, headed by the two sources' names."""
    return [
        Column("項目", lambda r: r.label),
        Column(left, lambda r: r.card_value),
        Column(right, lambda r: r.register_value),
        Column("照合", lambda r: r.agreement),
    ]
