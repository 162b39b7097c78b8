"""同期の確認 (Ctrl+Y): conflicts and refusals from the centre, both versions side by side.

R-SYNC-2. The list shows what the centre did not apply; Enter (or selecting a line) opens
it: every item of every person and household the op touched, this terminal's decision beside
the centre's current state, the differing items marked (by default only those are listed). A
conflict is settled either in 審査・決裁 (F3 opens the draft there: refresh and approve
again, or reject) or here with a note (F12 解消 — an op to the centre). A refusal is
acknowledged with F11. F5 reloads and asks the worker to sync now.
"""

from __future__ import annotations

import itertools
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from madoguchi.app.context import ServiceContext
from madoguchi.app.services.sync_compare import ComparedField
from madoguchi.app.services.sync_problems import (
    ProblemDetail,
    ProblemSummary,
    SyncProblemService,
)
from madoguchi.widgets.background import Op
from madoguchi.widgets.messages import is_user_error, message_bridge
from madoguchi.widgets.register_tables import configure_table
from madoguchi.widgets.screen_parts import MessageLine, action_button, report_failure
from madoguchi.widgets.table_models import Column, RowTableModel

DIFFERS_BACKGROUND = QBrush(QColor("#fff1c2"))

PROBLEM_COLUMNS: list[Column[ProblemSummary]] = [
    Column("種類", lambda p: p.kind_label),
    Column("操作", lambda p: p.op_label),
    Column("状態", lambda p: p.status_label),
    Column("操作日時", lambda p: p.created_at),
    Column("端末", lambda p: p.terminal_id or "この端末"),
    Column("職員", lambda p: p.staff_no),
    Column("人数", lambda p: str(p.persons)),
    Column("仮登録番号", lambda p: p.draft_id or ""),
    Column("センターの回答", lambda p: p.reason),
]
FIELD_COLUMNS: list[Column[ComparedField]] = [
    Column("対象", lambda f: f.subject),
    Column("項目", lambda f: f.label),
    Column("この端末の決裁", lambda f: f.ours),
    Column("センターの現在", lambda f: f.centre),
    Column("差異", lambda f: "あり" if f.differs else ""),
]


class ComparisonModel(RowTableModel[ComparedField]):
    """Both versions; the items that differ are shaded and bold."""

    def data(
        self,
        index: QModelIndex | QPersistentModelIndex,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if index.isValid() and 0 <= index.row() < self.rowCount():
            differs = self.row_at(index.row()).differs
            if role == Qt.ItemDataRole.BackgroundRole and differs:
                return DIFFERS_BACKGROUND
            if role == Qt.ItemDataRole.FontRole and differs:
                font = QFont()
                font.setBold(True)
                return font
        return super().data(index, role)


class SyncProblemsScreen(QWidget):
    """The terminal's conflicts and refusals and how to settle them."""

    loaded = Signal(int)
    opened = Signal(object)
    resolved = Signal(object)
    failed = Signal(str)
    review_requested = Signal(str)
    sync_requested = Signal()

    def __init__(
        self, service: SyncProblemService, ctx: ServiceContext, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("sync_problems_screen")
        self._service = service
        self._ctx = ctx
        self.detail: ProblemDetail | None = None
        self._centre_error: str | None = None

        self.settled_box = QCheckBox(self.tr("解消済みも表示(&A)"), self)
        self.settled_box.setObjectName("sync_problems_settled")
        self.settled_box.toggled.connect(self.reload)
        self.centre_box = QCheckBox(self.tr("他の端末の競合も表示（センター）(&C)"), self)
        self.centre_box.setObjectName("sync_problems_centre")
        self.centre_box.toggled.connect(self.reload)
        self.reload_button = action_button(
            self, "sync_problems_reload", "再表示・今すぐ同期 (F5)", self.sync_now
        )
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("センターで適用されなかった操作"), self))
        top.addStretch(1)
        top.addWidget(self.centre_box)
        top.addWidget(self.settled_box)
        top.addWidget(self.reload_button)

        self.model: RowTableModel[ProblemSummary] = RowTableModel(
            PROBLEM_COLUMNS, is_removed=lambda p: not p.is_open, parent=self
        )
        self.table = QTableView(self)
        self.table.setObjectName("sync_problems_list")
        self.table.setModel(self.model)
        configure_table(self.table)
        self.table.activated.connect(lambda _index: self.open_selected())
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self.open_selected())

        self.only_differences = QCheckBox(self.tr("差異のある項目だけ(&D)"), self)
        self.only_differences.setObjectName("sync_problems_only_differences")
        self.only_differences.setChecked(True)
        self.only_differences.toggled.connect(self._show_fields)
        self.fields = ComparisonModel(FIELD_COLUMNS, parent=self)
        self.field_table = QTableView(self)
        self.field_table.setObjectName("sync_problems_fields")
        self.field_table.setModel(self.fields)
        configure_table(self.field_table)
        self.stale_label = QLabel(self)
        self.stale_label.setObjectName("sync_problems_stale")
        self.stale_label.setWordWrap(True)

        self.note_edit = QLineEdit(self)
        self.note_edit.setObjectName("sync_problems_note")
        self.note_edit.setPlaceholderText(
            self.tr("解消の理由: 例 他端末の異動が正しいことを届書で確認。仮登録は差戻す")
        )
        self.note_edit.returnPressed.connect(self.resolve)
        self.review_button = action_button(
            self, "sync_problems_review", "審査画面で開く (F3)", self.open_review
        )
        self.resolve_button = action_button(
            self, "sync_problems_resolve", "解消 (F12)", self.resolve
        )
        self.acknowledge_button = action_button(
            self, "sync_problems_acknowledge", "確認済み (F11)", self.acknowledge
        )
        actions = QHBoxLayout()
        actions.addWidget(QLabel(self.tr("理由(&N)"), self))
        actions.addWidget(self.note_edit, 1)
        for button in (self.review_button, self.resolve_button, self.acknowledge_button):
            actions.addWidget(button)
        self.message_label = MessageLine("sync_problems_message", self)

        lower = QWidget(self)
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        heading = QHBoxLayout()
        heading.addWidget(QLabel(self.tr("この端末の版とセンターの版"), self))
        heading.addStretch(1)
        heading.addWidget(self.only_differences)
        lower_layout.addLayout(heading)
        lower_layout.addWidget(self.field_table, 1)
        lower_layout.addWidget(self.stale_label)
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(self.table)
        splitter.addWidget(lower)
        splitter.setStretchFactor(1, 2)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)
        layout.addLayout(actions)
        layout.addWidget(self.message_label)
        order = [
            self.table,
            self.field_table,
            self.only_differences,
            self.note_edit,
            self.review_button,
            self.resolve_button,
            self.acknowledge_button,
            self.centre_box,
            self.settled_box,
            self.reload_button,
        ]
        for first, second in itertools.pairwise(order):
            QWidget.setTabOrder(first, second)
        QShortcut(QKeySequence(Qt.Key.Key_F5), self, self.sync_now)
        QShortcut(QKeySequence(Qt.Key.Key_F3), self, self.open_review)
        QShortcut(QKeySequence(Qt.Key.Key_F12), self, self.resolve)
        QShortcut(QKeySequence(Qt.Key.Key_F11), self, self.acknowledge)
        self._enable_actions()

    def showEvent(self, event: QShowEvent) -> None:
        """Shown (Ctrl+Y): the keyboard starts in the list."""
        super().showEvent(event)
        self.table.setFocus()

    # -- the list ------------------------------------------------------------------------------

    def sync_now(self) -> None:
        """F5: ask the worker for a cycle now, and list again."""
        self.sync_requested.emit()
        self.reload()

    def reload(self) -> None:
        """List the problems in the background."""
        service, ctx, settled = self._service, self._ctx, self.settled_box.isChecked()
        centre = self.centre_box.isChecked()
        Op(self, lambda: service.problems(ctx, include_settled=settled, at_centre=centre)).success(
            self._listed
        ).failure(self._failed).run()

    def _listed(self, problems: list[ProblemSummary]) -> None:
        shown = self.detail.summary.op_id if self.detail is not None else None
        self.model.set_rows(problems)
        if self.detail is None or self.detail.summary not in problems:
            # Open again only what changed: a reload after each sync cycle must not write
            # another view to the audit log (whose op would wake the worker again).
            self.detail = None
            self.fields.set_rows([])
            self.stale_label.clear()
        if not problems:
            self._say(self.tr("センターで適用されなかった操作はありません。"))
        else:
            self._say(self.tr("{0} 件。行を選ぶと両方の版を表示します。").format(len(problems)))
            ids = [p.op_id for p in problems]
            self.table.selectRow(ids.index(shown) if shown in ids else 0)
        self._enable_actions()
        if self._centre_error is not None:  # the centre's list failed: say so over the count
            self._refused(self._centre_error)
            self._centre_error = None
        self.loaded.emit(len(problems))

    def open_selected(self) -> None:
        """Show both versions of the selected problem (the view is audit-logged)."""
        row = self.table.currentIndex().row()
        if not 0 <= row < self.model.rowCount():
            return
        op_id = self.model.row_at(row).op_id
        if self.detail is not None and self.detail.summary.op_id == op_id:
            return
        service, ctx = self._service, self._ctx
        Op(self, lambda: service.open(ctx, op_id)).success(self._opened).failure(self._failed).run()

    def _opened(self, detail: ProblemDetail) -> None:
        self.detail = detail
        self._show_fields()
        self.stale_label.setText(
            "\n".join([self.tr("センターの判断:") + " " + detail.summary.reason, *detail.stale])
        )
        self._enable_actions()
        self.opened.emit(detail)

    def _show_fields(self) -> None:
        if self.detail is None:
            self.fields.set_rows([])
            return
        fields = list(self.detail.fields)
        if self.only_differences.isChecked():
            fields = [f for f in fields if f.differs] or fields
        self.fields.set_rows(fields)

    def _enable_actions(self) -> None:
        detail = self.detail
        self.resolve_button.setEnabled(detail is not None and detail.can_resolve)
        self.note_edit.setEnabled(detail is not None and detail.can_resolve)
        self.acknowledge_button.setEnabled(detail is not None and detail.can_acknowledge)
        self.review_button.setEnabled(
            detail is not None and detail.summary.draft_id is not None and detail.can_resolve
        )

    # -- settling ------------------------------------------------------------------------------

    def open_review(self) -> None:
        """F3: the conflict's draft in 審査・決裁 (refresh and approve again, or reject)."""
        detail = self.detail
        if detail is None or detail.summary.draft_id is None or not detail.can_resolve:
            return
        self.review_requested.emit(detail.summary.draft_id)

    def resolve(self) -> None:
        """F12: settle the conflict with the centre's version and the note."""
        detail = self.detail
        if detail is None or not detail.can_resolve:
            self._refused(self.tr("解消できる競合を選んでください。"))
            return
        service, ctx, note = self._service, self._ctx, self.note_edit.text()
        op_id = detail.summary.op_id
        Op(self, lambda: service.resolve(ctx, op_id, note)).success(self._settled).failure(
            self._failed
        ).run()

    def acknowledge(self) -> None:
        """F11: mark the selected refusal as seen."""
        detail = self.detail
        if detail is None or not detail.can_acknowledge:
            self._refused(self.tr("確認済みにできる拒否を選んでください。"))
            return
        service, ctx, op_id = self._service, self._ctx, detail.summary.op_id
        Op(self, lambda: service.acknowledge(ctx, op_id)).success(self._settled).failure(
            self._failed
        ).run()

    def _settled(self, summary: ProblemSummary) -> None:
        self.note_edit.clear()
        self.resolved.emit(summary)
        message_bridge().report_info(
            self.tr("{0}: {1}").format(summary.kind_label, summary.status_label)
        )
        self.sync_now()

    def _failed(self, exc: BaseException) -> None:
        if self.centre_box.isChecked() and is_user_error(exc):
            # The centre cannot be asked now: list this terminal's problems, with the reason.
            self._centre_error = str(exc)
            self.centre_box.setChecked(False)
            return
        report_failure(exc, self._refused, self.message_label)

    def _refused(self, text: str) -> None:
        self.message_label.refuse(text)
        self.failed.emit(text)

    def _say(self, text: str) -> None:
        self.message_label.say(text)
