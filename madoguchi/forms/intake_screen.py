"""住民異動届 (R-INTAKE-1…7): one screen for 転入・転出・転居・世帯変更, configured by the variant.

Keyboard only (standard j400): Tab follows the paper form and Enter moves to the next field.
F5 確認　F12/Ctrl+S 仮登録　F8 カード読取　F7 転出証明書情報の照会　F6 人を追加
Shift+F6 人を削除　F3 住民記録の検索　F9 アラートをすべて確認　F4 クリア.

Saving asks the service to check first (on the database thread): errors are listed with their
cause and fix and block; alerts wait for their tick; then the draft (仮登録) is saved — not yet
part of the register — and the confirmation sheet is offered. The form starts over.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QMessageBox, QSizePolicy, QWidget

from madoguchi.app.context import ServiceContext
from madoguchi.app.domain.address import Town
from madoguchi.app.domain.intake import (
    CardReadRecord,
    IntakeForm,
    IntakeKind,
    Mover,
    NotifierKind,
    Variant,
)
from madoguchi.app.domain.intake_rules import Finding
from madoguchi.app.domain.permissions import Action, allowed
from madoguchi.app.services.counter import CounterServices
from madoguchi.app.services.intake import (
    AlertsNotConfirmed,
    CheckResult,
    DraftNotEditable,
    DraftSaved,
    IntakeRefused,
)
from madoguchi.app.services.intake.drafts import DraftView
from madoguchi.forms.intake_card import IntakePrefill, Proposal
from madoguchi.forms.intake_layout import IntakeLayout
from madoguchi.forms.intake_sheet import SheetDialog
from madoguchi.widgets.background import Op
from madoguchi.widgets.destination_picker import EXISTING
from madoguchi.widgets.findings_panel import InputProblem
from madoguchi.widgets.messages import is_user_error, message_bridge


class IntakeScreen(IntakeLayout):
    """The 住民異動届 entry form; ``draft_saved(DraftSaved)`` after each save."""

    draft_saved = Signal(object)
    findings_shown = Signal(object)  # tuple[Finding, ...], or list[InputProblem]
    reference_loaded = Signal()

    def __init__(
        self, services: CounterServices, ctx: ServiceContext, parent: QWidget | None = None
    ) -> None:
        super().__init__(services, ctx, parent)
        self.setObjectName("intake_screen")
        self.towns: list[Town] = []
        self.sheet_dialog: SheetDialog | None = None
        self.may_read_card = allowed(ctx.actor.roles, Action.READ_CARD)
        self.prefill = IntakePrefill(
            services,
            ctx,
            self,
            apply_card=self._apply_card,
            apply_proposal=self._apply_proposal,
        )
        self.prefill.card_applied.connect(self._card_applied)
        self.prefill.nothing_found.connect(
            lambda: self.show_info(self.tr("この方の転出証明書情報・転入予約は受信していません。"))
        )
        self._add_actions()
        self.variant_combo.currentIndexChanged.connect(lambda _i: self._variant_changed())
        self._variant_changed()
        self.clear_form()
        Op(self, lambda: (services.address_master(), services.identity_documents())).success(
            self._reference
        ).run()

    def _add_actions(self) -> None:
        actions: list[tuple[str, str, tuple[str, ...], Callable[[], None]]] = [
            ("check", self.tr("確認 (F5)"), ("F5",), self.check),
            ("save", self.tr("仮登録 (F12)"), ("F12", "Ctrl+S"), self.save),
            ("certificate", self.tr("証明書情報照会 (F7)"), ("F7",), self.look_up),
            ("add_person", self.tr("人を追加 (F6)"), ("F6",), self.add_person),
            ("remove_person", self.tr("人を削除 (Shift+F6)"), ("Shift+F6",), self.remove_person),
            ("search", self.tr("住民検索 (F3)"), ("F3",), self.search),
            ("confirm_alerts", self.tr("アラート確認 (F9)"), ("F9",), self.confirm_alerts),
            ("clear", self.tr("クリア (F4)"), ("F4",), self.ask_clear),
        ]
        if self.may_read_card:
            actions.insert(2, ("card", self.tr("カード読取 (F8)"), ("F8",), self.read_card))
        for name, text, keys, handler in actions:
            self.add_button(name, text).clicked.connect(handler)
            for key in keys:
                QShortcut(QKeySequence(key), self, handler)
        self.buttons.addStretch(1)

    def _reference(self, loaded: tuple[list[Town], list[tuple[str, str, bool]]]) -> None:
        self.towns, documents = loaded
        self.newcomers.set_towns(self.towns)
        self.registered.set_towns(self.towns)
        self.identity.set_documents(documents)
        self.reference_loaded.emit()

    def set_variant(self, variant: Variant) -> None:
        """Choose a variant (a prefill, a draft)."""
        self.variant_combo.setCurrentIndex(self.variant_combo.findData(variant))

    def _variant_changed(self) -> None:
        section = self.section()
        self.sections.setCurrentWidget(section)
        for page in (self.newcomers, self.registered):
            # The stack takes the height of the section shown, not of the taller one.
            policy = QSizePolicy.Policy.Preferred if page is section else QSizePolicy.Policy.Ignored
            page.setSizePolicy(policy, policy)
        section.set_variant(self.variant())
        newcomers = section is self.newcomers
        for name in ("certificate", "add_person", "remove_person"):
            self.action_buttons[name].setVisible(newcomers)
        self.update_title()
        self.findings.clear()
        self.show_info("")
        self.chain()

    # -- keys ----------------------------------------------------------------------------

    def add_person(self) -> None:
        """F6: a new person line (転入)."""
        if self.kind() == IntakeKind.MOVE_IN:
            self.newcomers.add_person()

    def remove_person(self) -> None:
        """Shift+F6: remove the person line with the focus (転入)."""
        if self.kind() == IntakeKind.MOVE_IN:
            self.newcomers.remove_person()

    def search(self) -> None:
        """F3: search the register — for the household of the movers, or the one to join."""
        if self.kind() != IntakeKind.MOVE_IN:
            self.registered.search()
        elif self.newcomers.destination.mode() == EXISTING:
            self.newcomers.destination.finder.search_or_focus()

    def confirm_alerts(self) -> None:
        """F9: tick every alert shown — the operator confirms them all."""
        self.findings.confirm_all()

    def ask_clear(self) -> None:
        """F4: start over, after asking."""
        box = QMessageBox(QMessageBox.Icon.Question, self.tr("クリア"), "", parent=self)
        box.setText(self.tr("入力中の内容を消去して新しい届出を始めますか。"))
        yes = box.addButton(self.tr("消去する(&Y)"), QMessageBox.ButtonRole.AcceptRole)
        no = box.addButton(self.tr("戻る(&N)"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(no)
        box.setEscapeButton(no)
        yes.clicked.connect(self.clear_form)
        box.open()

    # -- card and received data ----------------------------------------------------------

    def read_card(self) -> None:
        """F8: read a My Number card and fill in what it (and what was received) says."""
        if not self.may_read_card:
            return
        moving_in = self.kind() == IntakeKind.MOVE_IN
        atena_no = None if moving_in else self.registered.current_atena_no()
        self.prefill.read_card(atena_no, propose=moving_in)

    def look_up(self) -> None:
        """F7: received 転出証明書情報 (or 転入予約) of the person with the focus."""
        if self.kind() == IntakeKind.MOVE_IN:
            self.prefill.look_up(self.newcomers.current_mover())

    def _apply_card(self, card: Mover) -> None:
        if self.kind() == IntakeKind.MOVE_IN:
            self.newcomers.merge_card(card)
        self._notifier_from(card)

    def _apply_proposal(self, proposal: Proposal) -> None:
        self.set_variant(proposal.form.variant)
        self.newcomers.apply_prefill(proposal.form, proposal.title)
        self._notifier_from(proposal.form.movers[proposal.holder_index])
        self.show_info(
            self.tr("{0}から入力しました。内容を確認してください。").format(proposal.source_label)
        )
        self.chain()
        self.moved_edit.setFocus()

    def _notifier_from(self, person: Mover) -> None:
        identity = self.identity
        if identity.notifier_kind() == NotifierKind.SELF and not identity.name_edit.text().strip():
            identity.name_edit.setText(person.name)

    def _card_applied(self, record: CardReadRecord) -> None:
        self.identity.set_card_read(record)
        if not self.moved_edit.text().strip():
            self.moved_edit.setFocus()

    # -- check and save ------------------------------------------------------------------

    def build_form(self) -> tuple[IntakeForm | None, list[InputProblem]]:
        """The form as filled in, or why it cannot be built (an unreadable 届出日・異動日).

        Other fields are judged as typed and shown at once, but the rules that decide are the
        service's: it lists them with their codes, causes and fixes.
        """
        problems: list[InputProblem] = []
        dates = ((self.tr("届出日"), self.notified_edit), (self.tr("異動日"), self.moved_edit))
        for label, edit in dates:
            edit.revalidate()
            if edit.problem:
                problems.append(InputProblem(label, edit.problem))
        notified = self.notified_edit.date()
        if notified is None and not problems:
            problems.append(InputProblem(self.tr("届出日"), self.tr("届出日を入力してください。")))
        if problems or notified is None:
            return None, problems
        form = IntakeForm(
            variant=self.variant(),
            moved_on=self.moved_edit.date(),
            notified_on=notified,
            identity_check=self.identity.record(),
            **self.section().form_fields(),
        )
        return form, []

    def check(self) -> None:
        """F5: what the rules say about the form now (nothing is saved)."""
        self._submit(save=False)

    def save(self) -> None:
        """F12: check, and save the draft when there is no error and every alert is ticked."""
        self._submit(save=True)

    def _submit(self, *, save: bool) -> None:
        form, problems = self.build_form()
        if form is None:
            self.findings.show_problems(problems)
            self.show_problem(self.tr("読み取れない入力があります。修正してください。"))
            self.findings.list.setFocus()
            self.findings_shown.emit(problems)
            return
        service, ctx = self._services.intake[form.kind], self._ctx
        confirmed, draft_id = self.findings.confirmed_keys(), self.draft_id

        def work() -> CheckResult | DraftSaved:
            if not save:
                return service.check(ctx, form, draft_id=draft_id)
            # save() checks again in its own transaction (and leaves out the draft being
            # edited); what it refuses comes back as IntakeRefused / AlertsNotConfirmed.
            return service.save(ctx, form, confirmed=confirmed, draft_id=draft_id)

        self.show_info(self.tr("確認しています…"))
        Op(self, work).success(self._submitted).failure(self._refused).run()

    def _submitted(self, outcome: CheckResult | DraftSaved) -> None:
        if isinstance(outcome, DraftSaved):
            self._saved(outcome)
        else:
            self._show_findings(outcome.findings)

    def _show_findings(self, findings: tuple[Finding, ...] | list[Finding]) -> None:
        self.findings.show_findings(findings)
        if self.findings.errors():
            self.show_problem(self.tr("エラーがあるため保存できません。内容を修正してください。"))
            self.findings.list.setFocus()
        elif self.findings.unconfirmed_alerts():
            self.show_info(
                self.tr("アラートを確認し、Spaceでチェックしてから F12 で仮登録してください。")
            )
            self.findings.focus_first_open_alert()
        else:
            self.show_info(self.tr("エラー・アラートはありません。F12で仮登録できます。"))
        self.findings_shown.emit(tuple(findings))

    def _refused(self, exc: BaseException) -> None:
        if isinstance(exc, IntakeRefused):
            self._show_findings(exc.findings)
        elif isinstance(exc, AlertsNotConfirmed):
            self._show_findings(exc.alerts)
        elif isinstance(exc, DraftNotEditable) or is_user_error(exc):
            self.show_problem(str(exc))
        else:
            message_bridge().report_exception(exc)

    def _saved(self, saved: DraftSaved) -> None:
        self.clear_form()
        self.show_info(
            self.tr("仮登録しました（仮登録番号 {0}、第{1}版）。").format(
                saved.draft_id, saved.revision
            )
        )
        dialog = SheetDialog(
            self._services.drafts, self._ctx, saved.draft_id, saved=True, parent=self
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda _r: self._sheet_closed(dialog))
        self.sheet_dialog = dialog
        dialog.open()
        self.draft_saved.emit(saved)

    def _sheet_closed(self, dialog: SheetDialog) -> None:
        if self.sheet_dialog is dialog:
            self.sheet_dialog = None
            self.variant_combo.setFocus()

    # -- whole form ----------------------------------------------------------------------

    def clear_form(self) -> None:
        """A new form of the same variant: 届出日 today, everything else empty."""
        self.draft_id, self.draft_revision = None, 0
        self.notified_edit.set_date(self._ctx.today())
        self.moved_edit.set_date(None)
        self.identity.set_record(None)
        self.newcomers.clear()
        self.registered.clear()
        self.findings.clear()
        self.update_title()
        self.chain()

    def load_draft(self, view: DraftView) -> None:
        """Edit a saved draft: saving again makes its next revision."""
        form = view.form
        self.clear_form()
        self.set_variant(form.variant)
        self.draft_id, self.draft_revision = view.draft_id, view.revision
        self.notified_edit.set_date(form.notified_on)
        self.moved_edit.set_date(form.moved_on)
        self.identity.set_record(form.identity_check)
        self.section().load(form)
        self.update_title()
        self.chain()
        self.show_info(
            self.tr("仮登録を開きました。修正して F12 で保存すると第{0}版になります。").format(
                view.revision + 1
            )
        )
        self.moved_edit.setFocus()

    def stop_card_work(self) -> None:
        """The screen locks or closes: no card dialog stays open."""
        self.prefill.close()
