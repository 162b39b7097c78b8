"""The part of the intake screen for persons already in the register: 転出, 転居, 世帯変更.

In the paper's order: 新住所 (転居), 転出先 (転出) or 合併先の世帯 (世帯合併); then 旧住所 —
the household, found through the register search (F3) — with its 世帯主; then its members
with a check box each (全部/一部 follows from the ticks) and the 続柄 they will have.
For 世帯主変更 and 世帯構成変更, typing a new 続柄 ticks the member; the new 世帯主 is the
member whose new 続柄 is 「世帯主」.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFormLayout, QGroupBox, QLabel, QLineEdit, QVBoxLayout, QWidget

from madoguchi.app.context import ServiceContext
from madoguchi.app.domain.address import Town
from madoguchi.app.domain.intake import VARIANT_KIND, IntakeForm, IntakeKind, Variant
from madoguchi.app.domain.relationship import HOUSEHOLDER
from madoguchi.app.services.counter import CounterServices
from madoguchi.app.services.register_view import HouseholdView
from madoguchi.app.services.search import PersonSummary
from madoguchi.widgets.background import Op
from madoguchi.widgets.destination_picker import EXISTING, NEW, DestinationPicker
from madoguchi.widgets.household_finder import HouseholdFinder
from madoguchi.widgets.member_picker import MemberPicker

HINTS = {
    Variant.MOVE_WITHIN: "異動する方にチェック。世帯の一部が新しい世帯を作るときは1人の続柄を"
    "「世帯主」に、既存の世帯に入るときは続柄を入力してください。",
    Variant.HOUSEHOLD_SPLIT: "新しい世帯に移る方にチェックし、そのうち1人の続柄（異動後）を"
    "「世帯主」にしてください。",
    Variant.HOUSEHOLD_MERGE: "合併先の世帯に入る方にチェックし、合併先の世帯主から見た続柄を"
    "入力してください。",
    Variant.HOUSEHOLDER_CHANGE: "新しい世帯主の続柄（異動後）に「世帯主」と入力し、ほかの世帯員の"
    "続柄も新しい世帯主から見た続柄に直してください。",
    Variant.HOUSEHOLD_RECOMPOSITION: "続柄を変える方の続柄（異動後）を入力してください。",
}
DEFAULT_HINT = "異動する方にチェックしてください（Space）。"


class RegisteredSection(QWidget):
    """Destination, the household found in the register, and its members."""

    chain_changed = Signal()
    problem_changed = Signal(str)
    household_loaded = Signal(object)  # HouseholdView

    def __init__(
        self, services: CounterServices, ctx: ServiceContext, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._services = services
        self._ctx = ctx
        self.variant = Variant.MOVE_OUT
        self._pending_check: set[str] = set()
        self._pending_relationships: dict[str, str] = {}
        search, view = services.search, services.register_view
        self.destination = DestinationPicker(
            lambda criteria: search.search(ctx, criteria),
            lambda household_no: view.household(ctx, household_no),
            self,
        )
        self.destination.problem_changed.connect(self.problem_changed)
        self.destination.household_shown.connect(lambda _v: self.chain_changed.emit())
        self.moving_to_edit = QLineEdit(self)
        self.moving_to_edit.setObjectName("moving_to_edit")
        self.moving_to_edit.setPlaceholderText(self.tr("例: 東京都千代田区霞が関二丁目1番2号"))
        self.finder = HouseholdFinder(lambda criteria: search.search(ctx, criteria), self)
        self.finder.person_chosen.connect(self._person_chosen)
        self.members = MemberPicker(self)
        self.members.setObjectName("member_picker")
        self.members.problem_changed.connect(self.problem_changed)
        self.hint_label = QLabel(self)
        self.hint_label.setWordWrap(True)

        self.destination_box = QGroupBox(self.tr("新住所"), self)
        QVBoxLayout(self.destination_box).addWidget(self.destination)
        self.moving_to_box = QGroupBox(self.tr("転出先"), self)
        moving_to_form = QFormLayout(self.moving_to_box)
        moving_to_label = QLabel(self.tr("転出先（予定）住所(&O)"), self)
        moving_to_label.setBuddy(self.moving_to_edit)
        moving_to_form.addRow(moving_to_label, self.moving_to_edit)
        household_box = QGroupBox(self.tr("旧住所・世帯（住民記録から検索: F3）"), self)
        household_layout = QVBoxLayout(household_box)
        household_layout.addWidget(self.finder)
        persons_box = QGroupBox(self.tr("異動する方"), self)
        persons_layout = QVBoxLayout(persons_box)
        persons_layout.addWidget(self.hint_label)
        persons_layout.addWidget(self.members)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.destination_box)
        layout.addWidget(self.moving_to_box)
        layout.addWidget(household_box)
        layout.addWidget(persons_box)
        self.set_variant(self.variant)

    def set_towns(self, towns: list[Town]) -> None:
        """The address master."""
        self.destination.set_towns(towns)

    def set_variant(self, variant: Variant) -> None:
        """Show what the variant needs: 新住所, 転出先 or 合併先, and the 続柄 column."""
        self.variant = variant
        kind = VARIANT_KIND[variant]
        merge = variant == Variant.HOUSEHOLD_MERGE
        self.destination_box.setVisible(kind == IntakeKind.MOVE_WITHIN or merge)
        self.destination_box.setTitle(self.tr("合併先の世帯") if merge else self.tr("新住所"))
        if merge:
            self.destination.set_mode(EXISTING, fixed=True)
        elif not self.destination.mode_combo.isEnabled():
            self.destination.set_mode(NEW)
        self.moving_to_box.setVisible(kind == IntakeKind.MOVE_OUT)
        self.members.set_relationship_column(kind != IntakeKind.MOVE_OUT)
        self.members.auto_check = variant in (
            Variant.HOUSEHOLDER_CHANGE,
            Variant.HOUSEHOLD_RECOMPOSITION,
        )
        self.hint_label.setText(self.tr(HINTS.get(variant, DEFAULT_HINT)))
        self.chain_changed.emit()

    def chain(self) -> list[QWidget]:
        """The section's fields in tab order."""
        return [
            *self.destination.chain(),
            self.moving_to_edit,
            *self.finder.chain(),
            *self.members.chain(),
        ]

    def search(self) -> None:
        """F3: the register search of the household (or of the household to join, when the
        cursor is there)."""
        destination, focused = self.destination.finder, self.focusWidget()
        if focused is not None and destination.isAncestorOf(focused):
            destination.search_or_focus()
        else:
            self.finder.search_or_focus()

    def _person_chosen(self, person: PersonSummary) -> None:
        self.show_household(person.household_no, {person.atena_no})

    def show_household(
        self, household_no: str, check: set[str], relationships: dict[str, str] | None = None
    ) -> None:
        """Load a household; tick ``check`` and show ``relationships`` once it is there."""
        self._pending_check = set(check)
        self._pending_relationships = dict(relationships or {})
        load, ctx = self._services.register_view, self._ctx
        Op(self, lambda: load.household(ctx, household_no)).success(self._show_household).run()

    def _show_household(self, view: HouseholdView) -> None:
        self.members.set_household(view)
        self.members.set_relationships(self._pending_relationships)
        self.members.set_checked(self._pending_check)
        self.chain_changed.emit()
        first: QWidget | None = next(
            (r.check for r in self.members.rows if r.check.isChecked()), None
        )
        if first is None:
            first = self.members.first_field()
        if first is not None:
            first.setFocus()
        self.household_loaded.emit(view)

    def current_atena_no(self) -> str | None:
        """The member the card read is compared with: the one with the focus, else the first
        ticked."""
        focused = self.members.focusWidget()
        for row in self.members.rows:
            if focused is not None and focused in (row.check, row.relationship_edit):
                return row.person.atena_no
        ticked = self.members.checked()
        return ticked[0].atena_no if ticked else None

    def form_fields(self) -> dict[str, Any]:
        """This section's part of the IntakeForm."""
        kind = VARIANT_KIND[self.variant]
        view = self.members.view
        fields: dict[str, Any] = {
            "movers": self.members.movers(),
            "source_household_no": view.household_no if view is not None else None,
        }
        if kind == IntakeKind.MOVE_OUT:
            fields["moving_to_address"] = self.moving_to_edit.text().strip() or None
            return fields
        fields["relationship_changes"] = self.members.relationship_changes()
        if kind == IntakeKind.MOVE_WITHIN or self.variant == Variant.HOUSEHOLD_MERGE:
            fields["destination"] = self.destination.destination()
        if self.variant == Variant.HOUSEHOLDER_CHANGE:
            heads = [a for a, r in fields["relationship_changes"].items() if r == HOUSEHOLDER]
            fields["new_householder_atena_no"] = heads[0] if heads else None
        return fields

    def load(self, form: IntakeForm) -> None:
        """Show a saved form (a draft being edited)."""
        self.moving_to_edit.setText(form.moving_to_address or "")
        self.destination.set_destination(form.destination)
        changes = dict(form.relationship_changes)
        movers = {m.atena_no for m in form.movers if m.atena_no}
        household_no = form.source_household_no
        if household_no:
            self.show_household(household_no, movers, changes)
        else:
            self.members.set_household(None)

    def clear(self) -> None:
        """A new, empty form."""
        self.moving_to_edit.clear()
        self.destination.set_destination(None)
        self.finder.clear()
        self.members.set_household(None)
        self.chain_changed.emit()
