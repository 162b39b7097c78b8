"""Search screen (R-SRCH-1…3): criteria on the left in paper order, results below.

Enter in any field searches; the service decides whether the criteria are enough and the
screen shows its reason when they are not. Searches run on the database thread.
"""

from __future__ import annotations

import itertools

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from madoguchi.app.context import ServiceContext
from madoguchi.app.domain.permissions import Action, allowed
from madoguchi.app.services.counter import CounterServices
from madoguchi.app.services.search import PersonSummary, SearchCriteria, SearchResult
from madoguchi.storage.register import NameMatch
from madoguchi.widgets.background import Op
from madoguchi.widgets.criteria import criteria_edit
from madoguchi.widgets.messages import is_user_error, message_bridge
from madoguchi.widgets.register_tables import configure_table, person_table_model


class SearchScreen(QWidget):
    """Criteria form and result list."""

    person_requested = Signal(str)
    household_requested = Signal(str)
    search_finished = Signal(int)
    search_refused = Signal(str)

    def __init__(
        self, services: CounterServices, ctx: ServiceContext, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("search_screen")
        self._services = services
        self._ctx = ctx
        self._build()

    def _line(self, name: str, placeholder: str) -> QLineEdit:
        return criteria_edit(self, name, placeholder, self.run_search)

    def _build(self) -> None:
        self.name_edit = self._line(
            "name_edit", self.tr("カナ・漢字（例: サイトウ タロウ / 斉藤）")
        )
        self.birth_edit = self._line(
            "birth_edit", self.tr("例: S45.3.1 / 昭和45年3月1日 / 1970-03-01")
        )
        self.address_edit = self._line("address_edit", self.tr("例: 本町1丁目3-12"))
        self.sex_combo = QComboBox(self)
        self.sex_combo.setObjectName("sex_combo")
        for label, code in ((self.tr("指定なし"), ""), (self.tr("男"), "1"), (self.tr("女"), "2")):
            self.sex_combo.addItem(label, code)
        self.atena_edit = self._line("atena_edit", self.tr("宛名番号"))
        self.resident_code_edit = self._line("resident_code_edit", self.tr("住民票コード（11桁）"))
        self.individual_number_edit = self._line(
            "individual_number_edit", self.tr("個人番号（12桁）")
        )
        self.individual_number_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.match_combo = QComboBox(self)
        self.match_combo.setObjectName("match_combo")
        for label, mode in (
            (self.tr("前方一致"), NameMatch.PREFIX),
            (self.tr("完全一致"), NameMatch.EXACT),
            (self.tr("部分一致"), NameMatch.CONTAINS),
        ):
            self.match_combo.addItem(label, mode.value)
        self.include_removed_check = QCheckBox(self.tr("除票を含む(&R)"), self)
        self.include_removed_check.setObjectName("include_removed_check")
        self.include_removed_check.setChecked(True)
        self.search_button = QPushButton(self.tr("検索 (F3)"), self)
        self.search_button.setObjectName("search_button")
        self.search_button.clicked.connect(self.run_search)
        self.clear_button = QPushButton(self.tr("クリア (F4)"), self)
        self.clear_button.setObjectName("clear_button")
        self.clear_button.clicked.connect(self.clear)

        left = QFormLayout()
        left.addRow(self.tr("氏名(&N)"), self.name_edit)
        left.addRow(self.tr("生年月日(&B)"), self.birth_edit)
        left.addRow(self.tr("住所(&A)"), self.address_edit)
        left.addRow(self.tr("性別"), self.sex_combo)
        right = QFormLayout()
        right.addRow(self.tr("宛名番号"), self.atena_edit)
        right.addRow(self.tr("住民票コード"), self.resident_code_edit)
        may_use_number = allowed(self._ctx.actor.roles, Action.SEARCH_BY_INDIVIDUAL_NUMBER)
        if may_use_number:
            right.addRow(self.tr("個人番号"), self.individual_number_edit)
        else:
            self.individual_number_edit.hide()
        right.addRow(self.tr("氏名の一致"), self.match_combo)
        grid = QGridLayout()
        grid.addLayout(left, 0, 0)
        grid.addLayout(right, 0, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.include_removed_check)
        buttons.addStretch(1)
        buttons.addWidget(self.clear_button)
        buttons.addWidget(self.search_button)

        self.message_label = QLabel(self)
        self.message_label.setObjectName("search_message")
        self.message_label.setWordWrap(True)
        self.message_label.setStyleSheet("color: #b00020; font-weight: bold")
        self.count_label = QLabel(self)
        self.count_label.setObjectName("result_count")

        self.protected: set[str] = set()
        self.model = person_table_model(self, self.protected.__contains__)
        self.results = QTableView(self)
        self.results.setObjectName("results_table")
        self.results.setModel(self.model)
        configure_table(self.results)
        self.results.activated.connect(lambda index: self._open_person(index.row()))

        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addLayout(buttons)
        layout.addWidget(self.message_label)
        layout.addWidget(self.count_label)
        layout.addWidget(self.results, 1)

        order = [
            self.name_edit,
            self.birth_edit,
            self.address_edit,
            self.sex_combo,
            self.atena_edit,
            self.resident_code_edit,
        ]
        if may_use_number:
            order.append(self.individual_number_edit)
        order += [
            self.match_combo,
            self.include_removed_check,
            self.clear_button,
            self.search_button,
            self.results,
        ]
        for first, second in itertools.pairwise(order):
            QWidget.setTabOrder(first, second)

        QShortcut(QKeySequence(Qt.Key.Key_F3), self, self.run_search)
        QShortcut(QKeySequence(Qt.Key.Key_F4), self, self.clear)
        QShortcut(QKeySequence(Qt.Key.Key_F6), self, self._open_selected_household)

    def criteria(self) -> SearchCriteria:
        """The criteria as typed."""
        return SearchCriteria(
            name=self.name_edit.text(),
            birth_date=self.birth_edit.text(),
            address=self.address_edit.text(),
            sex=str(self.sex_combo.currentData()),
            atena_no=self.atena_edit.text(),
            resident_code=self.resident_code_edit.text(),
            individual_number=self.individual_number_edit.text(),
            include_removed=self.include_removed_check.isChecked(),
            name_match=NameMatch(self.match_combo.currentData()),
        )

    def run_search(self) -> None:
        """Search in the background; results or the refusal reason appear when it returns."""
        criteria = self.criteria()
        self.message_label.clear()
        self.count_label.setText(self.tr("検索中…"))
        self.search_button.setEnabled(False)
        search, protection = self._services.search, self._services.protection
        ctx = self._ctx

        def work() -> tuple[SearchResult, frozenset[str]]:
            result = search.search(ctx, criteria)
            atena_nos = [p.atena_no for p in result.persons]
            return result, protection.protected_among(ctx, atena_nos)

        Op(self, work).success(self._show).failure(self._refused).run()

    def _show(self, found: tuple[SearchResult, frozenset[str]]) -> None:
        result, protected = found
        self.search_button.setEnabled(True)
        self.protected.clear()
        self.protected.update(protected)
        self.model.set_rows(result.persons)
        removed = sum(1 for p in result.persons if p.status == "removed")
        text = self.tr("{0} 件（うち除票 {1} 件）").format(len(result.persons), removed)
        if result.truncated:
            text += self.tr(
                "　表示は先頭 {0} 件までです。条件を追加して絞り込んでください。"
            ).format(len(result.persons))
        if not result.persons:
            text = self.tr("該当者はいません。")
        self.count_label.setText(text)
        if result.persons:
            self.results.selectRow(0)
            self.results.setFocus()
        self.search_finished.emit(len(result.persons))

    def _refused(self, exc: BaseException) -> None:
        self.search_button.setEnabled(True)
        self.count_label.clear()
        if not is_user_error(exc):
            message_bridge().report_exception(exc)
            return
        self.message_label.setText(str(exc))
        self.search_refused.emit(str(exc))

    def clear(self) -> None:
        """Empty the criteria and the results; focus the name field."""
        for edit in (
            self.name_edit,
            self.birth_edit,
            self.address_edit,
            self.atena_edit,
            self.resident_code_edit,
            self.individual_number_edit,
        ):
            edit.clear()
        self.sex_combo.setCurrentIndex(0)
        self.model.set_rows([])
        self.message_label.clear()
        self.count_label.clear()
        self.name_edit.setFocus()

    def selected_person(self) -> PersonSummary | None:
        """The highlighted result, if any."""
        index = self.results.currentIndex()
        return self.model.row_at(index.row()) if index.isValid() else None

    def _open_person(self, row: int) -> None:
        self.person_requested.emit(self.model.row_at(row).atena_no)

    def _open_selected_household(self) -> None:
        person = self.selected_person()
        if person is not None:
            self.household_requested.emit(person.household_no)
