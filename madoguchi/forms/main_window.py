"""The main window: the counter's day as tabs — search → person → household (R-UI-2).

Tabs follow the role: counter work for those who may search, the 異動届, 仮登録一覧 and
届出期間経過一覧 for those who may take notifications, 審査・決裁 and 照合（前日分） for
supervisors, the admin screen for admins, the audit screen for auditors. Keyboard: F2
search, Ctrl+2 person, Ctrl+3 household, Ctrl+4 異動届, Ctrl+5 仮登録一覧, Ctrl+6
審査・決裁, Ctrl+7 照合, Ctrl+8 届出期間経過一覧, Ctrl+9 証明書, Ctrl+0 支援措置・発行抑止,
Ctrl+R 一時解除審査, Ctrl+Y 同期の確認, F6 household of the open person, F7 証明書 of the
open person, Ctrl+E 修正 and Ctrl+Delete 取消 on the person tab, F8 identity check with a My
Number card (on the 異動届 tab: the intake's own カード読取), Ctrl+L lock. The screen locks
itself after the idle time.
"""

from __future__ import annotations

import tempfile
from functools import partial
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QInputDialog,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QTabWidget,
    QWidget,
)

from madoguchi.app.context import ServiceContext
from madoguchi.app.domain.permissions import ROLE_LABELS, Action, allowed
from madoguchi.app.services.auth import AccountLocked, SecondFactorRequired
from madoguchi.app.services.counter import CounterServices
from madoguchi.app.services.masking import ITEM_LABELS, RestrictedItem, Revealed
from madoguchi.app.services.register_view import HouseholdView, PersonDetail
from madoguchi.app.services.sync_problems import may_list
from madoguchi.forms.certificate_screen import CertificateScreen
from madoguchi.forms.household_screen import HouseholdScreen
from madoguchi.forms.identity_check_dialog import IdentityCheckDialog
from madoguchi.forms.intake_drafts import DraftListScreen
from madoguchi.forms.intake_screen import IntakeScreen
from madoguchi.forms.late_notifications_screen import LateNotificationScreen
from madoguchi.forms.lock_screen import LockScreen
from madoguchi.forms.person_corrections import PersonCorrections
from madoguchi.forms.person_screen import PersonScreen
from madoguchi.forms.protection_screen import ProtectionScreen
from madoguchi.forms.reconciliation_screen import ReconciliationScreen
from madoguchi.forms.release_screen import ReleaseScreen
from madoguchi.forms.review_screen import ReviewScreen
from madoguchi.forms.search_screen import SearchScreen
from madoguchi.forms.sync_problems_screen import SyncProblemsScreen
from madoguchi.widgets.background import Op
from madoguchi.widgets.idle import IdleWatcher
from madoguchi.widgets.messages import is_user_error, message_bridge
from madoguchi.widgets.reader_status import ReaderStatus
from madoguchi.widgets.status_bar import CounterStatusBar
from madoguchi.widgets.sync_indicator import SyncIndicator

DEFAULT_IDLE_SECONDS = 300


class MainWindow(QMainWindow):
    """The counter's screens, the lock screen and the status bar."""

    signed_out = Signal(str)

    def __init__(
        self,
        services: CounterServices,
        ctx: ServiceContext,
        *,
        data_source: str = "",
        idle_seconds: float = DEFAULT_IDLE_SECONDS,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("main_window")
        self.setWindowTitle(self.tr("住民記録 窓口端末"))
        self._services = services
        self._ctx = ctx
        self.locked = False
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("main_tabs")
        self.search_screen: SearchScreen | None = None
        self.person_screen = PersonScreen(self)
        self.household_screen = HouseholdScreen(self)
        if allowed(ctx.actor.roles, Action.SEARCH_PERSON):
            self._add_counter_tabs()
        self.intake_screen: IntakeScreen | None = None
        self.draft_list: DraftListScreen | None = None
        if allowed(ctx.actor.roles, Action.INTAKE):
            self._add_intake_tabs()
        self._add_role_tabs()
        self.lock_screen = LockScreen(f"{ctx.actor.name}（{ctx.actor.staff_no}）", self)
        self.lock_screen.unlock_requested.connect(self.unlock)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.tabs)
        self.stack.addWidget(self.lock_screen)
        self.setCentralWidget(self.stack)
        self.status = CounterStatusBar(self)
        self.setStatusBar(self.status)
        self.status.show_session(
            user=f"{ctx.actor.name}（{ctx.actor.staff_no}）",
            roles="・".join(ROLE_LABELS[r] for r in sorted(ctx.actor.roles)),
            terminal=ctx.terminal_id,
            office=ctx.actor.office,
        )
        self.status.show_data_source(data_source)
        self._add_sync()
        self.reader_status: ReaderStatus | None = None
        self.identity_dialog: IdentityCheckDialog | None = None
        self.identity_check_action: QAction | None = None
        self._open_atena_no: str | None = None
        if allowed(ctx.actor.roles, Action.READ_CARD):
            self._add_card_actions()
        else:
            self.status.reader_label.hide()
        self.tabs.currentChanged.connect(self._left_screen)
        QShortcut(QKeySequence("Ctrl+L"), self, lambda: self.lock("shortcut"))
        self.idle = IdleWatcher(idle_seconds, self)
        self.idle.idle.connect(lambda: self.lock("idle"))
        bridge = message_bridge()
        bridge.error.connect(self.show_error)
        bridge.info.connect(self.show_info)
        bridge.crash.connect(self.show_crash)
        self.resize(1280, 800)

    def _add_counter_tabs(self) -> None:
        search = SearchScreen(self._services, self._ctx, self)
        self.search_screen = search
        self.tabs.addTab(search, self.tr("検索 (F2)"))
        self.tabs.addTab(self.person_screen, self.tr("個人 (Ctrl+2)"))
        self.tabs.addTab(self.household_screen, self.tr("世帯 (Ctrl+3)"))
        search.person_requested.connect(self.open_person)
        search.household_requested.connect(self.open_household)
        self.person_screen.household_requested.connect(self.open_household)
        self.person_screen.reveal_requested.connect(self.ask_reveal)
        self.household_screen.person_requested.connect(self.open_person)
        QShortcut(QKeySequence(Qt.Key.Key_F2), self, self.show_search)
        QShortcut(QKeySequence("Ctrl+2"), self, self._show_person_tab)
        QShortcut(
            QKeySequence("Ctrl+3"), self, lambda: self.tabs.setCurrentWidget(self.household_screen)
        )
        QShortcut(
            QKeySequence(Qt.Key.Key_F6), self.person_screen, self.person_screen.request_household
        )
        if allowed(self._ctx.actor.roles, Action.PROPOSE_CORRECTION):
            self.corrections = PersonCorrections(
                self._services.corrections, self._ctx, self.person_screen, self
            )

    def _add_intake_tabs(self) -> None:
        intake = IntakeScreen(self._services, self._ctx, self)
        drafts = DraftListScreen(self._services, self._ctx, self)
        self.intake_screen, self.draft_list = intake, drafts
        self.tabs.addTab(intake, self.tr("異動届 (Ctrl+4)"))
        self.tabs.addTab(drafts, self.tr("仮登録一覧 (Ctrl+5)"))
        intake.draft_saved.connect(lambda _saved: drafts.reload())
        drafts.edit_requested.connect(self._edit_draft)
        menu = self.menuBar().addMenu(self.tr("届出(&J)"))
        for name, text, key, handler in (
            ("intake_action", self.tr("異動届の受付"), "Ctrl+4", self.show_intake),
            ("draft_list_action", self.tr("仮登録一覧"), "Ctrl+5", self.show_drafts),
        ):
            action = QAction(text, self)
            action.setObjectName(name)
            action.setShortcut(QKeySequence(key))
            action.triggered.connect(handler)
            menu.addAction(action)

    def show_intake(self) -> None:
        """The 異動届 screen, cursor on its first field."""
        if self.intake_screen is not None and not self.locked:
            self.tabs.setCurrentWidget(self.intake_screen)
            self.intake_screen.variant_combo.setFocus()

    def show_drafts(self) -> None:
        """The list of the operator's drafts, freshly loaded."""
        if self.draft_list is not None and not self.locked:
            self.tabs.setCurrentWidget(self.draft_list)
            self.draft_list.reload()

    def _edit_draft(self, view: object) -> None:
        if self.intake_screen is not None:
            self.intake_screen.load_draft(view)  # type: ignore[arg-type]
            self.tabs.setCurrentWidget(self.intake_screen)

    def _add_card_actions(self) -> None:
        self.reader_status = ReaderStatus(self.status.reader_label, self)
        self.reader_status.start()
        menu = self.menuBar().addMenu(self.tr("本人確認(&K)"))
        action = QAction(self.tr("マイナンバーカードで本人確認"), self)
        action.setObjectName("identity_check_action")
        action.setShortcut(QKeySequence(Qt.Key.Key_F8))
        action.triggered.connect(self.open_identity_check)
        menu.addAction(action)
        self.identity_check_action = action

    def open_identity_check(self) -> None:
        """The card check against the open person (on the person tab), or against nobody."""
        if self.locked or not allowed(self._ctx.actor.roles, Action.READ_CARD):
            return
        if self.identity_dialog is not None:
            self.identity_dialog.raise_()
            self.identity_dialog.activateWindow()
            return
        atena_no = self._open_atena_no if self.tabs.currentWidget() is self.person_screen else None
        services = self._services
        dialog = IdentityCheckDialog(
            services.identity_check,
            self._ctx,
            trust_roots=services.trust_roots,
            reader=services.card_reader,
            atena_no=atena_no,
            parent=self,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(self._identity_check_closed)
        self.identity_dialog = dialog
        dialog.open()
        dialog.start()

    def _identity_check_closed(self) -> None:
        self.identity_dialog = None

    def _show_person_tab(self) -> None:
        self.tabs.setCurrentWidget(self.person_screen)

    def _add_role_tabs(self) -> None:
        roles = self._ctx.actor.roles
        if allowed(roles, Action.REVIEW):
            self.review_screen = ReviewScreen(self._services.review, self._ctx, self)
            index = self.tabs.addTab(self.review_screen, self.tr("審査・決裁 (Ctrl+6)"))
            QShortcut(QKeySequence("Ctrl+6"), self, lambda: self._show_review(index))
        self._add_follow_up_tabs()
        self._add_certificate_tabs()
        if allowed(roles, Action.INTERFACE_OPERATE):
            from madoguchi.forms.interface_queue_screen import InterfaceQueueScreen

            folder = self._services.interface_folder or Path(tempfile.gettempdir()) / "madoguchi-if"
            self.queue_screen = InterfaceQueueScreen(
                self._services.interfaces, self._ctx, folder, self
            )
            self.tabs.addTab(self.queue_screen, self.tr("連携キュー"))
        if allowed(roles, Action.STAFF_ADMIN):
            from madoguchi.forms.admin_screen import AdminScreen

            self.admin_screen = AdminScreen(self._services.admin, self._ctx, self)
            self.tabs.addTab(self.admin_screen, self.tr("職員・端末管理"))
        if allowed(roles, Action.AUDIT_VIEW):
            from madoguchi.forms.audit_screen import AuditScreen

            self.audit_screen = AuditScreen(self._services.audit_review, self._ctx, self)
            self.tabs.addTab(self.audit_screen, self.tr("監査ログ"))

    def _add_follow_up_tabs(self) -> None:
        roles, services, ctx = self._ctx.actor.roles, self._services, self._ctx
        reviews, intakes = allowed(roles, Action.REVIEW), allowed(roles, Action.INTAKE)
        recon = ReconciliationScreen(services.reconciliation, ctx, self) if reviews else None
        self.reconciliation_screen = recon
        self.late_screen = LateNotificationScreen(services.drafts, ctx, self) if intakes else None
        for screen, title, key in (
            (self.reconciliation_screen, self.tr("照合（前日分）"), "Ctrl+7"),
            (self.late_screen, self.tr("届出期間経過一覧"), "Ctrl+8"),
        ):
            if screen is not None:  # it lists afresh each time it is shown: _left_screen
                self.tabs.addTab(screen, f"{title} ({key})")
                QShortcut(QKeySequence(key), self, partial(self._show_tab, screen))

    def _add_certificate_tabs(self) -> None:
        roles, services, ctx = self._ctx.actor.roles, self._services, self._ctx
        self.certificate_screen: CertificateScreen | None = None
        self.protection_screen: ProtectionScreen | None = None
        self.release_screen: ReleaseScreen | None = None
        if allowed(roles, Action.ISSUE_CERTIFICATE):
            self.certificate_screen = CertificateScreen(services, ctx, self)
            button = QPushButton(self.tr("証明書 (F7)"), self.person_screen)
            button.setObjectName("open_certificate_button")
            button.clicked.connect(self.open_certificate)
            self.person_screen.add_header_button(button)
            QShortcut(QKeySequence(Qt.Key.Key_F7), self.person_screen, self.open_certificate)
        if allowed(roles, Action.MANAGE_PROTECTION):
            self.protection_screen = ProtectionScreen(services.protection, ctx, self)
        if allowed(roles, Action.RELEASE_PROTECTION):
            self.release_screen = ReleaseScreen(services.releases, ctx, self)
        for screen, title, key in (
            (self.certificate_screen, self.tr("証明書"), "Ctrl+9"),
            (self.protection_screen, self.tr("支援措置・発行抑止"), "Ctrl+0"),
            (self.release_screen, self.tr("一時解除審査"), "Ctrl+R"),
        ):
            if screen is not None:
                self.tabs.addTab(screen, f"{title} ({key})")
                QShortcut(QKeySequence(key), self, partial(self._show_tab, screen))

    def _add_sync(self) -> None:
        """The status bar's sync segment and, for supervisors and the officers of 支援措置,
        同期の確認 (Ctrl+Y)."""
        control, ctx = self._services.sync, self._ctx
        self.sync_indicator: SyncIndicator | None = None
        self.sync_problems_screen: SyncProblemsScreen | None = None
        if control is None:
            self.status.sync_label.setText(self.tr("同期: センター未設定（この端末のデータのみ）"))
            return
        label = self.status.sync_label
        self.sync_indicator = SyncIndicator(control, self._services.clock, label, self)
        self.sync_indicator.changed.connect(lambda _line: self._check_session())
        if not may_list(ctx):
            return
        screen = SyncProblemsScreen(self._services.sync_problems, ctx, self)
        self.sync_problems_screen = screen
        screen.sync_requested.connect(control.nudge)
        screen.review_requested.connect(self._review_draft)
        self.sync_indicator.changed.connect(lambda _line: self._problems_seen())
        self.tabs.addTab(screen, self.tr("同期の確認 (Ctrl+Y)"))
        QShortcut(QKeySequence("Ctrl+Y"), self, partial(self._show_tab, screen))

    def _check_session(self) -> None:
        """After a sync: end the session if the account changed at the centre (R-ROLE-4)."""
        auth, ctx = self._services.auth, self._ctx
        Op(self, lambda: auth.session_problem(ctx)).success(self._session_checked).run()

    def _session_checked(self, problem: str | None) -> None:
        if problem is not None and self.isVisible():
            self.signed_out.emit(problem)
            self.close()

    def _problems_seen(self) -> None:
        screen = self.sync_problems_screen
        if screen is not None and self.tabs.currentWidget() is screen:
            screen.reload()

    def _review_draft(self, draft_id: str) -> None:
        review: ReviewScreen | None = getattr(self, "review_screen", None)
        if review is not None and not self.locked:
            self.tabs.setCurrentWidget(review)
            review.open_draft(draft_id)

    def open_certificate(self) -> None:
        """F7 on the person tab: the certificate screen for the open person."""
        screen = self.certificate_screen
        if screen is None or self.locked or self._open_atena_no is None:
            return
        screen.load_person(self._open_atena_no)
        self.tabs.setCurrentWidget(screen)

    def _show_tab(self, screen: QWidget) -> None:
        if not self.locked:
            self.tabs.setCurrentWidget(screen)

    def _show_review(self, index: int) -> None:
        self.tabs.setCurrentIndex(index)
        self.review_screen.reload()

    def show_search(self) -> None:
        """Back to the search screen, cursor in the name field."""
        if self.search_screen is not None and not self.locked:
            self.tabs.setCurrentWidget(self.search_screen)
            self.search_screen.name_edit.setFocus()

    def _left_screen(self, _index: int) -> None:
        review: ReviewScreen | None = getattr(self, "review_screen", None)
        if review is not None and self.tabs.currentWidget() is review:
            review.reload()
        for loading in (
            self.reconciliation_screen,
            self.late_screen,
            self.protection_screen,
            self.release_screen,
            self.sync_problems_screen,
        ):
            if loading is not None and self.tabs.currentWidget() is loading:
                loading.reload()
        if self.tabs.currentWidget() is not self.person_screen:
            self.person_screen.remask_all()
        if self.identity_check_action is not None:
            # On the 異動届 tab F8 is the intake's own カード読取; one owner per key.
            on_intake = self.intake_screen is not None and (
                self.tabs.currentWidget() is self.intake_screen
            )
            self.identity_check_action.setEnabled(not on_intake)

    def open_person(self, atena_no: str) -> None:
        """Load a person in the background and show the person tab."""
        service, protection, ctx = (
            self._services.register_view,
            self._services.protection,
            self._ctx,
        )
        Op(
            self, lambda: (service.person(ctx, atena_no), protection.person_alerts(ctx, atena_no))
        ).success(self._show_person).run()

    def _show_person(self, shown: tuple[PersonDetail, tuple[str, ...]]) -> None:
        detail, alerts = shown
        self._open_atena_no = detail.summary.atena_no
        self.person_screen.show_detail(detail, alerts)
        self.tabs.setCurrentWidget(self.person_screen)
        self.person_screen.household_button.setFocus()

    def open_household(self, household_no: str) -> None:
        """Load a household in the background and show the household tab."""
        service, protection, ctx = (
            self._services.register_view,
            self._services.protection,
            self._ctx,
        )

        def work() -> tuple[HouseholdView, frozenset[str]]:
            view = service.household(ctx, household_no)
            atena_nos = [m.atena_no for m in view.members]
            return view, protection.protected_among(ctx, atena_nos)

        Op(self, work).success(self._show_household).run()

    def _show_household(self, shown: tuple[HouseholdView, frozenset[str]]) -> None:
        view, protected = shown
        self.household_screen.show_household(view, protected)
        self.tabs.setCurrentWidget(self.household_screen)
        self.household_screen.members_table.setFocus()

    def ask_reveal(self, atena_no: str, item_value: str) -> None:
        """Ask for the reason, then reveal one restricted item of the open person."""
        item = RestrictedItem(item_value)
        reason, ok = QInputDialog.getText(
            self,
            self.tr("{0}の表示").format(ITEM_LABELS[item]),
            self.tr("表示する理由を入力してください（監査ログに記録されます）:"),
        )
        if ok:
            self.reveal(atena_no, item, reason)

    def reveal(self, atena_no: str, item: RestrictedItem, reason: str) -> None:
        """Reveal in the background; the person screen shows it for its timeout."""
        service, ctx = self._services.reveal, self._ctx
        Op(self, lambda: service.reveal(ctx, atena_no, item, reason)).success(
            self._show_revealed
        ).run()

    def _show_revealed(self, revealed: Revealed) -> None:
        if not self.locked:
            self.person_screen.show_revealed(revealed)

    def lock(self, reason: str) -> None:
        """Hide everything behind the lock screen (idle timeout or Ctrl+L)."""
        if self.locked:
            return
        self.locked = True
        if self.identity_dialog is not None:
            self.identity_dialog.reject()
        if self.intake_screen is not None:
            self.intake_screen.stop_card_work()
        self.person_screen.remask_all()
        self.idle.pause()
        self.lock_screen.reset()
        self.stack.setCurrentWidget(self.lock_screen)
        self.lock_screen.form.password_edit.setFocus()
        auth, ctx = self._services.auth, self._ctx
        Op(self, lambda: auth.lock(ctx, reason)).run()

    def unlock(self, password: str, code: object) -> None:
        """Check the same user's credentials; five failures sign the user out."""
        auth, ctx = self._services.auth, self._ctx
        typed_code = code if isinstance(code, str) else None
        Op(self, lambda: auth.unlock(ctx, password, typed_code)).success(self._unlocked).failure(
            self._unlock_refused
        ).run()

    def _unlocked(self, _: object) -> None:
        self.locked = False
        self.lock_screen.reset()
        self.stack.setCurrentWidget(self.tabs)
        self.idle.resume()

    def _unlock_refused(self, exc: BaseException) -> None:
        if not is_user_error(exc):
            message_bridge().report_exception(exc)
            return
        self.lock_screen.refused(str(exc), ask_code=isinstance(exc, SecondFactorRequired))
        if isinstance(exc, AccountLocked):
            self.signed_out.emit(str(exc))
            self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        """Record the logout, stop watching for idleness and for card readers."""
        self.idle.stop()
        if self.identity_dialog is not None:
            self.identity_dialog.reject()
        if self.intake_screen is not None:
            self.intake_screen.stop_card_work()
        if self.reader_status is not None:
            self.reader_status.stop()
        if self.sync_indicator is not None:
            self.sync_indicator.stop()
        auth, ctx = self._services.auth, self._ctx
        Op(self, lambda: auth.logout(ctx)).run()
        super().closeEvent(event)

    def show_info(self, text: str) -> None:
        """A neutral message in the status bar."""
        self.status.showMessage(text, 8000)

    def show_error(self, text: str) -> None:
        """A problem the user can act on: the status bar and a (non-blocking) message box."""
        self.status.showMessage(text, 15000)
        if self.locked:
            return
        box = QMessageBox(QMessageBox.Icon.Warning, self.tr("お知らせ"), text, parent=self)
        box.setObjectName("user_error_box")
        box.open()

    def show_crash(self, summary: str, details: str) -> None:
        """A bug: say so plainly, with the details for the help desk."""
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Critical)
        box.setWindowTitle(self.tr("予期しないエラー"))
        box.setText(
            self.tr("予期しないエラーが発生しました。ヘルプデスクに連絡してください。\n{0}").format(
                summary
            )
        )
        box.setDetailedText(details)
        box.exec()
