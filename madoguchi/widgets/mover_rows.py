"""The persons of a 転入 as on the paper form: one line per person (R-INTAKE-1, R-INTAKE-5).

氏・名, フリガナ, 生年月日, 性別, 続柄, 個人番号, and for a foreign resident a second line with
国籍・地域, 在留資格, 在留期間, 満了日 and 在留カード等番号. Items a prefill brought that have no
field here (住民票コード, 本籍…) are kept with the row. The 個人番号 is never shown.
"""

from __future__ import annotations

import itertools
from dataclasses import replace

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from madoguchi.app.domain.intake import Mover
from madoguchi.app.domain.relationship import HOUSEHOLDER
from madoguchi.app.domain.wareki import InvalidDate, parse_date
from madoguchi.widgets.intake_inputs import (
    KanaEdit,
    RelationshipEdit,
    ValidatedEdit,
    WarekiDateEdit,
    individual_number_edit,
)

HEADERS = ("氏", "名", "フリガナ（氏）", "フリガナ（名）", "生年月日", "性別", "続柄", "個人番号")
SEX_CHOICES = (("", ""), ("男", "1"), ("女", "2"))


class MoverRow:
    """The fields of one person; ``origin`` keeps what came from a prefill."""

    def __init__(self, parent: QWidget, mover: Mover | None) -> None:
        self.origin = mover or Mover()
        self.family_edit = QLineEdit(parent)
        self.given_edit = QLineEdit(parent)
        self.family_kana_edit = KanaEdit(parent)
        self.given_kana_edit = KanaEdit(parent)
        self.birth_edit = WarekiDateEdit(parent)
        self.birth_edit.setPlaceholderText(parent.tr("S59.6.3 など"))
        self.sex_combo = QComboBox(parent)
        for label, code in SEX_CHOICES:
            self.sex_combo.addItem(label, code)
        self.relationship_edit = RelationshipEdit(parent)
        self.relationship_edit.setPlaceholderText(parent.tr("世帯主・妻・子…"))
        self.number_edit = individual_number_edit(parent)
        self.foreign_check = QCheckBox(parent.tr("外国人"), parent)
        self.foreign_line = QWidget(parent)
        self.nationality_edit = QLineEdit(self.foreign_line)
        self.nationality_edit.setPlaceholderText(parent.tr("国籍・地域"))
        self.status_edit = QLineEdit(self.foreign_line)
        self.status_edit.setPlaceholderText(parent.tr("在留資格"))
        self.period_edit = QLineEdit(self.foreign_line)
        self.period_edit.setPlaceholderText(parent.tr("在留期間"))
        self.expiry_edit = WarekiDateEdit(self.foreign_line, western=True)
        self.expiry_edit.setPlaceholderText(parent.tr("在留期間満了日"))
        self.card_no_edit = QLineEdit(self.foreign_line)
        self.card_no_edit.setPlaceholderText(parent.tr("在留カード等番号"))
        line = QHBoxLayout(self.foreign_line)
        line.setContentsMargins(0, 0, 0, 0)
        for widget in self.foreign_fields():
            line.addWidget(widget)
        self.foreign_check.toggled.connect(self.foreign_line.setVisible)
        self.foreign_line.setVisible(False)
        self.fill(self.origin)

    def main_fields(self) -> list[QWidget]:
        """The first line, in tab order."""
        return [
            self.family_edit,
            self.given_edit,
            self.family_kana_edit,
            self.given_kana_edit,
            self.birth_edit,
            self.sex_combo,
            self.relationship_edit,
            self.number_edit,
            self.foreign_check,
        ]

    def foreign_fields(self) -> list[QWidget]:
        """The foreign resident's line, in tab order."""
        return [
            self.nationality_edit,
            self.status_edit,
            self.period_edit,
            self.expiry_edit,
            self.card_no_edit,
        ]

    def widgets(self) -> list[QWidget]:
        """Everything the row owns, in tab order."""
        return [*self.main_fields(), self.foreign_line, *self.foreign_fields()]

    def validated(self) -> list[ValidatedEdit]:
        """The fields that judge what is typed."""
        return [w for w in self.widgets() if isinstance(w, ValidatedEdit)]

    def fill(self, mover: Mover) -> None:
        """Show ``mover``'s items."""
        self.origin = mover
        self.family_edit.setText(mover.family_name)
        self.given_edit.setText(mover.given_name)
        self.family_kana_edit.set_value(mover.family_name_kana)
        self.given_kana_edit.set_value(mover.given_name_kana)
        try:
            self.birth_edit.set_date(parse_date(mover.birth_date) if mover.birth_date else None)
        except InvalidDate:
            self.birth_edit.set_value(mover.birth_date)
        self.sex_combo.setCurrentIndex(max(self.sex_combo.findData(mover.sex), 0))
        self.relationship_edit.set_value(mover.relationship)
        self.number_edit.set_value(mover.individual_number or "")
        self.foreign_check.setChecked(mover.is_foreign)
        self.nationality_edit.setText(mover.nationality or "")
        self.status_edit.setText(mover.residence_status or "")
        self.period_edit.setText(mover.period_of_stay or "")
        self.expiry_edit.set_value(mover.stay_expires_on or "")
        self.card_no_edit.setText(mover.residence_card_no or "")

    def mover(self) -> Mover:
        """The person as typed, on top of what the prefill brought."""
        foreign = self.foreign_check.isChecked()

        def optional(edit: QLineEdit) -> str | None:
            return edit.text().strip() or None if foreign else None

        return replace(
            self.origin,
            family_name=self.family_edit.text().strip(),
            given_name=self.given_edit.text().strip(),
            family_name_kana=self.family_kana_edit.text().strip(),
            given_name_kana=self.given_kana_edit.text().strip(),
            birth_date=self.birth_edit.iso_or_text(),
            sex=str(self.sex_combo.currentData() or ""),
            relationship=self.relationship_edit.text().strip(),
            individual_number=self.number_edit.text().strip() or None,
            is_foreign=foreign,
            nationality=optional(self.nationality_edit),
            residence_status=optional(self.status_edit),
            period_of_stay=optional(self.period_edit),
            stay_expires_on=self.expiry_edit.iso_or_text() or None if foreign else None,
            residence_card_no=optional(self.card_no_edit),
        )

    def is_blank(self) -> bool:
        """Nothing typed and nothing prefilled."""
        return self.mover() == Mover()

    def owns(self, widget: QWidget | None) -> bool:
        """Whether ``widget`` is one of this row's fields."""
        return widget is not None and any(widget is w for w in self.widgets())

    def delete(self) -> None:
        """Remove the row's widgets."""
        for widget in self.widgets():
            widget.hide()
            widget.deleteLater()


class MoverRowsEditor(QWidget):
    """Rows of persons; ``add_row`` / ``remove_current`` work on the row with the focus."""

    problem_changed = Signal(str)
    rows_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[MoverRow] = []
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        for column, header in enumerate(HEADERS):
            self._grid.addWidget(QLabel(self.tr(header), self), 0, column)
        self.add_row()

    def add_row(self, mover: Mover | None = None) -> MoverRow:
        """A new line at the end (prefilled with ``mover``); focus goes to its 氏."""
        row = MoverRow(self, mover)
        for edit in row.validated():
            edit.problem_changed.connect(self.problem_changed)
        row.relationship_edit.textChanged.connect(lambda _text: self.rows_changed.emit())
        self.rows.append(row)
        self._lay_out()
        for widget in row.main_fields():
            widget.show()
        row.family_edit.setFocus()
        self.rows_changed.emit()
        return row

    def current_index(self) -> int:
        """The row holding the focus (or the first)."""
        focused = self.focusWidget()  # the last field focused here, even while inactive
        for index, row in enumerate(self.rows):
            if row.owns(focused):
                return index
        return 0

    def remove_current(self) -> None:
        """Remove the row with the focus; one empty row always stays."""
        if not self.rows:
            return
        index = self.current_index()
        self.rows.pop(index).delete()
        if not self.rows:
            self.add_row()
        else:
            self._lay_out()
            self.rows[min(index, len(self.rows) - 1)].family_edit.setFocus()
        self.rows_changed.emit()

    def _lay_out(self) -> None:
        for row in self.rows:
            for widget in [*row.main_fields(), row.foreign_line]:
                self._grid.removeWidget(widget)
        for index, row in enumerate(self.rows):
            for column, widget in enumerate(row.main_fields()):
                self._grid.addWidget(widget, 1 + index * 2, column)
            self._grid.addWidget(row.foreign_line, 2 + index * 2, 0, 1, len(HEADERS) + 1)
        for first, second in itertools.pairwise(self.chain()):
            QWidget.setTabOrder(first, second)

    def chain(self) -> list[QWidget]:
        """Every person's fields in tab order."""
        return [w for row in self.rows for w in [*row.main_fields(), *row.foreign_fields()]]

    def movers(self) -> tuple[Mover, ...]:
        """Every row that holds anything."""
        return tuple(row.mover() for row in self.rows if not row.is_blank())

    def set_movers(self, movers: tuple[Mover, ...] | list[Mover]) -> None:
        """Replace every row (a prefill or a draft); at least one row stays."""
        for row in self.rows:
            row.delete()
        self.rows = []
        for mover in movers or [Mover()]:
            self.add_row(mover)

    def fill_row(self, index: int, mover: Mover) -> None:
        """Show ``mover`` in row ``index``."""
        self.rows[index].fill(mover)
        self.rows_changed.emit()

    def householder_name(self) -> str:
        """The name of the person whose 続柄 is 世帯主 (the new household's head)."""
        for row in self.rows:
            if row.relationship_edit.text().strip() == HOUSEHOLDER:
                return row.mover().name
        return ""

    @property
    def problem(self) -> str:
        """The first field problem among the rows."""
        for row in self.rows:
            for edit in row.validated():
                if edit.problem:
                    return edit.problem
        return ""
