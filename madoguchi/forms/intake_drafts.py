"""仮登録一覧: the operator's own drafts (R-INTAKE-6, standard j540).

Enter opens the draft in the intake screen to correct it (saving again makes a new revision),
F9 withdraws it with a reason (取下げ; it stays on record), Ctrl+P writes its confirmation
sheet, F5 reloads. Closed drafts (取下げ・決裁済み) show on request.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from madoguchi.app.context import ServiceContext
from madoguchi.app.services.counter import CounterServices
from madoguchi.app.services.intake import DraftNotEditable
from madoguchi.app.services.intake.drafts import STATUS_LABELS, DraftListItem, DraftView
from madoguchi.forms.intake_sheet import SheetDialog
from madoguchi.widgets.background import Op
from madoguchi.widgets.messages import is_user_error, message_bridge
from madoguchi.widgets.register_tables import configure_table
from madoguchi.widgets.table_models import Column, RowTableModel

DRAFT_COLUMNS: list[Column[DraftListItem]] = [
    Column("状態", lambda d: d.status_label),
    Column("種類", lambda d: d.kind_label),
    Column("内容", lambda d: d.summary),
    Column("更新", lambda d: d.updated_at.strftime("%Y-%m-%d %H:%M")),
    Column("届出期間", lambda d: "14日経過" if d.late else ""),
    Column("仮登録番号", lambda d: d.draft_id),
]


class DraftListScreen(QWidget):
    """The maker's drafts; ``edit_requested(DraftView)`` when one is opened to correct."""

    edit_requested = Signal(object)
    loaded = Signal(int)
    withdrawn = Signal(str)

    def __init__(
        self, services: CounterServices, ctx: ServiceContext, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("draft_list_screen")
        self._services = services
        self._ctx = ctx
        self.sheet_dialog: SheetDialog | None = None
        self.reason_dialog: QInputDialog | None = None
        self.model: RowTableModel[DraftListItem] = RowTableModel(
            DRAFT_COLUMNS, is_removed=lambda d: d.status in ("withdrawn", "approved"), parent=self
        )
        self.table = QTableView(self)
        self.table.setObjectName("draft_table")
        self.table.setModel(self.model)
        configure_table(self.table)
        self.table.activated.connect(lambda _index: self.open_selected())
        self.closed_check = QCheckBox(self.tr("取下げ・決裁済みも表示(&A)"), self)
        self.closed_check.setObjectName("include_closed_check")
        self.closed_check.toggled.connect(lambda _on: self.reload())
        self.message_label = QLabel(self)
        self.message_label.setObjectName("draft_message")
        self.message_label.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.closed_check)
        buttons.addStretch(1)
        for name, text, key, handler in (
            ("open", self.tr("開いて修正 (Enter)"), None, self.open_selected),
            ("withdraw", self.tr("取下げ (F9)"), "F9", self.ask_withdraw),
            ("sheet", self.tr("確認票 (Ctrl+P)"), "Ctrl+P", self.print_selected),
            ("reload", self.tr("再読込 (F5)"), "F5", self.reload),
        ):
            button = QPushButton(text, self)
            button.setObjectName(f"draft_{name}_button")
            button.setAutoDefault(True)
            button.clicked.connect(handler)
            buttons.addWidget(button)
            if key is not None:
                QShortcut(QKeySequence(key), self, handler)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("自分が受け付けた仮登録（審査待ち・差戻し）"), self))
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message_label)
        layout.addLayout(buttons)

    def reload(self) -> None:
        """Fetch the list again (the selected draft stays selected when it is still there)."""
        drafts, ctx = self._services.drafts, self._ctx
        include_closed = self.closed_check.isChecked()
        Op(self, lambda: drafts.mine(ctx, include_closed=include_closed)).success(self._show).run()

    def _show(self, items: list[DraftListItem]) -> None:
        selected = self.selected()
        self.model.set_rows(items)
        row = next(
            (i for i, d in enumerate(items) if selected and d.draft_id == selected.draft_id), 0
        )
        if items:
            self.table.selectRow(row)
            self.table.setFocus()
        else:
            self.message_label.setText(self.tr("仮登録はありません。"))
        self.loaded.emit(len(items))

    def selected(self) -> DraftListItem | None:
        """The highlighted draft."""
        index = self.table.currentIndex()
        return self.model.row_at(index.row()) if index.isValid() else None

    def select(self, draft_id: str) -> None:
        """Highlight a draft by its number."""
        for row in range(self.model.rowCount()):
            if self.model.row_at(row).draft_id == draft_id:
                self.table.selectRow(row)
                return

    def open_selected(self) -> None:
        """Open the highlighted draft for correction."""
        item = self.selected()
        if item is None:
            return
        drafts, ctx = self._services.drafts, self._ctx
        Op(self, lambda: drafts.open(ctx, item.draft_id)).success(self._opened).failure(
            self._failed
        ).run()

    def _opened(self, view: DraftView) -> None:
        if view.status not in ("draft", "rejected"):
            status = STATUS_LABELS.get(view.status, view.status)
            self.message_label.setText(
                self.tr("この仮登録は{0}のため修正できません。").format(status)
            )
            return
        self.edit_requested.emit(view)

    def ask_withdraw(self) -> None:
        """F9: ask the reason, then withdraw the highlighted draft."""
        item = self.selected()
        if item is None:
            return
        dialog = QInputDialog(self)
        dialog.setObjectName("withdraw_reason_dialog")
        dialog.setWindowTitle(self.tr("仮登録の取下げ"))
        dialog.setLabelText(
            self.tr("「{0}」を取り下げます。理由を入力してください:").format(item.summary)
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.textValueSelected.connect(lambda reason: self.withdraw(item.draft_id, reason))
        dialog.finished.connect(lambda _r: setattr(self, "reason_dialog", None))
        self.reason_dialog = dialog
        dialog.open()

    def withdraw(self, draft_id: str, reason: str) -> None:
        """Withdraw a draft with ``reason`` (the service refuses an empty one)."""
        drafts, ctx = self._services.drafts, self._ctx

        def work() -> str:
            drafts.withdraw(ctx, draft_id, reason)
            return draft_id

        Op(self, work).success(self._withdrawn).failure(self._failed).run()

    def _withdrawn(self, draft_id: str) -> None:
        self.message_label.setText(self.tr("取り下げました（{0}）。").format(draft_id))
        self.withdrawn.emit(draft_id)
        self.reload()

    def print_selected(self) -> None:
        """Ctrl+P: the confirmation sheet of the highlighted draft."""
        item = self.selected()
        if item is None:
            return
        dialog = SheetDialog(
            self._services.drafts, self._ctx, item.draft_id, saved=False, parent=self
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda _r: setattr(self, "sheet_dialog", None))
        self.sheet_dialog = dialog
        dialog.open()

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, DraftNotEditable) or is_user_error(exc):
            self.message_label.setText(str(exc))
        else:
            message_bridge().report_exception(exc)
