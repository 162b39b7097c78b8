"""The layout of the 住民異動届 screen, in the paper form's order (R-INTAKE-1, R-INTAKE-7).

Top to bottom: the variant (its 処理名称 in the title, standard j390), 届出日 (today) and 異動日
(empty, standard j480/j570), 処理日 (set by the system), 届出人 and 本人確認, then the kind's
part (新住所, 旧住所/転入前住所/転出先, 世帯主, persons), then what the rules found. Tab follows
that order and Enter moves to the next field; the form scrolls to the field with the focus.
The behaviour is in ``intake_screen``.
"""

from __future__ import annotations

import itertools

from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from madoguchi.app.context import ServiceContext
from madoguchi.app.domain.intake import (
    KIND_LABELS,
    VARIANT_KIND,
    VARIANT_LABELS,
    IntakeKind,
    Variant,
)
from madoguchi.app.domain.wareki import format_date_jp
from madoguchi.app.services.counter import CounterServices
from madoguchi.forms.intake_newcomers import NewcomerSection
from madoguchi.forms.intake_register import RegisteredSection
from madoguchi.widgets.destination_picker import NEW
from madoguchi.widgets.findings_panel import FindingsPanel
from madoguchi.widgets.identity_panel import IdentityCheckPanel
from madoguchi.widgets.intake_inputs import EnterAdvances, WarekiDateEdit

ERROR_STYLE = "color: #b00020; font-weight: bold"


class IntakeLayout(QWidget):
    """The widgets of the intake screen and their order; no behaviour beyond showing."""

    def __init__(
        self, services: CounterServices, ctx: ServiceContext, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._services = services
        self._ctx = ctx
        self.draft_id: str | None = None
        self.draft_revision = 0
        self.action_buttons: dict[str, QPushButton] = {}
        self._enter = EnterAdvances(self)
        self.title_label = QLabel(self)
        self.title_label.setObjectName("intake_title")
        self.title_label.setStyleSheet("font-size: 18px; font-weight: bold")
        self.variant_combo = QComboBox(self)
        self.variant_combo.setObjectName("variant_combo")
        for variant, label in VARIANT_LABELS.items():
            self.variant_combo.addItem(f"{KIND_LABELS[VARIANT_KIND[variant]]}｜{label}", variant)
        self.notified_edit = WarekiDateEdit(self)
        self.notified_edit.setObjectName("notified_on_edit")
        self.moved_edit = WarekiDateEdit(self)
        self.moved_edit.setObjectName("moved_on_edit")
        self.processed_label = QLabel(
            self.tr("{0}（システムが設定）").format(format_date_jp(ctx.today())), self
        )
        self.identity = IdentityCheckPanel(self)
        self.newcomers = NewcomerSection(services, ctx, self)
        self.registered = RegisteredSection(services, ctx, self)
        self.sections = QStackedWidget(self)
        self.sections.addWidget(self.newcomers)
        self.sections.addWidget(self.registered)
        self.findings = FindingsPanel(self)
        self.message_label = QLabel(self)
        self.message_label.setObjectName("intake_message")
        self.message_label.setWordWrap(True)
        for source in (self.notified_edit, self.moved_edit, self.newcomers, self.registered):
            source.problem_changed.connect(self.show_problem)
        for section in (self.newcomers, self.registered):
            section.chain_changed.connect(self.chain)
            section.destination.mode_combo.currentIndexChanged.connect(
                lambda _i: self.update_title()
            )
        self.registered.members.checked_changed.connect(self.update_title)

        head = QFormLayout()
        for text, widget in (
            (self.tr("届出の種類(&S)"), self.variant_combo),
            (self.tr("届出日(&T)"), self.notified_edit),
            (self.tr("異動日(&I)"), self.moved_edit),
            (self.tr("処理日"), self.processed_label),
        ):
            caption = QLabel(text, self)
            caption.setBuddy(widget)
            head.addRow(caption, widget)
        identity_box = QGroupBox(self.tr("届出人・本人確認"), self)
        QVBoxLayout(identity_box).addWidget(self.identity)
        findings_box = QGroupBox(self.tr("確認結果（エラー・アラート）"), self)
        QVBoxLayout(findings_box).addWidget(self.findings)
        body = QWidget(self)
        body_layout = QVBoxLayout(body)
        body_layout.addWidget(self.title_label)
        body_layout.addLayout(head)
        body_layout.addWidget(identity_box)
        body_layout.addWidget(self.sections)
        body_layout.addWidget(findings_box)
        body_layout.addStretch(1)
        self.scroll_area = QScrollArea(self)
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setWidget(body)
        self.buttons = QHBoxLayout()
        layout = QVBoxLayout(self)
        layout.addWidget(self.scroll_area, 1)
        layout.addWidget(self.message_label)
        layout.addLayout(self.buttons)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._focus_changed)

    def add_button(self, name: str, text: str) -> QPushButton:
        """A button of the bottom row (Enter presses it when it has the focus)."""
        button = QPushButton(text, self)
        button.setObjectName(f"intake_{name}_button")
        button.setAutoDefault(True)
        self.buttons.addWidget(button)
        self.action_buttons[name] = button
        return button

    def variant(self) -> Variant:
        """The variant chosen."""
        return Variant(self.variant_combo.currentData())

    def kind(self) -> IntakeKind:
        """The kind of the variant chosen."""
        return VARIANT_KIND[self.variant()]

    def section(self) -> NewcomerSection | RegisteredSection:
        """The part of the form the variant uses."""
        return self.newcomers if self.kind() == IntakeKind.MOVE_IN else self.registered

    def chain(self) -> None:
        """Tab (and Enter) order: the paper form's, then the findings and the buttons."""
        identity = self.identity
        order: list[QWidget] = [
            self.variant_combo,
            self.notified_edit,
            self.moved_edit,
            identity.kind_combo,
            identity.name_edit,
            identity.documents_list,
            identity.power_of_attorney_check,
            identity.notes_edit,
            *self.section().chain(),
            self.findings.list,
            *self.action_buttons.values(),
        ]
        for first, second in itertools.pairwise(order):
            QWidget.setTabOrder(first, second)
        self._enter.watch(self)

    def _focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        body = self.scroll_area.widget()
        if new is not None and body is not None and body.isAncestorOf(new):
            self.scroll_area.ensureWidgetVisible(new)

    def processing_name(self) -> str:
        """全部転入・一部転出・全一転居… as the form now stands (standard j390)."""
        kind = self.kind()
        if kind == IntakeKind.MOVE_IN:
            return (
                self.tr("全部転入")
                if self.newcomers.destination.mode() == NEW
                else self.tr("一部転入")
            )
        members = self.registered.members
        if not members.checked() or kind == IntakeKind.HOUSEHOLD_CHANGE:
            return ""
        whole = members.whole_household()
        if kind == IntakeKind.MOVE_OUT:
            return self.tr("全部転出") if whole else self.tr("一部転出")
        joins = self.registered.destination.mode() != NEW
        return ("全" if whole else "一") + ("一" if joins else "全") + "転居"

    def update_title(self) -> None:
        """The 処理名称 of the variant, and the draft being edited."""
        variant = self.variant()
        title = self.tr("住民異動届　{0}：{1}").format(
            KIND_LABELS[VARIANT_KIND[variant]], VARIANT_LABELS[variant]
        )
        name = self.processing_name()
        if name:
            title += f"［{name}］"
        if self.draft_id:
            title += self.tr("　（仮登録 {0} 第{1}版を修正中）").format(
                self.draft_id[:8], self.draft_revision
            )
        self.title_label.setText(title)

    def show_problem(self, text: str) -> None:
        """A problem the operator should fix (a field, a refusal)."""
        self.message_label.setStyleSheet(ERROR_STYLE if text else "")
        self.message_label.setText(text)

    def show_info(self, text: str) -> None:
        """A neutral line under the form."""
        self.message_label.setStyleSheet("")
        self.message_label.setText(text)
