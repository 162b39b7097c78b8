"""届出期間経過一覧: notifications filed more than 14 days after the move (R-INTAKE-2, 住基法
§22–25), listed by 届出日 for the notice to the 簡易裁判所.

F5 (or Enter in a date) lists the period; Ctrl+S writes the list as shown to the CSV file named
in the path field (UTF-8 with BOM, so spreadsheet programs read the Japanese as is).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
from collections.abc import Sequence
from pathlib import Path

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
from madoguchi.app.services.intake.drafts import DraftService, LateNotification
from madoguchi.widgets.background import Op
from madoguchi.widgets.register_tables import configure_table
from madoguchi.widgets.screen_parts import MessageLine, action_button, report_failure
from madoguchi.widgets.table_models import Column, RowTableModel

LATE_COLUMNS: list[Column[LateNotification]] = [
    Column("届出日", lambda n: n.notified_on.isoformat()),
    Column("異動日", lambda n: n.moved_on.isoformat()),
    Column("経過日数", lambda n: f"{n.days_late} 日"),
    Column("届出の種類", lambda n: n.variant_label),
    Column("氏名", lambda n: n.names),
    Column("状態", lambda n: n.status_label),
    Column("仮登録番号", lambda n: n.draft_id),
]
CSV_HEADER = ("仮登録番号", "届出の種類", "氏名", "異動日", "届出日", "経過日数", "状態")


def late_notifications_csv(entries: Sequence[LateNotification]) -> str:
    """The list as CSV text, one notification a row, dates in ISO form."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for n in entries:
        writer.writerow(
            (
                n.draft_id,
                n.variant_label,
                n.names,
                n.moved_on.isoformat(),
                n.notified_on.isoformat(),
                n.days_late,
                n.status_label,
            )
        )
    return out.getvalue()


def _qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _day_of(edit: QDateEdit) -> dt.date:
    day = edit.date()
    return dt.date(day.year(), day.month(), day.day())


class LateNotificationScreen(QWidget):
    """The late notifications of a period and their CSV export."""

    loaded = Signal(int)
    exported = Signal(str)
    failed = Signal(str)

    def __init__(
        self, service: DraftService, ctx: ServiceContext, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("late_notifications_screen")
        self._service = service
        self._ctx = ctx
        self._listed: tuple[dt.date, dt.date] | None = None
        today = ctx.today()
        # From the 1st of last month: early in a month the whole previous month is listed.
        first_of_last_month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
        self.since_edit = self._date_edit("late_since", first_of_last_month)
        self.until_edit = self._date_edit("late_until", today)
        self.show_button = action_button(self, "late_show", "表示 (F5)", self.reload)
        period = QFormLayout()
        period.addRow(self.tr("届出日 から(&B)"), self.since_edit)
        period.addRow(self.tr("届出日 まで(&E)"), self.until_edit)
        criteria = QHBoxLayout()
        criteria.addLayout(period)
        criteria.addWidget(self.show_button)
        criteria.addStretch(1)

        self.model: RowTableModel[LateNotification] = RowTableModel(LATE_COLUMNS, parent=self)
        self.table = QTableView(self)
        self.table.setObjectName("late_table")
        self.table.setModel(self.model)
        configure_table(self.table)
        self.message_label = MessageLine("late_message", self)
        self.path_edit = QLineEdit(str(Path.home() / f"届出期間経過一覧_{today:%Y%m%d}.csv"), self)
        self.path_edit.setObjectName("late_csv_path")
        self.path_edit.returnPressed.connect(self.export_csv)
        self.export_button = action_button(self, "late_export", "CSV出力 (Ctrl+S)", self.export_csv)
        export_row = QHBoxLayout()
        export_row.addWidget(QLabel(self.tr("出力先(&P)"), self))
        export_row.addWidget(self.path_edit, 1)
        export_row.addWidget(self.export_button)

        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(self.tr("届出期間（14日）を経過した届出（簡易裁判所への通知の対象）"), self)
        )
        layout.addLayout(criteria)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message_label)
        layout.addLayout(export_row)
        order = [
            self.since_edit,
            self.until_edit,
            self.show_button,
            self.table,
            self.path_edit,
            self.export_button,
        ]
        for first, second in itertools.pairwise(order):
            QWidget.setTabOrder(first, second)
        QShortcut(QKeySequence(Qt.Key.Key_F5), self, self.reload)
        QShortcut(QKeySequence("Ctrl+S"), self, self.export_csv)

    def _date_edit(self, name: str, day: dt.date) -> QDateEdit:
        edit = QDateEdit(_qdate(day), self)
        edit.setObjectName(name)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        return edit

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Enter in a date lists the period."""
        focused = self.focusWidget()
        in_dates = focused is not None and any(
            edit is focused or edit.isAncestorOf(focused)
            for edit in (self.since_edit, self.until_edit)
        )
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and in_dates:
            self.reload()
            return
        super().keyPressEvent(event)

    def reload(self) -> None:
        """List the period's late notifications in the background."""
        since, until = _day_of(self.since_edit), _day_of(self.until_edit)
        if since > until:
            self._refused(self.tr("期間の開始日が終了日より後になっています。"))
            return
        service, ctx = self._service, self._ctx
        self.message_label.say(self.tr("読み込み中…"))
        Op(self, lambda: service.late_notifications(ctx, since, until)).success(
            lambda entries: self._show((since, until), entries)
        ).failure(self._failed).run()

    def _show(self, period: tuple[dt.date, dt.date], entries: list[LateNotification]) -> None:
        self._listed = period
        self.model.set_rows(entries)
        if entries:
            self.table.selectRow(0)
        self.message_label.setText(
            self.tr("{0} 件").format(len(entries))
            if entries
            else self.tr("この期間に届出期間を経過した届出はありません。")
        )
        self.loaded.emit(len(entries))

    def entries(self) -> list[LateNotification]:
        """The notifications listed now."""
        return [self.model.row_at(row) for row in range(self.model.rowCount())]

    def export_csv(self) -> None:
        """Ctrl+S: write the list as shown to the CSV file in the path field."""
        if self._listed != (_day_of(self.since_edit), _day_of(self.until_edit)):
            self._refused(self.tr("先にこの期間の一覧を表示してください (F5)。"))
            return
        text = self.path_edit.text().strip()
        if not text:
            self._refused(self.tr("出力先のファイル名を入力してください。"))
            return
        path = Path(text).expanduser()
        content = late_notifications_csv(self.entries())

        def write() -> str:
            path.write_text(content, encoding="utf-8-sig", newline="")
            return str(path)

        Op(self, write).success(self._exported).failure(self._failed).run()

    def _exported(self, path: str) -> None:
        self.message_label.say(
            self.tr("{0} 件を出力しました: {1}").format(self.model.rowCount(), path)
        )
        self.exported.emit(path)

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, OSError):
            self._refused(self.tr("ファイルに書き込めません（{0}）。").format(exc.strerror or exc))
            return
        report_failure(exc, self._refused, self.message_label)

    def _refused(self, text: str) -> None:
        self.message_label.refuse(text)
        self.failed.emit(text)
