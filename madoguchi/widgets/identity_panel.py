"""The identity-check step of every intake (R-INTAKE-4): who is at the counter and what was seen.

届出人の区分 and name, the documents seen (a check list: one photo ID, or two others), 委任状
for an agent, the result of a card read when there was one, and free-text 聴聞 notes. An
untouched panel records nothing, so the service says the check is missing.
"""

from __future__ import annotations

import itertools

from PySide6.QtCore import Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListView,
    QWidget,
)

from madoguchi.app.domain.intake import (
    NOTIFIER_LABELS,
    CardReadRecord,
    IdentityCheckRecord,
    NotifierKind,
)

CARD_DOCUMENT = "P01"
"""個人番号カード: ticked when the card was read at the counter."""


def card_read_text(record: CardReadRecord | None) -> str:
    """The card-read result in words."""
    if record is None:
        return "カード読取: なし"
    if record.individual_number_matches is None:
        number = "個人番号 読取済（照合先なし）"
    elif record.individual_number_matches:
        number = "個人番号 一致"
    else:
        number = "個人番号 不一致"
    if record.genuine is None:
        genuine = "真正性 未確認"
    else:
        genuine = "真正性 確認済（真正）" if record.genuine else "真正性 確認できず"
    return f"カード読取: {number}／{genuine}"


class IdentityCheckPanel(QWidget):
    """Notifier kind, name, documents, 委任状, card result and notes, in the paper's order."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.card_read: CardReadRecord | None = None
        self.kind_combo = QComboBox(self)
        self.kind_combo.setObjectName("notifier_kind_combo")
        for kind, label in NOTIFIER_LABELS.items():
            self.kind_combo.addItem(label, kind.value)
        self.name_edit = QLineEdit(self)
        self.name_edit.setObjectName("notifier_name_edit")
        self.name_edit.setPlaceholderText(self.tr("窓口に来た方の氏名"))
        self.documents_model = QStandardItemModel(self)
        self.documents_list = QListView(self)
        self.documents_list.setObjectName("documents_list")
        self.documents_list.setModel(self.documents_model)
        self.documents_list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.documents_list.setToolTip(
            self.tr("↑↓で選び、Spaceで確認した書類にチェック（写真付き1点、または写真なし2点）")
        )
        self.documents_list.setMaximumHeight(120)
        self.power_of_attorney_check = QCheckBox(self.tr("委任状を受け取った(&W)"), self)
        self.power_of_attorney_check.setObjectName("power_of_attorney_check")
        self.card_label = QLabel(card_read_text(None), self)
        self.card_label.setObjectName("card_read_label")
        self.notes_edit = QLineEdit(self)
        self.notes_edit.setObjectName("identity_notes_edit")
        self.notes_edit.setPlaceholderText(self.tr("聴聞の内容など（任意）"))

        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        rows: list[tuple[str, QWidget]] = [
            (self.tr("届出人(&N)"), self.kind_combo),
            (self.tr("届出人氏名"), self.name_edit),
            (self.tr("確認書類(&D)"), self.documents_list),
            ("", self.power_of_attorney_check),
            (self.tr("カード"), self.card_label),
            (self.tr("聴聞メモ"), self.notes_edit),
        ]
        for text, widget in rows:
            caption = QLabel(text, self)
            caption.setBuddy(widget)
            form.addRow(caption, widget)
        order = [
            self.kind_combo,
            self.name_edit,
            self.documents_list,
            self.power_of_attorney_check,
            self.notes_edit,
        ]
        for first, second in itertools.pairwise(order):
            QWidget.setTabOrder(first, second)
        self.kind_combo.currentIndexChanged.connect(self._kind_changed)
        self._kind_changed()

    def set_documents(self, documents: list[tuple[str, str, bool]]) -> None:
        """The document kinds to tick: (code, name, has_photo)."""
        ticked = set(self.documents())
        self.documents_model.clear()
        for code, name, has_photo in documents:
            item = QStandardItem(f"{name}（{'写真付き' if has_photo else '写真なし'}）")
            item.setEditable(False)
            item.setData(code, Qt.ItemDataRole.UserRole)
            item.setCheckable(True)
            item.setCheckState(Qt.CheckState.Checked if code in ticked else Qt.CheckState.Unchecked)
            self.documents_model.appendRow(item)
        if self.documents_model.rowCount():
            self.documents_list.setCurrentIndex(self.documents_model.index(0, 0))

    def _items(self) -> list[QStandardItem]:
        model = self.documents_model
        return [item for row in range(model.rowCount()) if (item := model.item(row)) is not None]

    def documents(self) -> tuple[str, ...]:
        """Codes of the documents ticked, in list order."""
        return tuple(
            str(item.data(Qt.ItemDataRole.UserRole))
            for item in self._items()
            if item.checkState() == Qt.CheckState.Checked
        )

    def tick_document(self, code: str, ticked: bool = True) -> None:
        """Tick (or untick) one document kind."""
        for item in self._items():
            if item.data(Qt.ItemDataRole.UserRole) == code:
                item.setCheckState(Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked)

    def notifier_kind(self) -> NotifierKind:
        """Who is at the counter."""
        return NotifierKind(self.kind_combo.currentData())

    def _kind_changed(self) -> None:
        agent = self.notifier_kind() == NotifierKind.AGENT
        self.power_of_attorney_check.setEnabled(agent)
        if not agent:
            self.power_of_attorney_check.setChecked(False)

    def set_card_read(self, record: CardReadRecord) -> None:
        """A card was read at the counter: keep the result; the card was a document seen."""
        self._show_card_read(record)
        self.tick_document(CARD_DOCUMENT)

    def _show_card_read(self, record: CardReadRecord | None) -> None:
        self.card_read = record
        self.card_label.setText(card_read_text(record))

    def is_blank(self) -> bool:
        """Nothing entered yet: no name, no document, no card read."""
        return not (self.name_edit.text().strip() or self.documents() or self.card_read)

    def record(self) -> IdentityCheckRecord | None:
        """The check as entered, or None when the step was not done at all."""
        if self.is_blank():
            return None
        return IdentityCheckRecord(
            notifier_kind=self.notifier_kind(),
            notifier_name=self.name_edit.text().strip(),
            documents=self.documents(),
            power_of_attorney=self.power_of_attorney_check.isChecked(),
            card_read=self.card_read,
            notes=self.notes_edit.text().strip(),
        )

    def set_record(self, record: IdentityCheckRecord | None) -> None:
        """Show a saved check (a draft being edited), or clear the panel."""
        kind = record.notifier_kind if record else NotifierKind.SELF
        self.kind_combo.setCurrentIndex(max(self.kind_combo.findData(kind.value), 0))
        self.name_edit.setText(record.notifier_name if record else "")
        ticked = set(record.documents) if record else set()
        for item in self._items():
            code = item.data(Qt.ItemDataRole.UserRole)
            item.setCheckState(Qt.CheckState.Checked if code in ticked else Qt.CheckState.Unchecked)
        self.power_of_attorney_check.setChecked(bool(record and record.power_of_attorney))
        self._show_card_read(record.card_read if record else None)
        self.notes_edit.setText(record.notes if record else "")
