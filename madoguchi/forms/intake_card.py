"""カード読取 on the intake screen (R-INTAKE-5, 書かない窓口).

The identity-check dialog reads the card (the resident types the PIN on the PIN pad, staff may
also check genuineness); when it closes, the card's four items and number go into the form.
For a 転入, the received 転出証明書情報 (or an online 転入予約) of that number is looked up and
proposed: the card and the certificate side by side, differences marked, and staff take it
with Enter. F7 makes the same look-up for the person typed, without a card. The intake keeps
only the card-read result (R-CARD-6), never the card's data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from madoguchi.app.context import ServiceContext
from madoguchi.app.domain.intake import CardReadRecord, IntakeForm, Mover
from madoguchi.app.domain.wareki import format_date_jp
from madoguchi.app.services.counter import CounterServices
from madoguchi.app.services.identity_check import Agreement, CardComparison
from madoguchi.app.services.intake.prefill import (
    CertificateSummary,
    compare_movers,
    merge_card_into,
    mover_from_card,
)
from madoguchi.forms.identity_check_dialog import IdentityCheckDialog
from madoguchi.smartcard.card_data import CardFace
from madoguchi.smartcard.genuineness import Genuineness
from madoguchi.widgets.background import Op
from madoguchi.widgets.card_comparison import ComparisonTableModel
from madoguchi.widgets.prefill_comparison import difference_rows, prefill_columns
from madoguchi.widgets.register_tables import configure_table


class IntakeCardDialog(IdentityCheckDialog):
    """The identity-check dialog, also handing the card's face to the intake (``face_read``)."""

    face_read = Signal(object)  # CardFace

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.setWindowTitle(self.tr("カード読取（異動届への入力）"))
        self.close_button.setText(self.tr("閉じて入力に反映 (Esc)"))

    def _compare(self, attempt: int, face: CardFace) -> None:
        # The one step where the dialog holds the face: hand it over, then compare as usual.
        # The face lives in memory until the intake has taken its items (R-CARD-6).
        self.face_read.emit(face)
        super()._compare(attempt, face)


@dataclass(frozen=True)
class Proposal:
    """A form proposed by a received 転出証明書情報 or a 転入予約, and where the card holder is."""

    title: str
    source_label: str
    form: IntakeForm
    holder_index: int


def holder_index(form: IntakeForm, card: Mover) -> int:
    """The mover of ``form`` the card belongs to: by 個人番号, else by name and birth date."""
    for index, mover in enumerate(form.movers):
        if card.individual_number and mover.individual_number == card.individual_number:
            return index
    for index, mover in enumerate(form.movers):
        if (mover.name.replace("　", ""), mover.birth_date) == (
            card.name.replace("　", ""),
            card.birth_date,
        ):
            return index
    return 0


def certificate_title(summary: CertificateSummary) -> str:
    """One line naming a received 転出証明書情報."""
    return (
        f"転出証明書情報 {summary.certificate_id}　転出元 {summary.from_municipality}　"
        f"転出予定日 {format_date_jp(summary.planned_move_on)}　世帯主 {summary.householder_name}"
    )


def find_proposals(services: CounterServices, ctx: ServiceContext, mover: Mover) -> list[Proposal]:
    """On the database thread: received 転出証明書情報 naming ``mover`` (by 個人番号, or フリガナ
    and 生年月日), else an online 転入予約 of that 個人番号, as proposed forms."""
    prefill, today = services.prefill, ctx.today()
    found = []
    for summary in prefill.certificates_for(ctx, mover):
        form = prefill.form_from_certificate(ctx, summary.certificate_id, notified_on=today)
        found.append(Proposal(certificate_title(summary), "転出証明書情報", form, 0))
    if not found and mover.individual_number:
        reservation = prefill.reservation_for(ctx, mover.individual_number, notified_on=today)
        if reservation is not None:
            title = f"転入予約 {reservation.reservation_id}"
            found.append(Proposal(title, "転入予約", reservation, 0))
    return [Proposal(p.title, p.source_label, p.form, holder_index(p.form, mover)) for p in found]


class ProposalDialog(QDialog):
    """A person beside a proposed source; Enter takes the proposal, Esc keeps the form.

    ``left`` names where the person's items come from (カード, or 入力内容 for a look-up).
    """

    def __init__(
        self,
        card: Mover,
        proposals: list[Proposal],
        parent: QWidget | None = None,
        *,
        left: str = "カード",
    ) -> None:
        super().__init__(parent)
        self.setObjectName("prefill_proposal_dialog")
        self.setWindowTitle(self.tr("受信済みの情報による入力"))
        self._card = card
        self.proposals = proposals
        self.choice = QComboBox(self)
        self.choice.setObjectName("proposal_choice")
        for proposal in proposals:
            self.choice.addItem(proposal.title)
        self.choice.setVisible(len(proposals) > 1)
        self.title_label = QLabel(self)
        self.title_label.setWordWrap(True)
        self.title_label.setStyleSheet("font-weight: bold")
        self.family_label = QLabel(self)
        self.family_label.setObjectName("proposal_family")
        self.family_label.setWordWrap(True)
        self.model = ComparisonTableModel(
            prefill_columns(left, proposals[0].source_label), parent=self
        )
        self.table = QTableView(self)
        self.table.setObjectName("proposal_comparison")
        self.table.setModel(self.model)
        configure_table(self.table)
        self.accept_button = QPushButton(self.tr("この内容で入力 (Enter)"), self)
        self.accept_button.setObjectName("proposal_accept")
        self.accept_button.setDefault(True)
        self.accept_button.clicked.connect(self.accept)
        self.reject_button = QPushButton(self.tr("入力しない (Esc)"), self)
        self.reject_button.setObjectName("proposal_reject")
        self.reject_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.accept_button)
        buttons.addWidget(self.reject_button)
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(self.tr("この方の情報を受信しています。違いを確認してから入力してください。"))
        )
        layout.addWidget(self.choice)
        layout.addWidget(self.title_label)
        layout.addWidget(self.family_label)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.resize(760, 420)
        self.choice.currentIndexChanged.connect(self._show)
        self._show(0)
        self.accept_button.setFocus()

    def _show(self, index: int) -> None:
        proposal = self.proposals[index]
        self.title_label.setText(proposal.title)
        family = "、".join(
            f"{m.name}（{m.relationship or '続柄なし'}）" for m in proposal.form.movers
        )
        self.family_label.setText(self.tr("異動する方: {0}").format(family))
        holder = proposal.form.movers[proposal.holder_index]
        self.model.set_rows(difference_rows(compare_movers(self._card, holder)))

    def chosen(self) -> Proposal:
        """The proposal on screen."""
        return self.proposals[self.choice.currentIndex()]


class IntakePrefill(QObject):
    """Card reads (F8) and look-ups (F7) for the intake screen; hands back what to fill in.

    ``apply_card(mover)`` gets the card's items when nothing was proposed (or the proposal
    was declined); ``apply_proposal(proposal)`` a proposal staff took, the card's items
    merged in; ``card_applied(CardReadRecord)`` follows every card read that yielded data.
    """

    card_applied = Signal(object)  # CardReadRecord
    dialog_opened = Signal(object)  # IntakeCardDialog
    proposal_shown = Signal(object)  # ProposalDialog
    nothing_found = Signal()

    def __init__(
        self,
        services: CounterServices,
        ctx: ServiceContext,
        parent: QWidget,
        *,
        apply_card: Callable[[Mover], None],
        apply_proposal: Callable[[Proposal], None],
    ) -> None:
        super().__init__(parent)
        self._services = services
        self._ctx = ctx
        self._parent = parent
        self._apply_card = apply_card
        self._apply_proposal = apply_proposal
        self.dialog: IntakeCardDialog | None = None
        self.proposal_dialog: ProposalDialog | None = None
        self._face: CardFace | None = None
        self._comparison: CardComparison | None = None
        self._genuineness: Genuineness | None = None
        self._propose = False

    # -- card ----------------------------------------------------------------------------

    def read_card(self, atena_no: str | None, *, propose: bool) -> None:
        """Open the card dialog against ``atena_no`` (None: a newcomer); ``propose``: look
        for 転出証明書情報 or a 転入予約 of the card's number afterwards (転入)."""
        if self.dialog is not None:
            self.dialog.raise_()
            self.dialog.activateWindow()
            return
        self._face, self._comparison, self._genuineness = None, None, None
        self._propose = propose
        services = self._services
        dialog = IntakeCardDialog(
            services.identity_check,
            self._ctx,
            trust_roots=services.trust_roots,
            reader=services.card_reader,
            atena_no=atena_no,
            parent=self._parent,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.face_read.connect(self._face_read)
        dialog.compared.connect(self._compared)
        dialog.genuineness_checked.connect(self._genuine)
        dialog.finished.connect(self._closed)
        self.dialog = dialog
        dialog.open()
        dialog.start()
        self.dialog_opened.emit(dialog)

    def close(self) -> None:
        """Stop a read in progress and forget it (the screen locks)."""
        self._face = None
        if self.dialog is not None:
            self.dialog.reject()
        if self.proposal_dialog is not None:
            self.proposal_dialog.reject()

    def _face_read(self, face: CardFace) -> None:
        self._face = face

    def _compared(self, comparison: CardComparison) -> None:
        self._comparison = comparison

    def _genuine(self, result: Genuineness) -> None:
        self._genuineness = result

    def _closed(self, _result: int) -> None:
        self.dialog = None
        face, self._face = self._face, None
        if face is None or self._comparison is None:
            return  # nothing was read (or the read failed): nothing to fill in
        card = mover_from_card(face)
        if not self._propose:
            self._apply_card(card)
            self._record(self._register_match())
            return
        services, ctx = self._services, self._ctx
        Op(self._parent, lambda: find_proposals(services, ctx, card)).success(
            lambda found: self._offer(card, found, from_card=True)
        ).run()

    def _register_match(self) -> bool | None:
        comparison = self._comparison
        if comparison is None or comparison.individual_number_agreement == Agreement.NO_REGISTER:
            return None
        return comparison.individual_number_agreement == Agreement.SAME

    def _record(self, matches: bool | None) -> None:
        genuineness = self._genuineness
        record = CardReadRecord(
            individual_number_checked=True,
            individual_number_matches=matches,
            genuine=genuineness.genuine if genuineness is not None else None,
            certificate_serial=genuineness.certificate_serial if genuineness else None,
        )
        self._comparison, self._genuineness = None, None
        self.card_applied.emit(record)

    # -- proposals -----------------------------------------------------------------------

    def look_up(self, mover: Mover) -> None:
        """F7: what was received for the person typed (no card)."""
        services, ctx = self._services, self._ctx
        Op(self._parent, lambda: find_proposals(services, ctx, mover)).success(
            lambda found: self._offer(mover, found, from_card=False)
        ).run()

    def _offer(self, mover: Mover, proposals: list[Proposal], *, from_card: bool) -> None:
        if not proposals:
            if from_card:
                self._apply_card(mover)
                self._record(None)
            else:
                self.nothing_found.emit()
            return
        left = self.tr("カード") if from_card else self.tr("入力内容")
        dialog = ProposalDialog(mover, proposals, self._parent, left=left)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._take(mover, dialog.chosen(), from_card=from_card))
        if from_card:
            dialog.rejected.connect(lambda: self._declined(mover))
        dialog.finished.connect(lambda _r: self._proposal_closed(dialog))
        self.proposal_dialog = dialog
        dialog.open()
        self.proposal_shown.emit(dialog)

    def _proposal_closed(self, dialog: ProposalDialog) -> None:
        if self.proposal_dialog is dialog:
            self.proposal_dialog = None

    def _take(self, mover: Mover, proposal: Proposal, *, from_card: bool) -> None:
        holder = proposal.form.movers[proposal.holder_index]
        merged = merge_card_into(proposal.form, proposal.holder_index, mover)
        self._apply_proposal(replace(proposal, form=merged))
        if from_card:
            number = next(d for d in compare_movers(mover, holder) if d.label == "個人番号")
            self._record(number.same if holder.individual_number else None)

    def _declined(self, card: Mover) -> None:
        self._apply_card(card)
        self._record(None)
