"""A compact register search for the intake forms (standard j460, j470): find a person, and
through them their household.

The same rules as the search screen (the service refuses too-broad criteria and says why);
current residents only. Enter in a criterion searches, Enter on a result chooses it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from madoguchi.app.services.search import SearchCriteria, SearchResult
from madoguchi.widgets.background import Op
from madoguchi.widgets.criteria import criteria_edit
from madoguchi.widgets.messages import is_user_error, message_bridge
from madoguchi.widgets.register_tables import configure_table, person_table_model

Search = Callable[[SearchCriteria], SearchResult]


class HouseholdFinder(QWidget):
    """Criteria and results; ``person_chosen(PersonSummary)`` when a result is taken."""

    person_chosen = Signal(object)
    searched = Signal(int)
    refused = Signal(str)

    def __init__(self, search: Search, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._search = search
        self.name_edit = self._criterion("finder_name_edit", self.tr("氏名（カナ・漢字）"))
        self.birth_edit = self._criterion("finder_birth_edit", self.tr("生年月日"))
        self.address_edit = self._criterion("finder_address_edit", self.tr("住所"))
        self.atena_edit = self._criterion("finder_atena_edit", self.tr("宛名番号"))
        self.search_button = QPushButton(self.tr("検索 (F3)"), self)
        self.search_button.setAutoDefault(True)
        self.search_button.clicked.connect(self.run_search)
        self.message_label = QLabel(self)
        self.message_label.setWordWrap(True)
        self.message_label.setStyleSheet("color: #b00020")
        self.model = person_table_model(self)
        self.results = QTableView(self)
        self.results.setObjectName("finder_results")
        self.results.setModel(self.model)
        configure_table(self.results)
        self.results.setMaximumHeight(140)
        # Enter on a result takes it (the intake form's Enter-advances filter stays off).
        self.results.setProperty("enter_advances", False)
        self.results.activated.connect(lambda index: self._choose(index.row()))

        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        for column, edit in enumerate(
            (self.name_edit, self.birth_edit, self.address_edit, self.atena_edit)
        ):
            grid.addWidget(edit, 0, column)
        grid.addWidget(self.search_button, 0, 4)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(grid)
        layout.addWidget(self.message_label)
        layout.addWidget(self.results)
        for first, second in itertools.pairwise(self.chain()):
            QWidget.setTabOrder(first, second)

    def _criterion(self, name: str, placeholder: str) -> QLineEdit:
        edit = criteria_edit(self, name, placeholder, self.run_search)
        edit.setProperty("enter_advances", False)  # Enter searches
        return edit

    def chain(self) -> list[QWidget]:
        """The finder's widgets in tab order."""
        return [
            self.name_edit,
            self.birth_edit,
            self.address_edit,
            self.atena_edit,
            self.search_button,
            self.results,
        ]

    def criteria(self) -> SearchCriteria:
        """The criteria typed (current residents only)."""
        return SearchCriteria(
            name=self.name_edit.text(),
            birth_date=self.birth_edit.text(),
            address=self.address_edit.text(),
            atena_no=self.atena_edit.text(),
            include_removed=False,
        )

    def search_or_focus(self) -> None:
        """F3: search with the criteria typed, or go to the first criterion when there are none."""
        typed = (self.name_edit, self.birth_edit, self.address_edit, self.atena_edit)
        if any(edit.text().strip() for edit in typed):
            self.run_search()
        else:
            self.name_edit.setFocus()

    def run_search(self) -> None:
        """Search in the background; the results take the focus."""
        criteria, search = self.criteria(), self._search
        self.message_label.clear()
        Op(self, lambda: search(criteria)).success(self._show).failure(self._refused).run()

    def _show(self, result: SearchResult) -> None:
        persons = [p for p in result.persons if p.status == "current"]
        self.model.set_rows(persons)
        if persons:
            self.results.selectRow(0)
            self.results.setFocus()
        else:
            self.message_label.setText(self.tr("該当する現在の住民はいません。"))
        self.searched.emit(len(persons))

    def _refused(self, exc: BaseException) -> None:
        if not is_user_error(exc):
            message_bridge().report_exception(exc)
            return
        self.message_label.setText(str(exc))
        self.refused.emit(str(exc))

    def _choose(self, row: int) -> None:
        self.person_chosen.emit(self.model.row_at(row))

    def clear(self) -> None:
        """Empty criteria and results."""
        for edit in (self.name_edit, self.birth_edit, self.address_edit, self.atena_edit):
            edit.clear()
        self.model.set_rows([])
        self.message_label.clear()
