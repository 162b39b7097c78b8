"""Tables of the register shared by several screens: persons and 異動履歴."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from madoguchi.app.services.register_view import HistoryEntry
from madoguchi.app.services.search import PersonSummary
from madoguchi.widgets.table_models import Column, RowTableModel

PERSON_COLUMNS: list[Column[PersonSummary]] = [
    Column("状態", lambda p: p.status_label),
    Column("宛名番号", lambda p: p.atena_no),
    Column("氏名", lambda p: p.name + (f"（通称 {p.alias_name}）" if p.alias_name else "")),
    Column("フリガナ", lambda p: p.kana),
    Column("生年月日", lambda p: p.birth_date),
    Column("性別", lambda p: p.sex),
    Column("続柄", lambda p: p.relationship),
    Column("カード", lambda p: p.card_status),
    Column("住所", lambda p: p.address),
]


PROTECTED_MARK = "【支援措置】"


def person_table_model(
    parent: QWidget, protected: Callable[[str], bool] | None = None
) -> RowTableModel[PersonSummary]:
    """A table model of person rows, 除票 greyed; ``protected`` persons marked 【支援措置】."""
    columns = PERSON_COLUMNS
    if protected is not None:
        is_protected = protected
        columns = [
            Column(
                "状態",
                lambda p: (PROTECTED_MARK if is_protected(p.atena_no) else "") + p.status_label,
            ),
            *PERSON_COLUMNS[1:],
        ]
    return RowTableModel(columns, is_removed=lambda p: p.status == "removed", parent=parent)


def configure_table(view: QTableView) -> None:
    """Row selection, keyboard-friendly, stretch the last column."""
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    view.horizontalHeader().setStretchLastSection(True)
    view.verticalHeader().setVisible(False)
    view.setTabKeyNavigation(False)


HISTORY_COLUMNS: list[Column[HistoryEntry]] = [
    Column("異動日", lambda h: h.change_date),
    Column("異動事由", lambda h: h.change_reason),
    Column("氏名", lambda h: h.person_name),
    Column("届出日", lambda h: h.notified_on),
    Column("処理日時", lambda h: h.processed_at),
    Column("端末", lambda h: h.terminal_id),
    Column("職員", lambda h: h.staff_no),
    Column("内容", lambda h: h.summary),
]


def history_table_model(parent: QWidget) -> RowTableModel[HistoryEntry]:
    """A table model of 異動履歴 rows."""
    return RowTableModel(HISTORY_COLUMNS, parent=parent)
