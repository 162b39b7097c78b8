"""The 転入 part of the intake screen: persons who are not yet residents (standard j460, j590).

In the paper's order: 新住所 (a new household at an address, or an existing household), 転入前
住所, 世帯主, then one line per person. The 転出証明書情報 a 特例転入 rests on is shown; the
screen fills it from a card read (F8) or a look-up (F7).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from madoguchi.app.context import ServiceContext
from madoguchi.app.domain.address import Town
from madoguchi.app.domain.intake import IntakeForm, Mover, Variant
from madoguchi.app.services.counter import CounterServices
from madoguchi.app.services.register_view import HouseholdView
from madoguchi.widgets.destination_picker import EXISTING, DestinationPicker
from madoguchi.widgets.mover_rows import MoverRowsEditor


class NewcomerSection(QWidget):
    """新住所, 転入前住所, 世帯主 and the persons of a 転入."""

    chain_changed = Signal()
    problem_changed = Signal(str)

    def __init__(
        self, services: CounterServices, ctx: ServiceContext, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._services = services
        self._ctx = ctx
        self.variant = Variant.DOMESTIC_MOVE_IN
        self.certificate_id: str | None = None
        self.reservation_id: str | None = None
        search, view = services.search, services.register_view
        self.destination = DestinationPicker(
            lambda criteria: search.search(ctx, criteria),
            lambda household_no: view.household(ctx, household_no),
            self,
        )
        self.destination.problem_changed.connect(self.problem_changed)
        self.destination.household_shown.connect(self._household_shown)
        self.destination.mode_combo.currentIndexChanged.connect(lambda _i: self._householder())
        self.previous_edit = QLineEdit(self)
        self.previous_edit.setObjectName("previous_address_edit")
        self.previous_label = QLabel(self.tr("転入前住所(&F)"), self)
        self.previous_label.setBuddy(self.previous_edit)
        self.certificate_label = QLabel(self)
        self.certificate_label.setObjectName("certificate_label")
        self.certificate_label.setWordWrap(True)
        self.householder_label = QLabel(self)
        self.householder_label.setObjectName("newcomer_householder")
        self.rows = MoverRowsEditor(self)
        self.rows.setObjectName("mover_rows")
        self.rows.problem_changed.connect(self.problem_changed)
        self.rows.rows_changed.connect(self._rows_changed)

        address_box = QGroupBox(self.tr("新住所"), self)
        QVBoxLayout(address_box).addWidget(self.destination)
        previous_box = QGroupBox(self.tr("転入前住所・転出証明書"), self)
        previous_form = QFormLayout(previous_box)
        previous_form.addRow(self.previous_label, self.previous_edit)
        previous_form.addRow(self.tr("受信した情報"), self.certificate_label)
        persons_box = QGroupBox(self.tr("異動する方（F6: 追加　Shift+F6: 削除）"), self)
        persons_layout = QVBoxLayout(persons_box)
        persons_layout.addWidget(self.householder_label)
        persons_layout.addWidget(self.rows)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(address_box)
        layout.addWidget(previous_box)
        layout.addWidget(persons_box)
        self._show_certificate(None)
        self._householder()

    # -- configuration -------------------------------------------------------------------

    def set_towns(self, towns: list[Town]) -> None:
        """The address master."""
        self.destination.set_towns(towns)

    def set_variant(self, variant: Variant) -> None:
        """Adapt labels to the variant (国外からの転入: the country instead of an address)."""
        self.variant = variant
        abroad = variant == Variant.MOVE_IN_FROM_ABROAD
        label = self.tr("転入前の国・地域(&F)") if abroad else self.tr("転入前住所(&F)")
        self.previous_label.setText(label)
        self.certificate_label.setEnabled(variant == Variant.SPECIAL_MOVE_IN)

    def chain(self) -> list[QWidget]:
        """The section's fields in tab order."""
        return [
            *self.destination.chain(),
            self.previous_edit,
            *self.rows.chain(),
        ]

    def _rows_changed(self) -> None:
        self._householder()
        self.chain_changed.emit()

    def _household_shown(self, _view: HouseholdView) -> None:
        self._householder()

    def _householder(self) -> None:
        if self.destination.mode() == EXISTING:
            view = self.destination.household
            name = view.householder if view is not None else ""
            text = self.tr("世帯主: {0}（入る世帯の世帯主）").format(name or "—")
        else:
            name = self.rows.householder_name()
            text = (
                self.tr("世帯主: {0}").format(name)
                if name
                else self.tr("世帯主: 未定（新しい世帯では1人の続柄を「世帯主」にしてください）")
            )
        self.householder_label.setText(text)

    # -- persons -------------------------------------------------------------------------

    def add_person(self) -> None:
        """A new person line."""
        self.rows.add_row()

    def remove_person(self) -> None:
        """Remove the person line with the focus."""
        self.rows.remove_current()

    def current_mover(self) -> Mover:
        """The person with the focus (or the first)."""
        return self.rows.rows[self.rows.current_index()].mover()

    def merge_card(self, card: Mover) -> None:
        """The card's items into the current person where they are empty."""
        index = self.rows.current_index()
        current = self.rows.rows[index].mover()
        self.rows.fill_row(
            index,
            replace(
                current,
                family_name=current.family_name or card.family_name,
                given_name=current.given_name or card.given_name,
                birth_date=current.birth_date or card.birth_date,
                sex=current.sex or card.sex,
                individual_number=current.individual_number or card.individual_number,
            ),
        )

    # -- 転出証明書情報 -------------------------------------------------------------------

    def _show_certificate(self, summary_text: str | None) -> None:
        self.certificate_label.setText(
            summary_text or self.tr("なし（特例転入ではカード読取 F8 または照会 F7 で取得）")
        )

    def apply_prefill(self, form: IntakeForm, source: str = "") -> None:
        """A proposal taken: its persons, 転入前住所 and source."""
        self.rows.set_movers(list(form.movers))
        self.previous_edit.setText(form.previous_address or "")
        self.certificate_id = form.move_out_certificate_id
        self.reservation_id = form.reservation_id
        if form.move_out_certificate_id:
            self._show_certificate(source or form.move_out_certificate_id)
        elif form.reservation_id:
            self._show_certificate(self.tr("（転入予約 {0} から入力）").format(form.reservation_id))

    # -- form ----------------------------------------------------------------------------

    def form_fields(self) -> dict[str, Any]:
        """This section's part of the IntakeForm."""
        special = self.variant == Variant.SPECIAL_MOVE_IN
        return {
            "movers": self.rows.movers(),
            "destination": self.destination.destination(),
            "previous_address": self.previous_edit.text().strip() or None,
            "move_out_certificate_id": self.certificate_id if special else None,
            "reservation_id": self.reservation_id,
        }

    def load(self, form: IntakeForm) -> None:
        """Show a saved form (a draft being edited)."""
        self.apply_prefill(form)
        self.destination.set_destination(form.destination)

    def clear(self) -> None:
        """A new, empty form."""
        self.certificate_id = None
        self.reservation_id = None
        self._show_certificate(None)
        self.previous_edit.clear()
        self.destination.set_destination(None)
        self.rows.set_movers([])
