"""Person view (個人照会): status at a glance, every item the role may see, 異動履歴.

Screens that act on the open person (corrections, 取消) add their buttons to the header with
``add_header_button`` and report back with ``show_notice``.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from madoguchi.app.services.masking import REVEAL_SECONDS, RestrictedItem, Revealed
from madoguchi.app.services.register_view import Field, HistoryEntry, PersonDetail
from madoguchi.widgets.masked_value import MaskedValueLabel
from madoguchi.widgets.protection_banner import ProtectionBanner
from madoguchi.widgets.register_tables import configure_table, history_table_model

STATUS_STYLES = {
    "current": "background: #e3f2e1; color: #1b5e20",
    "removed": "background: #5f5f5f; color: white",
}


class PersonScreen(QWidget):
    """Shows one PersonDetail; asks for the household with F6 or the button."""

    household_requested = Signal(str)
    reveal_requested = Signal(str, str)  # atena_no, RestrictedItem value

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("person_screen")
        self._detail: PersonDetail | None = None
        self.masked_labels: dict[str, MaskedValueLabel] = {}
        self.reveal_seconds: float = REVEAL_SECONDS
        self.title = QLabel(self)
        self.title.setObjectName("person_title")
        self.title.setStyleSheet("font-size: 18px; font-weight: bold")
        self.status_badge = QLabel(self)
        self.status_badge.setObjectName("person_status")
        self.household_button = QPushButton(self.tr("世帯を表示 (F6)"), self)
        self.household_button.setObjectName("open_household_button")
        self.household_button.clicked.connect(self.request_household)
        header = QHBoxLayout()
        header.addWidget(self.title)
        header.addWidget(self.status_badge)
        header.addStretch(1)
        header.addWidget(self.household_button)
        self._header = header
        self.banner = ProtectionBanner(self)
        self.notice = QLabel(self)
        self.notice.setObjectName("person_notice")
        self.notice.setWordWrap(True)

        self.items_box = QGroupBox(self.tr("記載事項"), self)
        self.items_grid = QGridLayout(self.items_box)
        self.history_model = history_table_model(self)
        self.history_table = QTableView(self)
        self.history_table.setObjectName("person_history")
        self.history_table.setModel(self.history_model)
        configure_table(self.history_table)
        history_box = QGroupBox(self.tr("異動履歴"), self)
        QVBoxLayout(history_box).addWidget(self.history_table)

        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(self.banner)
        layout.addWidget(self.notice)
        layout.addWidget(self.items_box)
        layout.addWidget(history_box, 1)
        self.show_empty()

    def show_empty(self) -> None:
        """No person open."""
        self.remask_all()
        self._detail = None
        self.notice.clear()
        self.banner.show_alerts(())
        self.title.setText(self.tr("住民が選択されていません。検索画面で選択してください。"))
        self.status_badge.clear()
        self.status_badge.setStyleSheet("")
        self.household_button.setEnabled(False)
        self._set_fields([])
        self.history_model.set_rows([])

    def show_detail(self, detail: PersonDetail, alerts: tuple[str, ...] = ()) -> None:
        """Show a person, under the red 「支援措置対象者」 banner when ``alerts`` say so."""
        if self._detail is None or self._detail.summary.atena_no != detail.summary.atena_no:
            self.notice.clear()
        self.banner.show_alerts(alerts)
        self._detail = detail
        summary = detail.summary
        self.title.setText(f"{summary.name}（{summary.kana}）")
        self.status_badge.setText(f" {summary.status_label} ")
        self.status_badge.setStyleSheet(STATUS_STYLES.get(summary.status, ""))
        self.household_button.setEnabled(True)
        self._set_fields(list(detail.fields))
        self.history_model.set_rows(detail.history)

    @property
    def detail(self) -> PersonDetail | None:
        """The person shown, if any."""
        return self._detail

    def selected_history(self) -> HistoryEntry | None:
        """The highlighted 異動履歴 entry."""
        index = self.history_table.currentIndex()
        return self.history_model.row_at(index.row()) if index.isValid() else None

    def add_header_button(self, button: QPushButton) -> None:
        """Put an action on the open person beside 世帯を表示."""
        self._header.addWidget(button)

    def show_notice(self, text: str) -> None:
        """A message about the open person that stays until another person is opened."""
        self.notice.setText(text)

    def _set_fields(self, fields: list[Field]) -> None:
        self.remask_all()
        self.masked_labels = {}
        while self.items_grid.count():
            item = self.items_grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        half = (len(fields) + 1) // 2
        for column, chunk in enumerate((fields[:half], fields[half:])):
            form = QFormLayout()
            for field in chunk:
                form.addRow(QLabel(field.label, self.items_box), self._value_widget(field))
            holder = QWidget(self.items_box)
            holder.setLayout(form)
            self.items_grid.addWidget(holder, 0, column)

    def _value_widget(self, field: Field) -> QWidget:
        if field.item is None:
            label = QLabel(field.value or "—", self.items_box)
            label.setObjectName(f"field_{field.label}")
            return label
        masked = MaskedValueLabel(field.value or "—", self.items_box)
        masked.setObjectName(f"field_{field.label}")
        if not field.revealable:
            return masked
        self.masked_labels[field.item.value] = masked
        button = QPushButton(self.tr("表示…"), self.items_box)
        button.setObjectName(f"reveal_{field.item.value}")
        button.setToolTip(
            self.tr("理由を入力して{0}秒間表示します（記録されます）").format(
                int(self.reveal_seconds)
            )
        )
        item = field.item
        button.clicked.connect(lambda: self._ask_reveal(item))
        row = QWidget(self.items_box)
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(masked)
        layout.addWidget(button)
        layout.addStretch(1)
        return row

    def _ask_reveal(self, item: RestrictedItem) -> None:
        if self._detail is not None:
            self.reveal_requested.emit(self._detail.summary.atena_no, item.value)

    def show_revealed(self, revealed: Revealed) -> None:
        """Show a revealed value, if it is still this person's, for ``reveal_seconds``."""
        if self._detail is None or self._detail.summary.atena_no != revealed.atena_no:
            return
        label = self.masked_labels.get(revealed.item.value)
        if label is not None:
            label.reveal(revealed.value, self.reveal_seconds)

    def remask_all(self) -> None:
        """Mask every revealed value (leaving the person, locking the screen)."""
        for label in self.masked_labels.values():
            label.remask()

    def request_household(self) -> None:
        """Ask the main window to open this person's household."""
        if self._detail is not None:
            self.household_requested.emit(self._detail.summary.household_no)
