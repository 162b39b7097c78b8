"""A household's current members with a check box each: who moves (standard j460).

Ticking everyone is 全部, some is 一部 — the label says which. A second column takes each
member's 続柄 after the change (a new household's 世帯主, a 世帯主変更, a 世帯合併…), checked
against the vocabulary as typed; left empty, the 続柄 stays as it is.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QGridLayout, QLabel, QVBoxLayout, QWidget

from madoguchi.app.domain.intake import Mover
from madoguchi.app.services.register_view import HouseholdView
from madoguchi.app.services.search import PersonSummary
from madoguchi.widgets.intake_inputs import RelationshipEdit

HEADERS = ("異動", "フリガナ", "生年月日", "性別", "続柄（現在）", "続柄（異動後）")


@dataclass
class MemberRow:
    """One member's widgets."""

    person: PersonSummary
    check: QCheckBox
    labels: list[QLabel]
    relationship_edit: RelationshipEdit

    def widgets(self) -> list[QWidget]:
        """Everything the row shows."""
        return [self.check, *self.labels, self.relationship_edit]


def mover_of(person: PersonSummary, relationship: str) -> Mover:
    """A registered person as a mover: 宛名番号 and name (the register has the rest)."""
    family, _, given = person.name.partition("　")
    return Mover(
        atena_no=person.atena_no,
        family_name=family,
        given_name=given,
        relationship=relationship,
    )


class MemberPicker(QWidget):
    """Members of one household; ``checked_changed`` when the selection changes."""

    checked_changed = Signal()
    problem_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view: HouseholdView | None = None
        self.rows: list[MemberRow] = []
        self.auto_check = False
        self._relationship_column = True
        self.title_label = QLabel(self.tr("世帯が選ばれていません。検索して選んでください。"), self)
        self.title_label.setObjectName("member_picker_title")
        self.title_label.setWordWrap(True)
        self.selection_label = QLabel(self)
        self.selection_label.setObjectName("member_selection")
        self.selection_label.setStyleSheet("font-weight: bold")
        self._grid_holder = QWidget(self)
        self._grid = QGridLayout(self._grid_holder)
        self._grid.setContentsMargins(0, 0, 0, 0)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title_label)
        layout.addWidget(self._grid_holder)
        layout.addWidget(self.selection_label)

    def set_household(self, view: HouseholdView | None) -> None:
        """Show the current members of ``view`` (None: nobody), none ticked."""
        for row in self.rows:
            for widget in row.widgets():
                widget.deleteLater()
        self.rows = []
        while self._grid.count():
            item = self._grid.takeAt(0)
            taken = item.widget() if item is not None else None
            if taken is not None:
                taken.deleteLater()
        self.view = view
        if view is None:
            self.title_label.setText(self.tr("世帯が選ばれていません。検索して選んでください。"))
            self._update_selection()
            return
        self.title_label.setText(
            self.tr("世帯番号 {0}　世帯主 {1}　住所 {2}").format(
                view.household_no, view.householder or "—", view.address
            )
        )
        for column, header in enumerate(HEADERS):
            label = QLabel(self.tr(header), self._grid_holder)
            self._grid.addWidget(label, 0, column)
            label.show()
        for person in (m for m in view.members if m.status == "current"):
            self._add_row(person)
        for first, second in itertools.pairwise(self.chain()):
            QWidget.setTabOrder(first, second)
        self._update_selection()

    def _add_row(self, person: PersonSummary) -> None:
        holder = self._grid_holder
        check = QCheckBox(person.name, holder)
        check.setObjectName(f"member_check_{person.atena_no}")
        texts = (person.kana, person.birth_date, person.sex, person.relationship)
        labels = [QLabel(text, holder) for text in texts]
        edit = RelationshipEdit(holder)
        edit.setObjectName(f"member_relationship_{person.atena_no}")
        edit.setPlaceholderText(self.tr("変更なし"))
        row = MemberRow(person, check, labels, edit)
        index = len(self.rows) + 1
        for column, widget in enumerate(row.widgets()):
            self._grid.addWidget(widget, index, column)
            widget.show()
        edit.setVisible(self._relationship_column)
        check.toggled.connect(lambda _on: self._update_selection())
        edit.textEdited.connect(lambda text, r=row: self._relationship_typed(r, text))
        edit.problem_changed.connect(self.problem_changed)
        self.rows.append(row)

    def _relationship_typed(self, row: MemberRow, text: str) -> None:
        if self.auto_check and text.strip():
            row.check.setChecked(True)

    def _update_selection(self) -> None:
        ticked = len(self.checked())
        total = len(self.rows)
        if not ticked:
            text = self.tr("異動する方にチェックしてください（Space）。")
        elif ticked == total:
            text = self.tr("全部（世帯全員 {0}人）").format(total)
        else:
            text = self.tr("一部（{0}人中 {1}人）").format(total, ticked)
        self.selection_label.setText(text)
        self.checked_changed.emit()

    def chain(self) -> list[QWidget]:
        """Each member's check box and new 続柄, in tab order."""
        return [w for row in self.rows for w in (row.check, row.relationship_edit)]

    def first_field(self) -> QWidget | None:
        """The first check box (where the members start in the tab order)."""
        return self.rows[0].check if self.rows else None

    def checked(self) -> list[PersonSummary]:
        """The members ticked."""
        return [row.person for row in self.rows if row.check.isChecked()]

    def whole_household(self) -> bool:
        """Every current member is ticked (全部)."""
        return bool(self.rows) and all(row.check.isChecked() for row in self.rows)

    def set_checked(self, atena_nos: set[str]) -> None:
        """Tick exactly these members."""
        for row in self.rows:
            row.check.setChecked(row.person.atena_no in atena_nos)

    def new_relationship(self, atena_no: str) -> str:
        """The 続柄 typed for a member ("" when unchanged)."""
        for row in self.rows:
            if row.person.atena_no == atena_no:
                typed = row.relationship_edit.text().strip()
                return "" if typed == row.person.relationship else typed
        return ""

    def relationship_changes(self) -> dict[str, str]:
        """Every member whose 続柄 is to change, ticked or not."""
        changes = {}
        for row in self.rows:
            typed = self.new_relationship(row.person.atena_no)
            if typed:
                changes[row.person.atena_no] = typed
        return changes

    def set_relationships(self, changes: dict[str, str]) -> None:
        """Show saved 続柄 changes."""
        for row in self.rows:
            row.relationship_edit.set_value(changes.get(row.person.atena_no, ""))

    def movers(self) -> tuple[Mover, ...]:
        """The ticked members as movers, each with the 続柄 they will have."""
        return tuple(
            mover_of(p, self.new_relationship(p.atena_no) or p.relationship) for p in self.checked()
        )

    def set_relationship_column(self, visible: bool) -> None:
        """Hide the 続柄 column where the variant changes none (転出)."""
        self._relationship_column = visible
        for row in self.rows:
            row.relationship_edit.setVisible(visible)

    @property
    def problem(self) -> str:
        """The first 続柄 problem."""
        problems = (r.relationship_edit.problem for r in self.rows)
        return next((p for p in problems if p), "")
