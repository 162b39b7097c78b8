"""Where the movers go (standard j470): a new household at an address (全部), or an existing
household (一部), whose members are shown while the 続柄 are entered.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from madoguchi.app.domain.address import Town
from madoguchi.app.domain.intake import Destination
from madoguchi.app.services.register_view import HouseholdView
from madoguchi.app.services.search import PersonSummary
from madoguchi.widgets.address_picker import AddressPicker, PickedAddress
from madoguchi.widgets.background import Op
from madoguchi.widgets.household_finder import HouseholdFinder, Search
from madoguchi.widgets.register_tables import configure_table, person_table_model

LoadHousehold = Callable[[str], HouseholdView]
NEW, EXISTING = "new", "existing"


class DestinationPicker(QWidget):
    """Mode (new / existing household), then the address or the household."""

    problem_changed = Signal(str)
    household_shown = Signal(object)  # HouseholdView

    def __init__(
        self, search: Search, load_household: LoadHousehold, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._load_household = load_household
        self.household: HouseholdView | None = None
        self.mode_combo = QComboBox(self)
        self.mode_combo.setObjectName("destination_mode_combo")
        self.mode_combo.addItem(self.tr("新しい世帯を作る（全部）"), NEW)
        self.mode_combo.addItem(self.tr("既存の世帯に入る（一部）"), EXISTING)
        self.address = AddressPicker(self)
        self.address.problem_changed.connect(self.problem_changed)
        self.finder = HouseholdFinder(search, self)
        self.finder.person_chosen.connect(self._person_chosen)
        self.household_label = QLabel(self.tr("入る世帯を検索して選んでください。"), self)
        self.household_label.setObjectName("destination_household_label")
        self.household_label.setWordWrap(True)
        self.members_model = person_table_model(self)
        self.members_table = QTableView(self)
        self.members_table.setObjectName("destination_members")
        self.members_table.setModel(self.members_model)
        configure_table(self.members_table)
        self.members_table.setMaximumHeight(120)
        existing = QWidget(self)
        existing_layout = QVBoxLayout(existing)
        existing_layout.setContentsMargins(0, 0, 0, 0)
        existing_layout.addWidget(self.finder)
        existing_layout.addWidget(self.household_label)
        existing_layout.addWidget(self.members_table)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.address)
        self.stack.addWidget(existing)
        mode_line = QHBoxLayout()
        mode_label = QLabel(self.tr("異動先の世帯(&H)"), self)
        mode_label.setBuddy(self.mode_combo)
        mode_line.addWidget(mode_label)
        mode_line.addWidget(self.mode_combo)
        mode_line.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(mode_line)
        layout.addWidget(self.stack)
        for first, second in itertools.pairwise(self.chain()):
            QWidget.setTabOrder(first, second)
        self.mode_combo.currentIndexChanged.connect(self._mode_changed)
        self._mode_changed()

    def set_towns(self, towns: list[Town]) -> None:
        """The address master for the new-household address."""
        self.address.set_towns(towns)

    def mode(self) -> str:
        """``new`` or ``existing``."""
        return str(self.mode_combo.currentData())

    def set_mode(self, mode: str, *, fixed: bool = False) -> None:
        """Choose the mode; ``fixed`` hides the choice (世帯合併 always joins a household)."""
        self.mode_combo.setCurrentIndex(max(self.mode_combo.findData(mode), 0))
        self.mode_combo.setEnabled(not fixed)

    def _mode_changed(self) -> None:
        current = 0 if self.mode() == NEW else 1
        self.stack.setCurrentIndex(current)
        # The stack takes the height of its current page only, not of the tallest one.
        for index in range(self.stack.count()):
            policy = (
                QSizePolicy.Policy.Preferred if index == current else QSizePolicy.Policy.Ignored
            )
            page = self.stack.widget(index)
            if page is not None:
                page.setSizePolicy(policy, policy)
        self.stack.adjustSize()

    def chain(self) -> list[QWidget]:
        """The picker's fields in tab order (the page not shown is skipped by Tab)."""
        address = self.address
        return [
            self.mode_combo,
            address.postal_edit,
            address.town_combo,
            address.banchi_edit,
            address.katagaki_edit,
            *self.finder.chain(),
            self.members_table,
        ]

    def _person_chosen(self, person: PersonSummary) -> None:
        self.show_household(person.household_no)

    def show_household(self, household_no: str) -> None:
        """Load and show an existing household as the destination."""
        load = self._load_household
        Op(self, lambda: load(household_no)).success(self._show).run()

    def _show(self, view: HouseholdView) -> None:
        self.household = view
        current = [m for m in view.members if m.status == "current"]
        self.household_label.setText(
            self.tr("入る世帯: 世帯番号 {0}　世帯主 {1}　住所 {2}").format(
                view.household_no, view.householder or "—", view.address
            )
        )
        self.members_model.set_rows(current)
        self.household_shown.emit(view)

    def destination(self) -> Destination | None:
        """The destination as chosen (None when nothing is chosen yet)."""
        if self.mode() == EXISTING:
            if self.household is None:
                return None
            return Destination(household_no=self.household.household_no)
        picked = self.address.address()
        if picked.address_code is None and not picked.banchi:
            return None
        return Destination(
            address_code=picked.address_code,
            banchi=picked.banchi,
            katagaki=picked.katagaki,
            postal_code=picked.postal_code,
        )

    def set_destination(self, destination: Destination | None) -> None:
        """Show a saved destination (a draft), or clear."""
        self.household = None
        self.members_model.set_rows([])
        self.household_label.setText(self.tr("入る世帯を検索して選んでください。"))
        self.finder.clear()
        if destination is not None and destination.household_no:
            self.set_mode(EXISTING, fixed=not self.mode_combo.isEnabled())
            self.address.clear()
            self.show_household(destination.household_no)
            return
        if self.mode_combo.isEnabled():
            self.set_mode(NEW)
        if destination is None:
            self.address.clear()
            return
        self.address.set_address(
            PickedAddress(
                destination.address_code,
                destination.banchi,
                destination.katagaki,
                destination.postal_code,
            )
        )

    @property
    def problem(self) -> str:
        """The address fields' problem, if any."""
        return self.address.problem if self.mode() == NEW else ""
