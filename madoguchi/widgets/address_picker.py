"""The new address of an intake: 郵便番号 ↔ 町字 from the address master, then 番地 and 方書.

Typing a postal code narrows the 町字 list to the towns that carry it (and says so when the
master has none); choosing a town from the whole list fills in its postal code. 番地 is kept
in the register's canonical form (``16-3``) whatever was typed (``16番3号``, ``１６－３``).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QGridLayout, QLabel, QLineEdit, QWidget

from madoguchi.app.domain.address import InvalidPostalCode, PostalCode, Town
from madoguchi.app.services.search import split_address
from madoguchi.widgets.intake_inputs import HalfWidthEdit, ValidatedEdit


@dataclass(frozen=True)
class PickedAddress:
    """What the picker holds: the town's code, canonical 番地, 方書 and postal code."""

    address_code: str | None
    banchi: str
    katagaki: str | None
    postal_code: str | None


def canonical_banchi(text: str) -> str:
    """``16番3号``, ``16番地の3`` or ``１６－３`` as ``16-3`` ("" when no number was typed)."""
    return split_address(text, ())[1] or ""


class BanchiEdit(ValidatedEdit):
    """番地: shown canonical (``16-3``) once typed; it must contain a number."""

    def judge(self, text: str) -> str:
        """Canonicalise; a 番地 without a number is a problem."""
        if not text.strip():
            return ""
        canonical = canonical_banchi(text)
        if not canonical:
            return self.tr("番地は「16-3」または「16番3号」のように数字で入力してください。")
        if canonical != text:
            self.setText(canonical)
        return ""


class AddressPicker(QWidget):
    """郵便番号, 町字, 番地, 方書 in that order; ``set_towns`` gives it the master."""

    problem_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._towns: list[Town] = []
        self._problem = ""
        self.postal_edit = HalfWidthEdit(self, allowed="-", check=self._postal_problem)
        self.postal_edit.setObjectName("postal_code_edit")
        self.postal_edit.setPlaceholderText(self.tr("例: 909-0101"))
        self.postal_edit.setMaxLength(8)
        self.town_combo = QComboBox(self)
        self.town_combo.setObjectName("town_combo")
        self.town_combo.setMinimumContentsLength(16)
        self.banchi_edit = BanchiEdit(self)
        self.banchi_edit.setObjectName("banchi_edit")
        self.banchi_edit.setPlaceholderText(self.tr("例: 16-3 / 16番3号"))
        self.katagaki_edit = QLineEdit(self)
        self.katagaki_edit.setObjectName("katagaki_edit")
        self.katagaki_edit.setPlaceholderText(self.tr("建物名・部屋番号（なければ空欄）"))

        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        for column, (text, widget) in enumerate(
            (
                (self.tr("郵便番号(&P)"), self.postal_edit),
                (self.tr("町字(&C)"), self.town_combo),
            )
        ):
            label = QLabel(text, self)
            label.setBuddy(widget)
            grid.addWidget(label, 0, column * 2)
            grid.addWidget(widget, 0, column * 2 + 1)
        for column, (text, widget) in enumerate(
            ((self.tr("番地(&B)"), self.banchi_edit), (self.tr("方書"), self.katagaki_edit))
        ):
            label = QLabel(text, self)
            label.setBuddy(widget)
            grid.addWidget(label, 1, column * 2)
            grid.addWidget(widget, 1, column * 2 + 1)
        grid.setColumnStretch(3, 1)
        QWidget.setTabOrder(self.postal_edit, self.town_combo)
        QWidget.setTabOrder(self.town_combo, self.banchi_edit)
        QWidget.setTabOrder(self.banchi_edit, self.katagaki_edit)

        self.postal_edit.editingFinished.connect(self._postal_entered)
        self.town_combo.currentIndexChanged.connect(self._town_chosen)
        for edit in (self.postal_edit, self.banchi_edit):
            edit.problem_changed.connect(self._field_problem)
        self._fill(self._towns)

    # -- the master ----------------------------------------------------------------------

    def set_towns(self, towns: list[Town]) -> None:
        """The address master to pick from."""
        self._towns = list(towns)
        self._postal_entered()

    def _fill(self, towns: list[Town], *, with_blank: bool = True) -> None:
        chosen = self.town_combo.currentData()
        self.town_combo.blockSignals(True)
        self.town_combo.clear()
        if with_blank:
            self.town_combo.addItem(self.tr("（町字を選択）"), None)
        for town in towns:
            self.town_combo.addItem(
                f"{town.name_without_prefecture()}（〒{town.postal_code.formatted()}）",
                town.code.value,
            )
        index = self.town_combo.findData(chosen) if chosen else -1
        self.town_combo.setCurrentIndex(max(index, 0))
        self.town_combo.blockSignals(False)

    def _postal_problem(self, text: str) -> str:
        try:
            postal = PostalCode.parse(text)
        except InvalidPostalCode as problem:
            return str(problem)
        if not any(t.postal_code == postal for t in self._towns) and self._towns:
            return self.tr(
                "郵便番号 {0} の町字は住所辞書にありません。番号を確かめるか、町字を一覧から"
                "選んでください。"
            ).format(postal.formatted())
        return ""

    def _postal_entered(self) -> None:
        text = self.postal_edit.text().strip()
        try:
            postal = PostalCode.parse(text) if text else None
        except InvalidPostalCode:
            postal = None
        matching = [t for t in self._towns if postal is not None and t.postal_code == postal]
        if postal is not None and self.postal_edit.text() != postal.formatted():
            self.postal_edit.setText(postal.formatted())
        if matching:
            self._fill(matching, with_blank=False)
        else:
            self._fill(self._towns)

    def _town_chosen(self, _index: int) -> None:
        town = self.town()
        if town is not None and self.postal_edit.text() != town.postal_code.formatted():
            self.postal_edit.set_value(town.postal_code.formatted())

    # -- value ---------------------------------------------------------------------------

    def town(self) -> Town | None:
        """The 町字 chosen."""
        code = self.town_combo.currentData()
        return next((t for t in self._towns if t.code.value == code), None)

    def address(self) -> PickedAddress:
        """The address as picked and typed."""
        town = self.town()
        katagaki = self.katagaki_edit.text().strip()
        return PickedAddress(
            address_code=town.code.value if town else None,
            banchi=canonical_banchi(self.banchi_edit.text()),
            katagaki=katagaki or None,
            postal_code=town.postal_code.value if town else None,
        )

    def set_address(self, address: PickedAddress) -> None:
        """Show a saved address (a draft being edited)."""
        town = next((t for t in self._towns if t.code.value == address.address_code), None)
        self.postal_edit.set_value(town.postal_code.formatted() if town else "")
        self._postal_entered()
        if town is not None:
            self.town_combo.setCurrentIndex(max(self.town_combo.findData(town.code.value), 0))
        self.banchi_edit.set_value(address.banchi)
        self.katagaki_edit.setText(address.katagaki or "")

    def clear(self) -> None:
        """Empty every field."""
        self.set_address(PickedAddress(None, "", None, None))

    @property
    def problem(self) -> str:
        """The first field problem, if any."""
        return self.postal_edit.problem or self.banchi_edit.problem

    def _field_problem(self, _text: str) -> None:
        problem = self.problem
        if problem != self._problem:
            self._problem = problem
            self.problem_changed.emit(problem)
