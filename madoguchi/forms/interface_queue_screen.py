"""Queue operator screen (R-IF-1): each interface queue with its records and their status.

Operators (the admin role: IT operations, not business data) see per queue how many records
are pending, delivered and failed, the records with the failure reason, and can deliver the
pending ones or resend selected ones. Re-delivery is idempotent: the consumer gets the same
record id again. Payloads are shown with the 個人番号 and 住民票コード masked.

On a terminal that syncs with a centre the queues are delivered at the centre: the screen
says so, shows only the records still waiting to reach the centre, and its deliver and
resend buttons are off (the service refuses them too, with the same message).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from madoguchi.app.context import ServiceContext
from madoguchi.app.services.interfaces.delivery import DirectoryDelivery
from madoguchi.app.services.interfaces.queue import (
    DELIVERED_AT_CENTRE,
    STATUS_LABELS,
    STATUSES,
    DeliveryReport,
    InterfaceQueueService,
    QueueCounts,
    QueuedRecord,
)
from madoguchi.widgets.background import Op
from madoguchi.widgets.messages import message_bridge
from madoguchi.widgets.register_tables import configure_table
from madoguchi.widgets.table_models import Column, RowTableModel

_W = TypeVar("_W", bound=QWidget)


def _named(widget: _W, name: str) -> _W:
    """``widget`` with its object name set (tests find widgets by name)."""
    widget.setObjectName(name)
    return widget


COUNT_COLUMNS: list[Column[QueueCounts]] = [
    Column("連携先", lambda q: q.label),
    Column("未送信", lambda q: str(q.pending)),
    Column("送信失敗", lambda q: str(q.failed)),
    Column("送信済み", lambda q: str(q.delivered)),
    Column(
        "最古の未送信",
        lambda q: f"{q.oldest_pending_at:%Y-%m-%d %H:%M}" if q.oldest_pending_at else "",
    ),
]
RECORD_COLUMNS: list[Column[QueuedRecord]] = [
    Column("順番", lambda r: str(r.seq)),
    Column("種別", lambda r: r.record_type),
    Column("状態", lambda r: STATUS_LABELS.get(r.status, r.status)),
    Column("送信回数", lambda r: str(r.attempts)),
    Column("作成", lambda r: f"{r.created_at:%Y-%m-%d %H:%M}"),
    Column("送信", lambda r: f"{r.delivered_at:%Y-%m-%d %H:%M}" if r.delivered_at else ""),
    Column("失敗理由", lambda r: r.failure_reason or ""),
]


class InterfaceQueueScreen(QWidget):
    """Queues on the left, the chosen queue's records on the right."""

    def __init__(
        self,
        service: InterfaceQueueService,
        ctx: ServiceContext,
        delivery_folder: Path,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("interface_queue_screen")
        self._service = service
        self._ctx = ctx
        self._sink = DirectoryDelivery(delivery_folder)
        self.counts_model = RowTableModel(COUNT_COLUMNS, parent=self)
        self.counts = _named(QTableView(), "queue_counts")
        self.counts.setModel(self.counts_model)
        configure_table(self.counts)
        self.counts.activated.connect(lambda _index: self.show_records())
        self.status = _named(QComboBox(), "queue_status")
        self.status.addItem(self.tr("すべて"), None)
        for status in STATUSES:
            self.status.addItem(STATUS_LABELS[status], status)
        self.status.currentIndexChanged.connect(lambda _i: self.show_records())
        self.records_model = RowTableModel(RECORD_COLUMNS, parent=self)
        self.records = _named(QTableView(), "queue_records")
        self.records.setModel(self.records_model)
        configure_table(self.records)
        self.records.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.records.selectionModel().currentRowChanged.connect(lambda *_: self._show_payload())
        self.payload = _named(QPlainTextEdit(), "queue_payload")
        self.payload.setReadOnly(True)
        self.notice = _named(QLabel(self.tr(DELIVERED_AT_CENTRE)), "queue_notice")
        self.notice.setWordWrap(True)
        self.notice.hide()
        deliver = _named(QPushButton(self.tr("未送信を送信 (F9)")), "queue_deliver")
        resend = _named(QPushButton(self.tr("選択を再送 (F10)")), "queue_resend")
        self._delivery_buttons = (deliver, resend)
        reload = _named(QPushButton(self.tr("更新 (F5)")), "queue_reload")
        deliver.clicked.connect(self.deliver)
        resend.clicked.connect(self.resend_selected)
        reload.clicked.connect(self.reload)
        buttons = QHBoxLayout()
        for widget in (QLabel(self.tr("状態")), self.status, deliver, resend, reload):
            buttons.addWidget(widget)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.addLayout(buttons)
        right_layout.addWidget(self.records)
        right_layout.addWidget(self.payload)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.counts)
        splitter.addWidget(right)
        layout = QVBoxLayout(self)
        layout.addWidget(self.notice)
        layout.addWidget(splitter)
        for key, slot in (
            (Qt.Key.Key_F5, self.reload),
            (Qt.Key.Key_F9, self.deliver),
            (Qt.Key.Key_F10, self.resend_selected),
        ):
            QShortcut(QKeySequence(key), self, slot)

    def reload(self) -> None:
        """Fetch the per-queue counts, and whether this terminal delivers them itself."""
        service, ctx = self._service, self._ctx
        Op(self, lambda: (service.delivers_here(), service.queues(ctx))).success(
            self._show_state
        ).run()

    def _show_state(self, state: tuple[bool, list[QueueCounts]]) -> None:
        here, counts = state
        self.notice.setVisible(not here)
        for button in self._delivery_buttons:
            button.setEnabled(here)
        self._show_counts(counts)

    def _show_counts(self, counts: list[QueueCounts]) -> None:
        current = self.current_queue()
        self.counts_model.set_rows(counts)
        queues = [c.queue for c in counts]
        row = queues.index(current) if current in queues else 0
        if counts:
            self.counts.selectRow(row)
            self.show_records()

    def current_queue(self) -> str | None:
        """The queue chosen on the left."""
        index = self.counts.currentIndex()
        if not index.isValid():
            return None
        return self.counts_model.row_at(index.row()).queue

    def show_records(self) -> None:
        """The chosen queue's records with the chosen status."""
        queue = self.current_queue()
        if queue is None:
            return
        service, ctx, status = self._service, self._ctx, self.status.currentData()
        Op(self, lambda: service.records(ctx, queue, status)).success(self._show_records).run()

    def _show_records(self, records: list[QueuedRecord]) -> None:
        self.records_model.set_rows(records)
        self.payload.clear()

    def _show_payload(self) -> None:
        index = self.records.currentIndex()
        if not index.isValid():
            self.payload.clear()
            return
        record = self.records_model.row_at(index.row())
        self.payload.setPlainText(
            f"record_id: {record.record_id}\n"
            + json.dumps(record.payload, ensure_ascii=False, indent=2, default=str)
        )

    def deliver(self) -> None:
        """Deliver the chosen queue's pending records, in order."""
        queue = self.current_queue()
        if queue is None:
            return
        service, ctx, sink = self._service, self._ctx, self._sink
        Op(self, lambda: service.deliver_pending(ctx, queue, sink)).success(self._report).run()

    def resend_selected(self) -> None:
        """Resend the selected records (idempotent for the consumer)."""
        rows = sorted({i.row() for i in self.records.selectionModel().selectedRows()})
        ids = [self.records_model.row_at(row).record_id for row in rows]
        if not ids:
            return
        service, ctx, sink = self._service, self._ctx, self._sink
        Op(self, lambda: service.resend(ctx, ids, sink)).success(self._report).run()

    def _report(self, report: DeliveryReport) -> None:
        text = self.tr("送信 {0} 件").format(len(report.delivered))
        if report.failed:
            reasons = " / ".join(reason for _id, reason in report.failed)
            message_bridge().report_error(
                self.tr("{0}、失敗 {1} 件（{2}）、保留 {3} 件").format(
                    text, len(report.failed), reasons, report.held
                )
            )
        else:
            message_bridge().report_info(text)
        self.reload()
