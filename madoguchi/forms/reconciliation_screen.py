"""照合（前日分）: the next-day reconciliation report and its sign-off (R-REVIEW-4, seed 001).

Pick the day (yesterday by default) and the office (the actor's), F5 or Enter lists every
change registered that day; after checking them, F9 signs the list off with an optional note.
The screen shows who signed and when; the service refuses a day not yet over or signed twice.
"""

from __future__ import annotations

import datetime as dt
import itertools

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDateEdit,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from madoguchi.app.context import ServiceContext
from madoguchi.app.domain.change_reason import REASON_NAMES
from madoguchi.app.services.review.reconciliation import (
    Reconciliation,
    ReconciliationService,
    RegisteredLine,
)
from madoguchi.widgets.background import Op
from madoguchi.widgets.messages import message_bridge
from madoguchi.widgets.register_tables import configure_table
from madoguchi.widgets.screen_parts import MessageLine, action_button, report_failure
from madoguchi.widgets.table_models import Column, RowTableModel

SIGNED_STYLE = "color: #1b5e20; font-weight: bold"

LINE_COLUMNS: list[Column[RegisteredLine]] = [
    Column("決裁日時", lambda line: f"{line.reviewed_at:%Y-%m-%d %H:%M}"),
    Column("種別", lambda line: line.kind_label),
    Column("内容", lambda line: line.summary),
    Column("受付者", lambda line: line.maker_staff_no),
    Column("決裁者", lambda line: line.reviewer_staff_no),
    Column("人数", lambda line: str(line.persons)),
    Column("異動事由", lambda line: "・".join(REASON_NAMES.get(r, r) for r in line.reasons)),
    Column("仮登録番号", lambda line: line.draft_id),
]


def _day_of(edit: QDateEdit) -> dt.date:
    day = edit.date()
    return dt.date(day.year(), day.month(), day.day())


class ReconciliationScreen(QWidget):
    """One day's registered changes for one office, and their sign-off."""

    loaded = Signal(int)
    signed = Signal()
    failed = Signal(str)

    def __init__(
        self, service: ReconciliationService, ctx: ServiceContext, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("reconciliation_screen")
        self._service = service
        self._ctx = ctx
        self.report: Reconciliation | None = None

        yesterday = ctx.today() - dt.timedelta(days=1)
        self.day_edit = QDateEdit(QDate(yesterday.year, yesterday.month, yesterday.day), self)
        self.day_edit.setObjectName("reconciliation_day")
        self.day_edit.setCalendarPopup(True)
        self.day_edit.setDisplayFormat("yyyy-MM-dd")
        self.office_edit = QLineEdit(ctx.actor.office, self)
        self.office_edit.setObjectName("reconciliation_office")
        self.office_edit.returnPressed.connect(self.reload)
        self.show_button = action_button(self, "reconciliation_show", "表示 (F5)", self.reload)
        criteria = QHBoxLayout()
        form = QFormLayout()
        form.addRow(self.tr("処理日(&D)"), self.day_edit)
        form.addRow(self.tr("所属(&O)"), self.office_edit)
        criteria.addLayout(form)
        criteria.addWidget(self.show_button)
        criteria.addStretch(1)

        self.model: RowTableModel[RegisteredLine] = RowTableModel(LINE_COLUMNS, parent=self)
        self.table = QTableView(self)
        self.table.setObjectName("reconciliation_lines")
        self.table.setModel(self.model)
        configure_table(self.table)
        self.status_label = QLabel(self)
        self.status_label.setObjectName("reconciliation_status")
        self.status_label.setWordWrap(True)
        self.message_label = MessageLine("reconciliation_message", self)
        self.note_edit = QLineEdit(self)
        self.note_edit.setObjectName("reconciliation_note")
        self.note_edit.setPlaceholderText(self.tr("任意: 例 全件を届書と照合済み"))
        self.note_edit.returnPressed.connect(self.sign_off)
        self.sign_button = action_button(
            self, "reconciliation_sign", "照合確認 (F9)", self.sign_off
        )
        sign_row = QHBoxLayout()
        sign_row.addWidget(QLabel(self.tr("備考(&N)"), self))
        sign_row.addWidget(self.note_edit, 1)
        sign_row.addWidget(self.sign_button)

        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("前日までに本登録された異動の照合（翌日確認）"), self))
        layout.addLayout(criteria)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status_label)
        layout.addWidget(self.message_label)
        layout.addLayout(sign_row)
        order = [
            self.day_edit,
            self.office_edit,
            self.show_button,
            self.table,
            self.note_edit,
            self.sign_button,
        ]
        for first, second in itertools.pairwise(order):
            QWidget.setTabOrder(first, second)
        QShortcut(QKeySequence(Qt.Key.Key_F5), self, self.reload)
        QShortcut(QKeySequence(Qt.Key.Key_F9), self, self.sign_off)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Enter in the date lists the day, as Enter in the office field does."""
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and (
            self.day_edit.hasFocus() or self.day_edit.isAncestorOf(self.focusWidget())
        ):
            self.reload()
            return
        super().keyPressEvent(event)

    def reload(self) -> None:
        """List the chosen day's registered changes in the background."""
        day, office = _day_of(self.day_edit), self.office_edit.text().strip()
        service, ctx = self._service, self._ctx
        self.message_label.say(self.tr("読み込み中…"))
        Op(self, lambda: service.report(ctx, day, office)).success(self._show).failure(
            self._failed
        ).run()

    def _show(self, report: Reconciliation) -> None:
        self.report = report
        self.model.set_rows(report.lines)
        if report.lines:
            self.table.selectRow(0)
        self.message_label.setText(
            self.tr("{0:%Y-%m-%d}（{1}）に本登録された異動: {2} 件").format(
                report.day, report.office, len(report.lines)
            )
        )
        if report.signed_by is None or report.signed_at is None:
            self.status_label.setStyleSheet("")
            self.status_label.setText(self.tr("未確認: 全件を確認したら F9 で照合確認します。"))
        else:
            self.status_label.setStyleSheet(SIGNED_STYLE)
            self.status_label.setText(
                self.tr("照合確認済み: {0}（{1:%Y-%m-%d %H:%M}）").format(
                    report.signed_by, report.signed_at
                )
            )
        self.loaded.emit(len(report.lines))

    def sign_off(self) -> None:
        """F9: sign off the list shown (list it first with F5 when none is shown)."""
        report = self.report
        if report is None:
            self._refused(self.tr("先に照合する日の一覧を表示してください (F5)。"))
            return
        if (report.day, report.office) != (
            _day_of(self.day_edit),
            self.office_edit.text().strip(),
        ):
            self._refused(self.tr("条件が変わっています。一覧を表示し直してください (F5)。"))
            return
        service, ctx, note = self._service, self._ctx, self.note_edit.text()
        self.sign_button.setEnabled(False)
        Op(self, lambda: service.sign_off(ctx, report.day, report.office, note)).success(
            self._signed
        ).failure(self._failed).run()

    def _signed(self, _none: None) -> None:
        self.sign_button.setEnabled(True)
        self.note_edit.clear()
        self.signed.emit()
        message_bridge().report_info(self.tr("照合確認を記録しました。"))
        self.reload()

    def _failed(self, exc: BaseException) -> None:
        self.sign_button.setEnabled(True)
        report_failure(exc, self._refused, self.message_label)

    def _refused(self, text: str) -> None:
        self.message_label.refuse(text)
        self.failed.emit(text)
