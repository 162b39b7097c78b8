"""Household view (世帯照会): every member including removed ones (standard/j430.txt)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGroupBox, QLabel, QTableView, QVBoxLayout, QWidget

from madoguchi.app.services.register_view import HouseholdView
from madoguchi.widgets.register_tables import (
    configure_table,
    history_table_model,
    person_table_model,
)


class HouseholdScreen(QWidget):
    """Shows one HouseholdView; Enter on a member opens that person."""

    person_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("household_screen")
        self.title = QLabel(self.tr("世帯が選択されていません。"), self)
        self.title.setObjectName("household_title")
        self.title.setStyleSheet("font-size: 18px; font-weight: bold")
        self.address_label = QLabel(self)
        self.address_label.setObjectName("household_address")
        self.protected: set[str] = set()
        self.members_model = person_table_model(self, self.protected.__contains__)
        self.members_table = QTableView(self)
        self.members_table.setObjectName("household_members")
        self.members_table.setModel(self.members_model)
        configure_table(self.members_table)
        self.members_table.activated.connect(
            lambda index: self.person_requested.emit(
                self.members_model.row_at(index.row()).atena_no
            )
        )
        self.history_model = history_table_model(self)
        self.history_table = QTableView(self)
        self.history_table.setObjectName("household_history")
        self.history_table.setModel(self.history_model)
        configure_table(self.history_table)
        members_box = QGroupBox(self.tr("世帯員（除票を含む）"), self)
        QVBoxLayout(members_box).addWidget(self.members_table)
        history_box = QGroupBox(self.tr("異動履歴"), self)
        QVBoxLayout(history_box).addWidget(self.history_table)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.address_label)
        layout.addWidget(members_box, 2)
        layout.addWidget(history_box, 1)

    def show_household(self, view: HouseholdView, protected: frozenset[str] = frozenset()) -> None:
        """Show a household; members under a 支援措置 (``protected``) are marked."""
        self.protected.clear()
        self.protected.update(protected)
        current = sum(1 for m in view.members if m.status == "current")
        self.title.setText(
            self.tr("世帯番号 {0}　世帯主 {1}　世帯員 {2} 人（除票 {3} 人）").format(
                view.household_no, view.householder or "—", current, len(view.members) - current
            )
        )
        self.address_label.setText(self.tr("住所: {0}").format(view.address))
        self.members_model.set_rows(view.members)
        self.history_model.set_rows(view.history)
        if view.members:
            self.members_table.selectRow(0)
