"""交付履歴 of the open person for a day, and 再印刷 with a reason (R-CERT-6, j300, j360).

A reprint draws new 発行番号s (the spoiled copies are recorded as disposed) and goes to the
same printer as an issuance; the certificate screen does the printing.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from madoguchi.app.context import ServiceContext
from madoguchi.app.domain.certificates import (
    KIND_TITLES,
    REQUESTER_LABELS,
    CertificateKind,
    RequesterKind,
)
from madoguchi.app.services.certificates import CertificateService, IssuedCertificates, IssueRecord
from madoguchi.widgets.background import Op
from madoguchi.widgets.messages import is_user_error, message_bridge
from madoguchi.widgets.register_tables import configure_table
from madoguchi.widgets.table_models import Column, RowTableModel

ERROR_STYLE = "color: #b00020; font-weight: bold"


def _kind(value: str) -> str:
    try:
        return KIND_TITLES[CertificateKind(value)]
    except ValueError:
        return value


def _requester(value: str) -> str:
    try:
        return REQUESTER_LABELS[RequesterKind(value)]
    except ValueError:
        return value


LOG_COLUMNS: list[Column[IssueRecord]] = [
    Column("交付日時", lambda r: f"{r.issued_at:%Y-%m-%d %H:%M}"),
    Column("種類", lambda r: _kind(r.kind)),
    Column("請求者", lambda r: f"{_requester(r.requester_kind)} {r.requester_name}"),
    Column("通数", lambda r: str(r.copies)),
    Column("手数料", lambda r: f"{r.fee:,}円"),
    Column("個人番号", lambda r: "記載" if r.individual_number_printed else "—"),
    Column("職員", lambda r: r.staff_no),
    Column("状態", lambda r: "処分済" if r.disposed else ("再印刷" if r.reprint_of else "")),
    Column("発行番号", lambda r: "、".join(r.issue_numbers)),
]


class IssuanceLogPanel(QWidget):
    """The day's issuances of one person; reprint the selected one."""

    loaded = Signal(int)
    reprinted = Signal(object)  # IssuedCertificates

    def __init__(
        self, service: CertificateService, ctx: ServiceContext, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("issuance_log_panel")
        self._service = service
        self._ctx = ctx
        self.atena_no: str | None = None
        today = ctx.today()
        self.day_edit = QDateEdit(QDate(today.year, today.month, today.day), self)
        self.day_edit.setObjectName("issuance_log_day")
        self.day_edit.setDisplayFormat("yyyy-MM-dd")
        self.day_edit.setCalendarPopup(True)
        self.show_button = QPushButton(self.tr("履歴表示"), self)
        self.show_button.setObjectName("issuance_log_show")
        self.show_button.clicked.connect(self.reload)
        self.model: RowTableModel[IssueRecord] = RowTableModel(
            LOG_COLUMNS, is_removed=lambda r: r.disposed, parent=self
        )
        self.table = QTableView(self)
        self.table.setObjectName("issuance_log")
        self.table.setModel(self.model)
        configure_table(self.table)
        self.reason_edit = QLineEdit(self)
        self.reason_edit.setObjectName("reprint_reason")
        self.reason_edit.setPlaceholderText(self.tr("再印刷の理由（例: 用紙詰まり）"))
        self.reason_edit.returnPressed.connect(self.reprint)
        self.reprint_button = QPushButton(self.tr("再印刷 (Ctrl+P)"), self)
        self.reprint_button.setObjectName("reprint_button")
        self.reprint_button.clicked.connect(self.reprint)
        self.message = QLabel(self)
        self.message.setObjectName("issuance_log_message")
        self.message.setWordWrap(True)
        criteria = QHBoxLayout()
        criteria.addWidget(QLabel(self.tr("交付日(&G)"), self))
        criteria.addWidget(self.day_edit)
        criteria.addWidget(self.show_button)
        criteria.addStretch(1)
        reprint_row = QHBoxLayout()
        reprint_row.addWidget(self.reason_edit, 1)
        reprint_row.addWidget(self.reprint_button)
        layout = QVBoxLayout(self)
        layout.addLayout(criteria)
        layout.addWidget(self.table, 1)
        layout.addLayout(reprint_row)
        layout.addWidget(self.message)
        QShortcut(QKeySequence("Ctrl+P"), self, self.reprint).setContext(
            Qt.ShortcutContext.WidgetWithChildrenShortcut
        )

    def show_person(self, atena_no: str | None) -> None:
        """The person whose issuances are listed."""
        self.atena_no = atena_no
        self.model.set_rows([])

    def reload(self) -> None:
        """List the chosen day's issuances of the person."""
        if self.atena_no is None:
            return
        day: dt.date = self.day_edit.date().toPython()  # type: ignore[assignment]
        service, ctx, atena_no = self._service, self._ctx, self.atena_no
        Op(self, lambda: service.issuance_log(ctx, atena_no=atena_no, day=day)).success(
            self._show
        ).failure(self._failed).run()

    def _show(self, records: list[IssueRecord]) -> None:
        self.model.set_rows(records)
        if records:
            self.table.selectRow(0)
        self.message.setStyleSheet("")
        self.message.setText(self.tr("交付履歴: {0} 件").format(len(records)))
        self.loaded.emit(len(records))

    def selected(self) -> IssueRecord | None:
        """The highlighted issuance."""
        index = self.table.currentIndex()
        return self.model.row_at(index.row()) if index.isValid() else None

    def reprint(self) -> None:
        """Reprint the selected issuance with the reason typed (new 発行番号s)."""
        record = self.selected()
        if record is None:
            self._refused(self.tr("再印刷する交付履歴を選択してください。"))
            return
        service, ctx, reason = self._service, self._ctx, self.reason_edit.text()
        Op(self, lambda: service.reprint(ctx, record.issue_id, reason=reason)).success(
            self._reprinted
        ).failure(self._failed).run()

    def _reprinted(self, issued: IssuedCertificates) -> None:
        self.reason_edit.clear()
        self.message.setStyleSheet("")
        self.message.setText(
            self.tr("再印刷しました。新しい発行番号: {0}").format("、".join(issued.issue_numbers))
        )
        self.reprinted.emit(issued)
        self.reload()

    def _failed(self, exc: BaseException) -> None:
        if not is_user_error(exc):
            message_bridge().report_exception(exc)
            return
        self._refused(str(exc))

    def _refused(self, text: str) -> None:
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.setText(text)
