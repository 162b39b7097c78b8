"""Auditor screen (R-AUDIT-3): filter the log, see flagged patterns, check the hash chains.

Enter in any filter field (or F3) searches; the 注意 column names the patterns an entry is
part of and flagged rows are highlighted. Every call runs on the database thread, and the
service writes each look at the log to the log itself.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from PySide6.QtCore import QDate, QDateTime, Qt, QTime, Signal
from PySide6.QtGui import QBrush, QColor, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from madoguchi.app.context import ServiceContext
from madoguchi.app.services.audit_review import (
    AUDIT_ACTION_LABELS,
    COUNT_LABELS,
    AuditFilter,
    AuditReviewService,
    AuditRow,
    CountKind,
)
from madoguchi.storage.audit import ChainReport
from madoguchi.widgets.background import Op
from madoguchi.widgets.criteria import criteria_edit
from madoguchi.widgets.messages import is_user_error, message_bridge
from madoguchi.widgets.register_tables import configure_table
from madoguchi.widgets.screen_parts import action_button
from madoguchi.widgets.table_models import Column, ModelIndex, RowTableModel

FLAGGED_BACKGROUND = QBrush(QColor("#fde2e1"))
FLAGGED_FOREGROUND = QBrush(QColor("#8a1c14"))
ERROR_STYLE = "color: #b00020; font-weight: bold"
INTACT_STYLE = "color: #1b5e20; font-weight: bold"
WEEKDAYS = "月火水木金土日"
SHOWN_TARGETS = 3


def _when(at: dt.datetime) -> str:
    return f"{at:%Y-%m-%d}({WEEKDAYS[at.weekday()]}) {at:%H:%M:%S}"


def _at(day: dt.date, time: QTime) -> QDateTime:
    return QDateTime(QDate(day.year, day.month, day.day), time)


def _from_edit(edit: QDateTimeEdit) -> dt.datetime:
    day, time = edit.date(), edit.time()
    return dt.datetime(day.year(), day.month(), day.day(), time.hour(), time.minute())


class AuditTableModel(RowTableModel[AuditRow]):
    """Audit rows; a row with any flag is highlighted."""

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (
            index.isValid()
            and 0 <= index.row() < self.rowCount()
            and self.row_at(index.row()).flags
        ):
            if role == Qt.ItemDataRole.BackgroundRole:
                return FLAGGED_BACKGROUND
            if role == Qt.ItemDataRole.ForegroundRole:
                return FLAGGED_FOREGROUND
        return super().data(index, role)


class AuditScreen(QWidget):
    """Filter form, flagged result list, chain check and per-staff counts."""

    entries_loaded = Signal(int)
    verify_finished = Signal(bool)
    counts_loaded = Signal(int)
    failed = Signal(str)

    def __init__(
        self, service: AuditReviewService, ctx: ServiceContext, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("audit_screen")
        self._service = service
        self._ctx = ctx
        self._build()

    def _line(self, name: str, placeholder: str) -> QLineEdit:
        return criteria_edit(self, name, placeholder, self.run_search)

    def _date_time(self, name: str, value: QDateTime) -> QDateTimeEdit:
        edit = QDateTimeEdit(value, self)
        edit.setObjectName(name)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd HH:mm")
        return edit

    def _columns(self) -> list[Column[AuditRow]]:
        def targets(row: AuditRow) -> str:
            shown = ", ".join(row.targets[:SHOWN_TARGETS])
            rest = len(row.targets) - SHOWN_TARGETS
            return shown + (self.tr(" 他{0}名").format(rest) if rest > 0 else "")

        return [
            Column(self.tr("注意"), lambda r: "・".join(r.flags)),
            Column(self.tr("日時"), lambda r: _when(r.at)),
            Column(self.tr("職員番号"), lambda r: r.staff_no),
            Column(self.tr("職員名"), lambda r: r.staff_name),
            Column(self.tr("操作"), lambda r: r.action_label),
            Column(self.tr("対象者（宛名番号）"), targets),
            Column(self.tr("内容"), lambda r: r.summary),
            Column(self.tr("目的・理由"), lambda r: r.purpose or ""),
            Column(self.tr("端末・番号"), lambda r: f"{r.terminal_id} #{r.seq}"),
        ]

    def _build(self) -> None:
        today = self._ctx.today()
        self.staff_edit = self._line("staff_edit", self.tr("例: S0001"))
        self.atena_edit = self._line("atena_edit", self.tr("対象者の宛名番号"))
        self.action_combo = QComboBox(self)
        self.action_combo.setObjectName("action_combo")
        self.action_combo.addItem(self.tr("すべて"), "")
        for code, label in AUDIT_ACTION_LABELS.items():
            self.action_combo.addItem(label, code)
        week_ago = today - dt.timedelta(days=7)
        self.start_edit = self._date_time("start_edit", _at(week_ago, QTime(0, 0)))
        self.end_edit = self._date_time("end_edit", _at(today, QTime(23, 59)))
        self.flagged_check = QCheckBox(self.tr("要注意のみ(&F)"), self)
        self.flagged_check.setObjectName("flagged_check")
        self.search_button = action_button(self, "search_button", "検索 (F3)", self.run_search)
        self.verify_button = action_button(self, "verify_button", "改ざん検査(&V)", self.run_verify)

        left = QFormLayout()
        left.addRow(self.tr("職員番号(&S)"), self.staff_edit)
        left.addRow(self.tr("宛名番号(&A)"), self.atena_edit)
        left.addRow(self.tr("操作(&O)"), self.action_combo)
        right = QFormLayout()
        right.addRow(self.tr("期間 開始(&B)"), self.start_edit)
        right.addRow(self.tr("期間 終了(&E)"), self.end_edit)
        right.addRow("", self.flagged_check)
        grid = QGridLayout()
        grid.addLayout(left, 0, 0)
        grid.addLayout(right, 0, 1)

        self.verify_label = QLabel(self)
        self.verify_label.setObjectName("verify_label")
        buttons = QHBoxLayout()
        buttons.addWidget(self.verify_button)
        buttons.addWidget(self.verify_label, 1)
        buttons.addWidget(self.search_button)

        self.message_label = QLabel(self)
        self.message_label.setObjectName("message_label")
        self.message_label.setWordWrap(True)
        self.model = AuditTableModel(self._columns(), parent=self)
        self.table = QTableView(self)
        self.table.setObjectName("audit_table")
        self.table.setModel(self.model)
        configure_table(self.table)

        self.count_combo = QComboBox(self)
        self.count_combo.setObjectName("count_combo")
        for kind, label in COUNT_LABELS.items():
            self.count_combo.addItem(label, kind.value)
        self.count_button = action_button(self, "count_button", "集計(&C)", self.run_counts)
        self.count_model: RowTableModel[tuple[str, int]] = RowTableModel(
            [
                Column(self.tr("職員番号"), lambda c: c[0]),
                Column(self.tr("件数"), lambda c: str(c[1])),
            ],
            parent=self,
        )
        self.count_table = QTableView(self)
        self.count_table.setObjectName("count_table")
        self.count_table.setModel(self.count_model)
        configure_table(self.count_table)
        counts = QHBoxLayout()
        counts.addWidget(QLabel(self.tr("期間内の職員別件数"), self))
        counts.addWidget(self.count_combo)
        counts.addWidget(self.count_button)
        counts.addStretch(1)

        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addLayout(buttons)
        layout.addWidget(self.message_label)
        layout.addWidget(self.table, 3)
        layout.addLayout(counts)
        layout.addWidget(self.count_table, 1)

        # The line edits search on returnPressed; these others pass Enter up to the screen.
        self._enter_searches: list[QWidget] = [
            self.action_combo,
            self.start_edit,
            self.end_edit,
            self.flagged_check,
        ]
        order = [
            self.staff_edit,
            self.atena_edit,
            *self._enter_searches,
            self.search_button,
            self.verify_button,
            self.table,
            self.count_combo,
            self.count_button,
            self.count_table,
        ]
        for first, second in itertools.pairwise(order):
            QWidget.setTabOrder(first, second)
        QShortcut(QKeySequence(Qt.Key.Key_F3), self, self.run_search)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Enter in a date, the action list or the checkbox searches, as in the text fields."""
        focused = self.focusWidget()
        in_filter = focused is not None and any(
            field is focused or field.isAncestorOf(focused) for field in self._enter_searches
        )
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and in_filter:
            self.run_search()
            return
        super().keyPressEvent(event)

    def _period(self) -> tuple[dt.datetime, dt.datetime]:
        # The fields show minutes: the end minute is included whole.
        return _from_edit(self.start_edit), _from_edit(self.end_edit).replace(second=59)

    def audit_filter(self) -> AuditFilter:
        """The filter as entered."""
        start, end = self._period()
        return AuditFilter(
            staff_no=self.staff_edit.text(),
            atena_no=self.atena_edit.text(),
            action=str(self.action_combo.currentData()),
            start=start,
            end=end,
            flagged_only=self.flagged_check.isChecked(),
        )

    def run_search(self) -> None:
        """Load the matching entries in the background."""
        wanted = self.audit_filter()
        self.message_label.setStyleSheet("")
        self.message_label.setText(self.tr("検索中…"))
        self.search_button.setEnabled(False)
        service, ctx = self._service, self._ctx
        Op(self, lambda: service.entries(ctx, wanted)).success(self._show).failure(
            self._failed
        ).run()

    def _show(self, rows: list[AuditRow]) -> None:
        self.search_button.setEnabled(True)
        self.model.set_rows(rows)
        flagged = sum(1 for row in rows if row.flags)
        text = self.tr("{0} 件（要注意 {1} 件）").format(len(rows), flagged)
        if len(rows) >= AuditFilter().limit:
            text += self.tr("　先頭 {0} 件を表示しています。条件で絞り込んでください。").format(
                len(rows)
            )
        self.message_label.setText(text if rows else self.tr("該当する記録はありません。"))
        if rows:
            self.table.selectRow(0)
        self.entries_loaded.emit(len(rows))

    def run_verify(self) -> None:
        """Check every terminal's hash chain in the background."""
        self.verify_button.setEnabled(False)
        self.verify_label.setStyleSheet("")
        self.verify_label.setText(self.tr("検査中…"))
        service, ctx = self._service, self._ctx
        Op(self, lambda: service.verify(ctx)).success(self._show_report).failure(self._failed).run()

    def _broken_reason(self, reason: str) -> str:
        if "missing or moved" in reason:
            return self.tr("記録の欠落または順序の入れ替え")
        if "does not follow" in reason:
            return self.tr("直前の記録の変更または欠落")
        if "contents do not match" in reason:
            return self.tr("記録内容の変更")
        return reason

    def _show_report(self, report: ChainReport) -> None:
        self.verify_button.setEnabled(True)
        link = report.broken
        if link is None:
            self.verify_label.setStyleSheet(INTACT_STYLE)
            self.verify_label.setText(self.tr("改ざんなし（{0}件）").format(report.checked))
        else:
            self.verify_label.setStyleSheet(ERROR_STYLE)
            self.verify_label.setText(
                self.tr("改ざんを検出: 端末 {0} の {1} 番目の記録（{2}）").format(
                    link.terminal_id, link.seq, self._broken_reason(link.reason)
                )
            )
        self.verify_finished.emit(link is None)

    def run_counts(self) -> None:
        """Count logins, failed logins or searches per staff member over the period."""
        start, end = self._period()
        kind = CountKind(self.count_combo.currentData())
        self.count_button.setEnabled(False)
        service, ctx = self._service, self._ctx
        Op(self, lambda: service.summary_counts(ctx, start, end, kind=kind)).success(
            self._show_counts
        ).failure(self._failed).run()

    def _show_counts(self, counts: list[tuple[str, int]]) -> None:
        self.count_button.setEnabled(True)
        self.count_model.set_rows(counts)
        self.counts_loaded.emit(len(counts))

    def _failed(self, exc: BaseException) -> None:
        for button in (self.search_button, self.verify_button, self.count_button):
            button.setEnabled(True)
        if not is_user_error(exc):
            self.message_label.clear()
            message_bridge().report_exception(exc)
            return
        self.message_label.setStyleSheet(ERROR_STYLE)
        self.message_label.setText(str(exc))
        self.failed.emit(str(exc))
