"""Admin screen (R-ROLE-1…4, standard/j1380.txt, j230.txt): accounts, terminals, the matrix.

Every change is a service call on the database thread; the service decides (permissions,
separation of duties, password policy) and the screen shows its reason. A dialog stays open
until the service accepts, so a refused entry need not be typed again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QDate,
    Qt,
    Signal,
)
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from madoguchi.app.context import ServiceContext
from madoguchi.app.domain.permissions import ROLE_LABELS, Role
from madoguchi.app.services.admin import (
    AccountRow,
    AdminService,
    PermissionMatrix,
    PermissionRow,
    TerminalRow,
    TotpEnrolment,
    second_factor_label,
)
from madoguchi.widgets.background import Op
from madoguchi.widgets.messages import is_user_error, message_bridge
from madoguchi.widgets.register_tables import configure_table
from madoguchi.widgets.table_models import Column, ModelIndex, RowTableModel

ERROR_STYLE = "color: #b00020; font-weight: bold"
DONE_STYLE = "color: #1b5e20; font-weight: bold"


def _day(day: dt.date | None) -> str:
    return day.strftime("%Y/%m/%d") if day is not None else ""


def _state(row: AccountRow) -> str:
    if row.disabled:
        return "無効"
    return "ロック中" if row.locked else "有効"


ACCOUNT_COLUMNS: list[Column[AccountRow]] = [
    Column("職員番号", lambda r: r.staff_no),
    Column("氏名", lambda r: r.name),
    Column("所属", lambda r: r.office),
    Column("権限", lambda r: r.role_labels),
    Column("有効期間", lambda r: f"{_day(r.valid_from)}〜{_day(r.valid_until)}"),
    Column("状態", _state),
    Column("二要素認証", lambda r: second_factor_label(r.second_factor)),
    Column("パスワード変更日", lambda r: _day(r.password_changed_on) or "未変更（要変更）"),
]
TERMINAL_COLUMNS: list[Column[TerminalRow]] = [
    Column("端末ID", lambda t: t.terminal_id),
    Column("設置場所", lambda t: t.office),
    Column("説明", lambda t: t.description),
    Column("状態", lambda t: "有効" if t.active else "無効"),
]


def _mark(column: int, row: PermissionRow) -> str:
    return "○" if row.granted[column] else "—"


class PermissionMatrixModel(RowTableModel[PermissionRow]):
    """The permission matrix, read-only: one row per action, one column per role."""

    def __init__(self, parent: QWidget | None = None) -> None:
        columns = [Column(ROLE_LABELS[r], partial(_mark, i)) for i, r in enumerate(Role)]
        super().__init__(columns, parent=parent)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.TextAlignmentRole and index.isValid():
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == Qt.ItemDataRole.AccessibleTextRole and index.isValid():
            return "可" if super().data(index) == "○" else "不可"
        return super().data(index, role)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        vertical = orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.DisplayRole
        if vertical and 0 <= section < self.rowCount():
            return self.row_at(section).label
        return super().headerData(section, orientation, role)


class AdminDialog(QDialog):
    """A small form; OK asks the screen to submit, and it closes when the service accepts."""

    submitted = Signal()

    def __init__(self, title: str, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("admin_dialog")
        self.setWindowTitle(title)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.form = QFormLayout()
        self.lines: dict[str, QLineEdit] = {}
        self.dates: dict[str, QDateEdit] = {}
        self.role_checks: dict[Role, QCheckBox] = {}
        self.error_label = QLabel(self)
        self.error_label.setObjectName("dialog_error")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet(ERROR_STYLE)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("実行(&O)"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("取消(&C)"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)

    def add_line(self, key: str, label: str, text: str = "", *, secret: bool = False) -> QLineEdit:
        """A text field; ``secret`` masks it (passwords)."""
        edit = QLineEdit(text, self)
        edit.setObjectName(f"{key}_edit")
        if secret:
            edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.form.addRow(label, edit)
        self.lines[key] = edit
        return edit

    def add_period(self, valid_from: dt.date, valid_until: dt.date | None) -> None:
        """The validity period: a start date, an end date and a 「期限なし」 box."""
        for key, value in (("valid_from", valid_from), ("valid_until", valid_until)):
            edit = QDateEdit(QDate(value or valid_from), self)
            edit.setObjectName(f"{key}_date")
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy/MM/dd")
            self.dates[key] = edit
        self.open_ended = QCheckBox(self.tr("期限なし(&L)"), self)
        self.open_ended.setObjectName("open_ended_check")
        self.open_ended.toggled.connect(lambda on: self.dates["valid_until"].setEnabled(not on))
        self.open_ended.setChecked(valid_until is None)
        until = QHBoxLayout()
        until.addWidget(self.dates["valid_until"], 1)
        until.addWidget(self.open_ended)
        self.form.addRow(self.tr("有効期間 開始(&F)"), self.dates["valid_from"])
        label = QLabel(self.tr("有効期間 終了(&I)"), self)
        label.setBuddy(self.dates["valid_until"])
        self.form.addRow(label, until)

    def add_roles(self, checked: Iterable[Role]) -> None:
        """One check box per role."""
        chosen = set(checked)
        column = QVBoxLayout()
        for role in Role:
            box = QCheckBox(ROLE_LABELS[role], self)
            box.setObjectName(f"role_{role.value}")
            box.setChecked(role in chosen)
            column.addWidget(box)
            self.role_checks[role] = box
        self.form.addRow(self.tr("権限"), column)

    def text(self, key: str) -> str:
        """What the field ``key`` holds."""
        return self.lines[key].text()

    def period(self) -> tuple[dt.date, dt.date | None]:
        """The validity period entered; the end is None when 「期限なし」 is checked."""
        start, end = (self.dates[key].date().toPython() for key in ("valid_from", "valid_until"))
        assert isinstance(start, dt.date) and isinstance(end, dt.date)
        return start, None if self.open_ended.isChecked() else end

    def roles(self) -> list[Role]:
        """The roles checked."""
        return [role for role, box in self.role_checks.items() if box.isChecked()]

    def set_roles(self, roles: Iterable[Role]) -> None:
        """Check exactly ``roles`` (keyboard users toggle with Space; tests call this)."""
        chosen = set(roles)
        for role, box in self.role_checks.items():
            box.setChecked(role in chosen)

    def accept(self) -> None:
        """Ask for submission; the dialog stays open until ``finish``."""
        self.error_label.clear()
        self.submitted.emit()

    def finish(self) -> None:
        """Close as accepted (the service took the change)."""
        super().accept()

    def show_error(self, text: str) -> None:
        """Show why the service refused, keeping what was typed."""
        self.error_label.setText(text)


class AdminScreen(QWidget):
    """Tabs for staff accounts, terminals and the (read-only) permission matrix."""

    changed = Signal()
    refreshed = Signal()
    refused = Signal(str)

    def __init__(
        self, admin: AdminService, ctx: ServiceContext, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("admin_screen")
        self._admin = admin
        self._ctx = ctx
        self.active_dialog: AdminDialog | None = None
        self.buttons: dict[str, QPushButton] = {}
        self._build()
        self.refresh()
        Op(self, lambda: admin.permission_matrix(ctx)).success(self._show_matrix).failure(
            self._failed
        ).run()

    def _show_matrix(self, matrix: PermissionMatrix) -> None:
        self.matrix_model.set_rows(matrix.rows)

    def _button(self, name: str, text: str, slot: Callable[[], None]) -> QPushButton:
        button = QPushButton(text, self)
        button.setObjectName(name)
        button.clicked.connect(slot)
        self.buttons[name] = button
        return button

    def _table(self, name: str, model: QAbstractTableModel) -> QTableView:
        view = QTableView(self)
        view.setObjectName(name)
        view.setModel(model)
        configure_table(view)
        return view

    def _page(self, table: QTableView, buttons: list[QPushButton]) -> QWidget:
        # The buttons stand in a column beside the table, in the order of their use.
        page = QWidget(self)
        column = QVBoxLayout()
        for button in buttons:
            column.addWidget(button)
        column.addStretch(1)
        layout = QHBoxLayout(page)
        layout.addWidget(table, 1)
        layout.addLayout(column)
        return page

    def _build(self) -> None:
        tr = self.tr
        self.accounts_model: RowTableModel[AccountRow] = RowTableModel(
            ACCOUNT_COLUMNS, is_removed=lambda r: r.disabled, parent=self
        )
        self.accounts_table = self._table("accounts_table", self.accounts_model)
        account_buttons = [
            self._button("new_account_button", tr("新規登録(&N)"), self._new_account),
            self._button("roles_button", tr("権限変更(&R)"), self._change_roles),
            self._button("validity_button", tr("有効期間(&V)"), self._change_validity),
            self._button("disable_button", tr("無効化(&D)"), self._disable),
            self._button("enable_button", tr("有効化(&E)"), self._enable),
            self._button("unlock_button", tr("ロック解除(&U)"), self._unlock),
            self._button("reset_password_button", tr("パスワード初期化(&P)"), self._reset),
            self._button("enroll_totp_button", tr("二要素認証登録(&T)"), self._enroll_totp),
            self._button("remove_factor_button", tr("二要素認証解除(&X)"), self._remove_factor),
        ]
        self.terminals_model: RowTableModel[TerminalRow] = RowTableModel(
            TERMINAL_COLUMNS, is_removed=lambda t: not t.active, parent=self
        )
        self.terminals_table = self._table("terminals_table", self.terminals_model)
        terminal_buttons = [
            self._button("register_terminal_button", tr("登録(&G)"), self._register_terminal),
            self._button("toggle_terminal_button", tr("有効・無効(&A)"), self._toggle_terminal),
        ]
        self.matrix_model = PermissionMatrixModel(self)
        self.matrix_table = self._table("matrix_table", self.matrix_model)
        self.matrix_table.verticalHeader().setVisible(True)
        self.matrix_table.setSelectionBehavior(QTableView.SelectionBehavior.SelectItems)
        self.matrix_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)

        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("admin_tabs")
        self.tabs.addTab(self._page(self.accounts_table, account_buttons), tr("職員アカウント"))
        self.tabs.addTab(self._page(self.terminals_table, terminal_buttons), tr("端末"))
        self.tabs.addTab(self.matrix_table, tr("権限一覧"))
        self.message_label = QLabel(self)
        self.message_label.setObjectName("message_label")
        self.message_label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.message_label)
        QShortcut(QKeySequence(Qt.Key.Key_F5), self, self.refresh)

    def refresh(self) -> None:
        """Reload accounts and terminals; ``refreshed`` when both are shown."""
        admin, ctx = self._admin, self._ctx

        def shown(rows: tuple[list[AccountRow], list[TerminalRow]]) -> None:
            self._keep_selection(self.accounts_table, self.accounts_model, rows[0])
            self._keep_selection(self.terminals_table, self.terminals_model, rows[1])
            self.refreshed.emit()

        Op(self, lambda: (admin.accounts(ctx), admin.terminals(ctx))).success(shown).failure(
            self._failed
        ).run()

    @staticmethod
    def _keep_selection(view: QTableView, model: RowTableModel[Any], rows: list[Any]) -> None:
        current = view.currentIndex().row()
        model.set_rows(rows)
        if rows:
            view.selectRow(min(max(current, 0), len(rows) - 1))

    def _say(self, text: str, *, error: bool) -> None:
        self.message_label.setStyleSheet(ERROR_STYLE if error else DONE_STYLE)
        self.message_label.setText(text)

    def _failed(self, exc: BaseException) -> None:
        if not is_user_error(exc):
            message_bridge().report_exception(exc)
            return
        self._say(str(exc), error=True)
        self.refused.emit(str(exc))

    def _run(
        self,
        work: Callable[[], Any],
        done: str,
        dialog: AdminDialog | None = None,
        then: Callable[[Any], None] | None = None,
    ) -> None:
        def succeeded(result: Any) -> None:
            if dialog is not None:
                dialog.finish()
            self._say(done, error=False)
            self.changed.emit()
            self.refresh()
            if then is not None:
                then(result)

        def failed(exc: BaseException) -> None:
            if dialog is not None and is_user_error(exc):
                dialog.show_error(str(exc))
            self._failed(exc)

        Op(self, work).success(succeeded).failure(failed).run()

    def _ask(
        self,
        title: str,
        build: Callable[[AdminDialog], object],
        job: Callable[[AdminDialog], Callable[[], Any] | None],
        done: str,
    ) -> None:
        """Open a form; on OK ``job`` reads it (GUI thread) into work for the database thread."""
        dialog = AdminDialog(title, self)
        self.active_dialog = dialog
        dialog.finished.connect(lambda _result: setattr(self, "active_dialog", None))
        build(dialog)

        def submit() -> None:
            work = job(dialog)
            if work is not None:
                self._run(work, done, dialog)

        dialog.submitted.connect(submit)
        dialog.open()

    def selected_account(self) -> AccountRow | None:
        """The highlighted account, or None (with a prompt to choose one)."""
        index = self.accounts_table.currentIndex()
        if index.isValid():
            return self.accounts_model.row_at(index.row())
        self._say(self.tr("職員を一覧から選択してください。"), error=True)
        return None

    def _new_account(self) -> None:
        tr, admin, ctx = self.tr, self._admin, self._ctx

        def build(d: AdminDialog) -> None:
            d.add_line("staff_no", tr("職員番号(&S)"))
            d.add_line("name", tr("氏名(&M)"))
            d.add_line("office", tr("所属(&B)"), ctx.actor.office)
            d.add_roles([Role.CLERK])
            d.add_period(ctx.today(), None)
            d.add_line("password", tr("初期パスワード(&W)"), secret=True)
            d.add_line("confirm", tr("初期パスワード（確認）(&K)"), secret=True)

        def job(d: AdminDialog) -> Callable[[], None] | None:
            if not self._passwords_match(d):
                return None
            valid_from, valid_until = d.period()
            return partial(
                admin.create_account,
                ctx,
                staff_no=d.text("staff_no").strip(),
                name=d.text("name"),
                office=d.text("office"),
                roles=d.roles(),
                valid_from=valid_from,
                valid_until=valid_until,
                initial_password=d.text("password"),
            )

        done = tr("職員アカウントを登録しました。初回ログイン時にパスワードの変更が必要です。")
        self._ask(tr("職員アカウントの新規登録"), build, job, done)

    def _passwords_match(self, dialog: AdminDialog) -> bool:
        if dialog.text("password") == dialog.text("confirm"):
            return True
        dialog.show_error(
            self.tr("確認用のパスワードが一致しません。同じパスワードを2回入力してください。")
        )
        return False

    def _change_roles(self) -> None:
        if (row := self.selected_account()) is None:
            return
        admin, ctx, no = self._admin, self._ctx, row.staff_no
        self._ask(
            self.tr("権限変更 — {0} {1}").format(no, row.name),
            lambda d: d.add_roles(row.roles),
            lambda d: partial(admin.set_roles, ctx, no, d.roles()),
            self.tr("{0} の権限を変更しました。").format(no),
        )

    def _change_validity(self) -> None:
        if (row := self.selected_account()) is None:
            return
        admin, ctx, no = self._admin, self._ctx, row.staff_no

        build = partial(
            AdminDialog.add_period, valid_from=row.valid_from, valid_until=row.valid_until
        )

        def job(d: AdminDialog) -> Callable[[], None]:
            return partial(admin.set_validity, ctx, no, *d.period())

        title = self.tr("有効期間 — {0} {1}").format(no, row.name)
        self._ask(title, build, job, self.tr("{0} の有効期間を変更しました。").format(no))

    def _disable(self) -> None:
        if (row := self.selected_account()) is None:
            return
        admin, ctx, no = self._admin, self._ctx, row.staff_no
        self._ask(
            self.tr("無効化 — {0} {1}").format(no, row.name),
            lambda d: d.add_line("reason", self.tr("理由(&Y)")),
            lambda d: partial(admin.disable, ctx, no, d.text("reason")),
            self.tr("{0} を無効にしました（次回の同期で全端末に反映されます）。").format(no),
        )

    def _reset(self) -> None:
        if (row := self.selected_account()) is None:
            return
        admin, ctx, no = self._admin, self._ctx, row.staff_no

        def build(d: AdminDialog) -> None:
            d.add_line("password", self.tr("新しいパスワード(&W)"), secret=True)
            d.add_line("confirm", self.tr("新しいパスワード（確認）(&K)"), secret=True)

        def job(d: AdminDialog) -> Callable[[], None] | None:
            if not self._passwords_match(d):
                return None
            return partial(admin.reset_password, ctx, no, d.text("password"))

        done = self.tr("{0} のパスワードを初期化しました。次回ログイン時に変更が必要です。")
        title = self.tr("パスワード初期化 — {0} {1}").format(no, row.name)
        self._ask(title, build, job, done.format(no))

    def _on_selected(
        self,
        work: Callable[[AdminService, ServiceContext, str], Any],
        done: str,
        then: Callable[[Any], None] | None = None,
    ) -> None:
        if (row := self.selected_account()) is not None:
            job = partial(work, self._admin, self._ctx, row.staff_no)
            self._run(job, done.format(row.staff_no), then=then)

    def _enable(self) -> None:
        self._on_selected(AdminService.enable, self.tr("{0} を有効にしました。"))

    def _unlock(self) -> None:
        self._on_selected(AdminService.unlock, self.tr("{0} のロックを解除しました。"))

    def _remove_factor(self) -> None:
        done = self.tr("{0} の二要素認証を解除しました。")
        self._on_selected(AdminService.remove_second_factor, done)

    def _enroll_totp(self) -> None:
        done = self.tr("{0} に二要素認証（ワンタイムパスワード）を登録しました。")
        self._on_selected(AdminService.enroll_totp, done, then=self._show_enrolment)

    def _show_enrolment(self, enrolment: TotpEnrolment) -> None:
        # The secret is shown this once, to be handed to the staff member; never kept here.
        text = self.tr(
            "{0} さんの認証アプリに次のキーを登録してもらってください。"
            "この画面を閉じると再表示できません。\n\nキー: {1}\n\nURI: {2}"
        ).format(enrolment.staff_no, enrolment.secret, enrolment.uri)
        box = QMessageBox(
            QMessageBox.Icon.Information, self.tr("二要素認証の登録"), text, parent=self
        )
        box.setObjectName("totp_enrolment")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.open()

    def _register_terminal(self) -> None:
        tr, admin, ctx = self.tr, self._admin, self._ctx

        def build(d: AdminDialog) -> None:
            d.add_line("terminal_id", tr("端末ID(&I)"))
            d.add_line("office", tr("設置場所(&B)"), ctx.actor.office)
            d.add_line("description", tr("説明(&M)"))

        def job(d: AdminDialog) -> Callable[[], None]:
            terminal_id = d.text("terminal_id").strip()
            return partial(
                admin.register_terminal, ctx, terminal_id, d.text("office"), d.text("description")
            )

        self._ask(tr("端末の登録"), build, job, tr("端末を登録しました。"))

    def _toggle_terminal(self) -> None:
        index = self.terminals_table.currentIndex()
        if not index.isValid():
            self._say(self.tr("端末を一覧から選択してください。"), error=True)
            return
        terminal = self.terminals_model.row_at(index.row())
        active = not terminal.active
        state = self.tr("有効") if active else self.tr("無効")
        done = self.tr("端末 {0} を{1}にしました。").format(terminal.terminal_id, state)
        job = partial(self._admin.set_terminal_active, self._ctx, terminal.terminal_id, active)
        self._run(job, done)
