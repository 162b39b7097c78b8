"""The main window: the counter's day as tabs — search → person → household (R-UI-2).

Keyboard: F2 search, Ctrl+2 person, Ctrl+3 household, F6 household of the open person.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QMainWindow, QMessageBox, QTabWidget, QWidget

from madoguchi.app.context import ServiceContext
from madoguchi.app.domain.permissions import ROLE_LABELS
from madoguchi.app.services.counter import CounterServices
from madoguchi.app.services.register_view import HouseholdView, PersonDetail
from madoguchi.forms.household_screen import HouseholdScreen
from madoguchi.forms.person_screen import PersonScreen
from madoguchi.forms.search_screen import SearchScreen
from madoguchi.widgets.background import Op
from madoguchi.widgets.messages import message_bridge
from madoguchi.widgets.status_bar import CounterStatusBar


class MainWindow(QMainWindow):
    """Search, person and household screens with the counter status bar."""

    def __init__(
        self,
        services: CounterServices,
        ctx: ServiceContext,
        *,
        data_source: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("main_window")
        self.setWindowTitle(self.tr("住民記録 窓口端末"))
        self._services = services
        self._ctx = ctx
        self.search_screen = SearchScreen(services, ctx, self)
        self.person_screen = PersonScreen(self)
        self.household_screen = HouseholdScreen(self)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("main_tabs")
        self.tabs.addTab(self.search_screen, self.tr("検索 (F2)"))
        self.tabs.addTab(self.person_screen, self.tr("個人 (Ctrl+2)"))
        self.tabs.addTab(self.household_screen, self.tr("世帯 (Ctrl+3)"))
        self.setCentralWidget(self.tabs)
        self.status = CounterStatusBar(self)
        self.setStatusBar(self.status)
        self.status.show_session(
            user=f"{ctx.actor.name}（{ctx.actor.staff_no}）",
            roles="・".join(ROLE_LABELS[r] for r in sorted(ctx.actor.roles)),
            terminal=ctx.terminal_id,
            office=ctx.actor.office,
        )
        self.status.show_data_source(data_source)

        self.search_screen.person_requested.connect(self.open_person)
        self.search_screen.household_requested.connect(self.open_household)
        self.person_screen.household_requested.connect(self.open_household)
        self.household_screen.person_requested.connect(self.open_person)

        QShortcut(QKeySequence(Qt.Key.Key_F2), self, self.show_search)
        QShortcut(QKeySequence("Ctrl+2"), self, lambda: self.tabs.setCurrentIndex(1))
        QShortcut(QKeySequence("Ctrl+3"), self, lambda: self.tabs.setCurrentIndex(2))
        QShortcut(
            QKeySequence(Qt.Key.Key_F6), self.person_screen, self.person_screen.request_household
        )

        bridge = message_bridge()
        bridge.error.connect(self.show_error)
        bridge.info.connect(lambda text: self.status.showMessage(text, 8000))
        bridge.crash.connect(self.show_crash)
        self.resize(1280, 800)

    def show_search(self) -> None:
        """Back to the search screen, cursor in the name field."""
        self.tabs.setCurrentWidget(self.search_screen)
        self.search_screen.name_edit.setFocus()

    def open_person(self, atena_no: str) -> None:
        """Load a person in the background and show the person tab."""
        service, ctx = self._services.register_view, self._ctx
        Op(self, lambda: service.person(ctx, atena_no)).success(self._show_person).run()

    def _show_person(self, detail: PersonDetail) -> None:
        self.person_screen.show_detail(detail)
        self.tabs.setCurrentWidget(self.person_screen)
        self.person_screen.household_button.setFocus()

    def open_household(self, household_no: str) -> None:
        """Load a household in the background and show the household tab."""
        service, ctx = self._services.register_view, self._ctx
        Op(self, lambda: service.household(ctx, household_no)).success(self._show_household).run()

    def _show_household(self, view: HouseholdView) -> None:
        self.household_screen.show_household(view)
        self.tabs.setCurrentWidget(self.household_screen)
        self.household_screen.members_table.setFocus()

    def show_error(self, text: str) -> None:
        """A problem the user can act on: a message in the status bar and a dialog."""
        self.status.showMessage(text, 15000)
        QMessageBox.warning(self, self.tr("お知らせ"), text)

    def show_crash(self, summary: str, details: str) -> None:
        """A bug: say so plainly, with the details for the help desk."""
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Critical)
        box.setWindowTitle(self.tr("予期しないエラー"))
        box.setText(
            self.tr(
                "予期しないエラーが発生しました。"
                "ヘルプデスクに連絡してください。\n{0}"
            ).format(summary)
        )
        box.setDetailedText(details)
        box.exec()
