"""一時解除審査: the 支援措置責任者's queue of blocked certificate requests (R-CERT-4, j440).

Each pending request shows what the reviewer needs: who asked at which terminal, the kind,
the requester and their stated reason, the persons and which of them are protected until
when, and the clerk's note. F9 releases the selected request (this one request, once), Shift+F9
refuses it; both need the reason, which is audited. F5 lists afresh.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from madoguchi.app.context import ServiceContext
from madoguchi.app.services.protection_release import ReleaseReviewService, ReleaseView
from madoguchi.widgets.background import Op
from madoguchi.widgets.messages import is_user_error, message_bridge
from madoguchi.widgets.register_tables import configure_table
from madoguchi.widgets.table_models import Column, RowTableModel

ERROR_STYLE = "color: #b00020; font-weight: bold"

RELEASE_COLUMNS: list[Column[ReleaseView]] = [
    Column("依頼日時", lambda v: f"{v.requested_at:%Y-%m-%d %H:%M}"),
    Column("依頼者", lambda v: v.requested_by),
    Column("端末", lambda v: v.terminal_id),
    Column("種類", lambda v: v.kind),
    Column("請求者", lambda v: v.requester),
    Column("請求事由", lambda v: v.reason),
    Column("対象者", lambda v: "、".join(f"{name}（{a}）" for a, name in v.persons)),
    Column("支援措置", lambda v: "、".join(v.protected)),
    Column("連絡事項", lambda v: v.note or ""),
]


class ReleaseScreen(QWidget):
    """Pending release requests; release or refuse the selected one with a reason."""

    loaded = Signal(int)
    decided = Signal(str, str)  # release_id, "released" | "refused"

    def __init__(
        self, service: ReleaseReviewService, ctx: ServiceContext, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("release_screen")
        self._service = service
        self._ctx = ctx
        self.model: RowTableModel[ReleaseView] = RowTableModel(RELEASE_COLUMNS, parent=self)
        self.table = QTableView(self)
        self.table.setObjectName("release_queue")
        self.table.setModel(self.model)
        configure_table(self.table)
        self.detail = QLabel(self)
        self.detail.setObjectName("release_detail")
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._show_detail())
        self.reason_edit = QLineEdit(self)
        self.reason_edit.setObjectName("release_reason")
        self.reason_edit.setPlaceholderText(
            self.tr("審査の結果（例: 申出者本人の請求であることを確認）")
        )
        self.release_button = QPushButton(self.tr("解除 (F9)"), self)
        self.release_button.setObjectName("release_button")
        self.release_button.clicked.connect(self.release)
        self.refuse_button = QPushButton(self.tr("不承認 (Shift+F9)"), self)
        self.refuse_button.setObjectName("refuse_button")
        self.refuse_button.clicked.connect(self.refuse)
        self.message = QLabel(self)
        self.message.setObjectName("release_message")
        self.message.setWordWrap(True)
        decide_row = QHBoxLayout()
        decide_row.addWidget(QLabel(self.tr("理由(&R)"), self))
        decide_row.addWidget(self.reason_edit, 1)
        decide_row.addWidget(self.release_button)
        decide_row.addWidget(self.refuse_button)
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(self.tr("支援措置・発行抑止で止まっている証明書の請求（審査待ち）"))
        )
        layout.addWidget(self.table, 1)
        layout.addWidget(self.detail)
        layout.addLayout(decide_row)
        layout.addWidget(self.message)
        order = [self.table, self.reason_edit, self.release_button, self.refuse_button]
        for first, second in itertools.pairwise(order):
            QWidget.setTabOrder(first, second)
        QShortcut(QKeySequence(Qt.Key.Key_F5), self, self.reload)
        QShortcut(QKeySequence(Qt.Key.Key_F9), self, self.release)
        QShortcut(QKeySequence("Shift+F9"), self, self.refuse)

    def reload(self) -> None:
        """List the pending requests."""
        service, ctx = self._service, self._ctx
        Op(self, lambda: service.releases(ctx)).success(self._show).failure(self._failed).run()

    def _show(self, views: list[ReleaseView]) -> None:
        self.model.set_rows(views)
        if views:
            self.table.selectRow(0)
        self._show_detail()
        self.loaded.emit(len(views))

    def selected(self) -> ReleaseView | None:
        """The highlighted request."""
        index = self.table.currentIndex()
        return self.model.row_at(index.row()) if index.isValid() else None

    def _show_detail(self) -> None:
        view = self.selected()
        if view is None:
            self.detail.setText(self.tr("審査待ちの依頼はありません。"))
            return
        lines = [
            self.tr("{0}　請求者: {1}").format(view.kind, view.requester),
            self.tr("請求事由: {0}").format(view.reason or "—"),
            self.tr("対象者: {0}").format("、".join(f"{n}（{a}）" for a, n in view.persons)),
            self.tr("支援措置: {0}").format("、".join(view.protected) or "発行抑止"),
            self.tr("依頼: {0}（端末 {1}）　連絡事項: {2}").format(
                view.requested_by, view.terminal_id, view.note or "—"
            ),
        ]
        self.detail.setText("\n".join(lines))

    def release(self) -> None:
        """F9: release the selected request, for one issuance."""
        self._decide("released")

    def refuse(self) -> None:
        """Shift+F9: refuse the selected request."""
        self._decide("refused")

    def _decide(self, outcome: str) -> None:
        view = self.selected()
        if view is None:
            self._refused(self.tr("審査する依頼を選択してください。"))
            return
        service, ctx, reason = self._service, self._ctx, self.reason_edit.text()
        release_id = view.release_id
        work: Callable[[], object] = (
            (lambda: service.release(ctx, release_id, reason))
            if outcome == "released"
            else (lambda: service.refuse(ctx, release_id, reason))
        )
        Op(self, work).success(lambda _r: self._decided(release_id, outcome)).failure(
            self._failed
        ).run()

    def _decided(self, release_id: str, outcome: str) -> None:
        self.reason_edit.clear()
        self.message.setStyleSheet("")
        text = (
            self.tr("解除しました（1回の交付に限ります）。")
            if outcome == "released"
            else (self.tr("不承認としました。"))
        )
        self.message.setText(text)
        message_bridge().report_info(text)
        self.decided.emit(release_id, outcome)
        self.reload()

    def _failed(self, exc: BaseException) -> None:
        if not is_user_error(exc):
            message_bridge().report_exception(exc)
            return
        self._refused(str(exc))

    def _refused(self, text: str) -> None:
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.setText(text)
