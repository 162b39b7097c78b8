"""Review queue (審査・決裁, R-REVIEW-1…5) for supervisors.

The queue lists pending drafts (filters: kind, office, terminal, age); Enter opens the selected
draft: every field before → after, the identity-check record, the confirmed alerts and, when
the register moved underneath it, why it must be refreshed first. F9 approves, F10 rejects
(with a reason), F11 refreshes a stale draft, Ctrl+F9 approves every selected draft (bulk, up
to the service's cap). Corrections (職権修正・誤記修正) and 取消 come through the same queue;
approving them needs the correction right, and the service's refusal is shown to anyone else.
The services decide; this screen only asks and shows.
"""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from madoguchi.app.context import ServiceContext
from madoguchi.app.domain.intake import NOTIFIER_LABELS
from madoguchi.app.services.review.corrections import CORRECTION_KINDS
from madoguchi.app.services.review.service import (
    KIND_NAMES,
    BulkResult,
    FieldChange,
    QueueItem,
    ReviewFilter,
    ReviewService,
    ReviewView,
)
from madoguchi.widgets.background import Op
from madoguchi.widgets.messages import message_bridge
from madoguchi.widgets.register_tables import configure_table
from madoguchi.widgets.table_models import Column, ModelIndex, RowTableModel

_W = TypeVar("_W", bound=QWidget)


def _named(widget: _W, name: str) -> _W:
    """``widget`` with its object name set (tests find widgets by name)."""
    widget.setObjectName(name)
    return widget


STALE_STYLE = "color: #b00020; font-weight: bold"
# Drafts that are not notifications: no notifier to identify, a variant code to name.
EX_OFFICIO_KINDS = (KIND_NAMES["correction"], KIND_NAMES["cancellation"])
EX_OFFICIO_VARIANTS = {code: reason.name for code, reason in CORRECTION_KINDS.items()} | {
    "cancellation": "取消"
}
ATTENTION = QBrush(QColor("#fff3cd"))

QUEUE_COLUMNS: list[Column[QueueItem]] = [
    Column("受付日時", lambda i: f"{i.created_at:%Y-%m-%d %H:%M}"),
    Column("種別", lambda i: i.kind_label),
    Column("内容", lambda i: i.summary),
    Column("受付者", lambda i: i.maker_staff_no + ("（本人）" if i.own else "")),
    Column("端末", lambda i: i.terminal_id),
    Column("所属", lambda i: i.office),
    Column("経過", lambda i: f"{i.age_hours:.1f} 時間"),
    Column(
        "注意",
        lambda i: "・".join(n for n, on in (("要最新化", i.stale), ("届出遅延", i.late)) if on),
    ),
]
CHANGE_COLUMNS: list[Column[FieldChange]] = [
    Column("氏名", lambda c: c.person),
    Column("項目", lambda c: c.label),
    Column("変更前", lambda c: c.before),
    Column("変更後", lambda c: c.after),
]


class QueueModel(RowTableModel[QueueItem]):
    """Pending drafts; stale or own drafts are highlighted (they cannot be approved as is)."""

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if (
            role == Qt.ItemDataRole.BackgroundRole
            and index.isValid()
            and 0 <= index.row() < self.rowCount()
        ):
            item = self.row_at(index.row())
            if item.stale or item.own:
                return ATTENTION
        return super().data(index, role)


class ReviewScreen(QWidget):
    """The supervisor's queue and the opened draft."""

    approved = Signal(str)

    def __init__(
        self, service: ReviewService, ctx: ServiceContext, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("review_screen")
        self._service = service
        self._ctx = ctx
        self._current: ReviewView | None = None

        self.kind = _named(QComboBox(), "review_kind")
        self.kind.addItem(self.tr("すべて"), None)
        for code, label in KIND_NAMES.items():
            self.kind.addItem(label, code)
        self.office = _named(QLineEdit(), "review_office")
        self.terminal = _named(QLineEdit(), "review_terminal")
        self.age = _named(QDoubleSpinBox(), "review_age")
        self.age.setRange(0, 24 * 30)
        self.age.setSuffix(self.tr(" 時間以上経過"))
        refresh_list = _named(QPushButton(self.tr("一覧更新 (F5)")), "review_reload")
        refresh_list.clicked.connect(self.reload)
        filters = QHBoxLayout()
        for label, widget in (
            ("種別", self.kind),
            ("所属", self.office),
            ("端末", self.terminal),
            ("経過", self.age),
        ):
            filters.addWidget(QLabel(self.tr(label)))
            filters.addWidget(widget)
        filters.addWidget(refresh_list)
        for edit in (self.office, self.terminal):
            edit.returnPressed.connect(self.reload)

        self.queue_model = QueueModel(QUEUE_COLUMNS, parent=self)
        self.queue = _named(QTableView(), "review_queue")
        self.queue.setModel(self.queue_model)
        configure_table(self.queue)
        self.queue.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.queue.activated.connect(lambda _index: self.open_selected())

        self.title = _named(QLabel(), "review_title")
        self.title.setWordWrap(True)
        self.stale = _named(QLabel(), "review_stale")
        self.stale.setStyleSheet(STALE_STYLE)
        self.stale.setWordWrap(True)
        self.identity = _named(QLabel(), "review_identity")
        self.identity.setWordWrap(True)
        self.alerts = _named(QLabel(), "review_alerts")
        self.alerts.setWordWrap(True)
        self.changes_model = RowTableModel(CHANGE_COLUMNS, parent=self)
        self.changes = _named(QTableView(), "review_changes")
        self.changes.setModel(self.changes_model)
        configure_table(self.changes)
        self.approve_button = _named(QPushButton(self.tr("決裁 (F9)")), "review_approve")
        self.reject_button = _named(QPushButton(self.tr("差戻し (F10)")), "review_reject")
        self.refresh_button = _named(QPushButton(self.tr("最新化 (F11)")), "review_refresh")
        self.bulk_button = _named(QPushButton(self.tr("選択を一括決裁 (Ctrl+F9)")), "review_bulk")
        self.approve_button.clicked.connect(self.approve_current)
        self.reject_button.clicked.connect(self.reject_current)
        self.refresh_button.clicked.connect(self.refresh_current)
        self.bulk_button.clicked.connect(self.approve_selected)
        buttons = QHBoxLayout()
        for button in (
            self.approve_button,
            self.reject_button,
            self.refresh_button,
            self.bulk_button,
        ):
            buttons.addWidget(button)

        detail = QWidget()
        detail_layout = QVBoxLayout(detail)
        form = QFormLayout()
        form.addRow(self.tr("届出"), self.title)
        form.addRow(self.tr("本人確認"), self.identity)
        form.addRow(self.tr("確認済みの注意"), self.alerts)
        detail_layout.addLayout(form)
        detail_layout.addWidget(self.stale)
        detail_layout.addWidget(self.changes)
        detail_layout.addLayout(buttons)

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.queue)
        splitter.addWidget(detail)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(splitter)
        for key, slot in (
            (Qt.Key.Key_F5, self.reload),
            (Qt.Key.Key_F9, self.approve_current),
            (Qt.Key.Key_F10, self.reject_current),
            (Qt.Key.Key_F11, self.refresh_current),
        ):
            QShortcut(QKeySequence(key), self, slot)
        QShortcut(QKeySequence("Ctrl+F9"), self, self.approve_selected)
        self._show(None)

    # -- queue ------------------------------------------------------------------------------

    def filters(self) -> ReviewFilter:
        """The filters as typed."""
        return ReviewFilter(
            office=self.office.text().strip() or None,
            terminal_id=self.terminal.text().strip() or None,
            kind=self.kind.currentData(),
            older_than_hours=self.age.value() or None,
        )

    def reload(self) -> None:
        """Fetch the queue with the filters."""
        service, ctx, filters = self._service, self._ctx, self.filters()
        Op(self, lambda: service.queue(ctx, filters)).success(self._show_queue).run()

    def _show_queue(self, items: list[QueueItem]) -> None:
        self.queue_model.set_rows(items)
        if items:
            self.queue.selectRow(0)
            self.queue.setFocus()
        message_bridge().report_info(self.tr("審査待ち {0} 件").format(len(items)))

    def selected_ids(self) -> list[str]:
        """Draft ids of the selected queue rows."""
        rows = sorted({index.row() for index in self.queue.selectionModel().selectedRows()})
        return [self.queue_model.row_at(row).draft_id for row in rows]

    def open_selected(self) -> None:
        """Open the draft at the current row."""
        index = self.queue.currentIndex()
        if not index.isValid():
            return
        self.open_draft(self.queue_model.row_at(index.row()).draft_id)

    def open_draft(self, draft_id: str) -> None:
        """Show one draft before → after."""
        service, ctx = self._service, self._ctx
        Op(self, lambda: service.open(ctx, draft_id)).success(self._show).run()

    # -- the opened draft -------------------------------------------------------------------

    def _show(self, view: ReviewView | None) -> None:
        self._current = view
        enabled = view is not None
        for button in (self.approve_button, self.reject_button, self.refresh_button):
            button.setEnabled(enabled)
        if view is None:
            self.title.setText(self.tr("一覧から届出を選び、Enter で開いてください。"))
            self.stale.clear()
            self.identity.clear()
            self.alerts.clear()
            self.changes_model.set_rows([])
            return
        variant = EX_OFFICIO_VARIANTS.get(view.variant_label, view.variant_label)
        self.title.setText(
            f"{view.kind_label}（{variant}）　{view.summary}　"
            f"受付 {view.maker_staff_no}　第{view.revision}版"
        )
        if view.reason:
            self.title.setText(self.title.text() + self.tr("\n理由: {0}").format(view.reason))
        check = view.identity_check
        if check is None and view.kind_label in EX_OFFICIO_KINDS:
            self.identity.setText(self.tr("（職権による修正・取消: 本人確認の記録なし）"))
        elif check is None:
            self.identity.setText(self.tr("（記録なし）"))
        else:
            card = ""
            if check.card_read is not None:
                card = "　カード読取: 個人番号" + (
                    "一致" if check.card_read.individual_number_matches else "未照合/不一致"
                )
                if check.card_read.genuine is not None:
                    card += "・真正性" + ("確認済み" if check.card_read.genuine else "確認できず")
            letter = "　委任状あり" if check.power_of_attorney else ""
            self.identity.setText(
                f"{NOTIFIER_LABELS[check.notifier_kind]} {check.notifier_name}　"
                f"書類 {', '.join(check.documents)}{letter}{card}"
                + (f"　聴取: {check.notes}" if check.notes else "")
            )
        self.alerts.setText("\n".join(view.alerts) or self.tr("なし"))
        problems = []
        if view.stale:
            problems.append(
                self.tr("作成後に更新あり（{0}）: 最新化 (F11) してから決裁してください。").format(
                    "、".join(view.stale)
                )
            )
        if view.problem:
            problems.append(self.tr("このままでは登録できません: {0}").format(view.problem))
        self.stale.setText("\n".join(problems))
        self.approve_button.setEnabled(not view.stale and not view.problem)
        self.refresh_button.setEnabled(bool(view.stale))
        self.changes_model.set_rows(view.changes)

    def approve_current(self) -> None:
        """決裁 the opened draft."""
        view = self._current
        if view is None:
            return
        service, ctx, draft_id = self._service, self._ctx, view.draft_id
        Op(self, lambda: service.approve(ctx, draft_id)).success(
            lambda _change: self._done(draft_id, self.tr("決裁しました（本登録）。"))
        ).run()

    def reject_current(self) -> None:
        """差戻し the opened draft with a reason."""
        view = self._current
        if view is None:
            return
        reason, ok = QInputDialog.getText(
            self, self.tr("差戻し"), self.tr("差戻しの理由（受付者に表示されます）:")
        )
        if not ok:
            return
        service, ctx, draft_id = self._service, self._ctx, view.draft_id
        Op(self, lambda: service.reject(ctx, draft_id, reason)).success(
            lambda _none: self._done(None, self.tr("差し戻しました。"))
        ).run()

    def refresh_current(self) -> None:
        """Re-check a stale draft against the current register."""
        view = self._current
        if view is None:
            return
        service, ctx, draft_id = self._service, self._ctx, view.draft_id
        Op(self, lambda: service.refresh(ctx, draft_id)).success(
            lambda _alerts: self.open_draft(draft_id)
        ).run()

    def approve_selected(self) -> None:
        """一括決裁 of the selected rows."""
        ids = self.selected_ids()
        if not ids:
            return
        service, ctx = self._service, self._ctx
        Op(self, lambda: service.approve_many(ctx, ids)).success(self._bulk_done).run()

    def _bulk_done(self, result: BulkResult) -> None:
        text = self.tr("一括決裁: {0} 件決裁").format(len(result.approved))
        if result.refused:
            text += self.tr("、{0} 件は決裁できません: ").format(len(result.refused))
            text += " / ".join(result.refused.values())
            message_bridge().report_error(text)
        else:
            message_bridge().report_info(text)
        for draft_id in result.approved:
            self.approved.emit(draft_id)
        self._show(None)
        self.reload()

    def _done(self, draft_id: str | None, text: str) -> None:
        message_bridge().report_info(text)
        if draft_id is not None:
            self.approved.emit(draft_id)
        self._show(None)
        self.reload()
