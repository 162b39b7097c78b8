"""証明書: request, preview, issue and print a certificate of the open person (R-CERT-1…8).

The clerk states the request (:mod:`madoguchi.widgets.certificate_inputs`); F5 asks the
service for its decision and shows it with the pages marked 見本; F12 issues to a printer
(the Qt print dialog picks a CUPS queue; without one the PDF printer), F11 saves the PDF.
A 支援措置 or 発行抑止 block offers 解除依頼 (F9); Shift+F9 checks its state, and once a
支援措置責任者 has released it the next issue uses the release (once). The 交付履歴 tab lists
the person's issuances of a day and reprints one with a reason.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from madoguchi.app.context import ServiceContext
from madoguchi.app.domain.permissions import Action, allowed
from madoguchi.app.services.certificates import (
    CertificatePreview,
    CertificateRequest,
    IssuanceBlocked,
    IssuedCertificates,
    render_preview,
)
from madoguchi.app.services.counter import CounterServices
from madoguchi.app.services.search import PersonSummary
from madoguchi.forms.issuance_log_panel import IssuanceLogPanel
from madoguchi.widgets.background import Op
from madoguchi.widgets.certificate_decision import DecisionPanel
from madoguchi.widgets.certificate_inputs import CertificateInputs
from madoguchi.widgets.messages import is_user_error, message_bridge
from madoguchi.widgets.page_preview import PagePreview, PreviewUnavailable, render_pages
from madoguchi.widgets.printing import (
    PdfFilePrinter,
    Printer,
    PrintFailed,
    choose_printer,
    save_pdf,
)
from madoguchi.widgets.protection_banner import ProtectionBanner
from madoguchi.widgets.screen_parts import action_button

ERROR_STYLE = "color: #b00020; font-weight: bold"
DONE_STYLE = "color: #1b5e20; font-weight: bold"
RELEASE_LABELS = {
    "pending": "審査待ち",
    "released": "解除済み（1回交付できます）",
    "refused": "不承認",
    "used": "使用済み",
}


@dataclass(frozen=True)
class _Household:
    atena_no: str
    name: str
    members: tuple[PersonSummary, ...]
    alerts: tuple[str, ...]
    documents: tuple[tuple[str, str, bool], ...]


@dataclass(frozen=True)
class _Shown:
    preview: CertificatePreview
    pages: list[bytes]
    problem: str


class CertificateScreen(QWidget):
    """The certificate request of the open person, its preview and its issuance."""

    loaded = Signal(str)
    previewed = Signal(object)  # CertificatePreview
    refused = Signal(str)
    issued = Signal(object)  # IssuedCertificates
    release_state_shown = Signal(str)

    def __init__(
        self, services: CounterServices, ctx: ServiceContext, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("certificate_screen")
        self._services = services
        self._ctx = ctx
        self.atena_no: str | None = None
        self.release_id: str | None = None
        self.printer: Printer | None = None  # None: ask (print dialog) at each issue
        self.fallback_printer: Printer = PdfFilePrinter(
            Path(tempfile.gettempdir()) / "madoguchi-certificates"
        )
        self.last_issued: IssuedCertificates | None = None
        self.last_output = ""

        self.title = QLabel(self.tr("住民が選択されていません。個人画面で F7 を押してください。"))
        self.title.setObjectName("certificate_title")
        self.title.setStyleSheet("font-size: 16px; font-weight: bold")
        self.banner = ProtectionBanner(self)
        self.inputs = CertificateInputs(self)
        self.inputs.changed.connect(self._request_changed)
        self.decision = DecisionPanel(self)
        self.pages = PagePreview(self)
        self.log_panel = IssuanceLogPanel(services.certificates, ctx, self)
        self.log_panel.reprinted.connect(self._reprinted)

        self.preview_button = action_button(
            self, "certificate_preview", "見本表示 (F5)", self.preview
        )
        self.issue_button = action_button(self, "certificate_issue", "発行・印刷 (F12)", self.issue)
        self.save_button = action_button(
            self, "certificate_save_pdf", "PDF保存 (F11)", self.ask_save
        )
        self.save_button.setVisible(allowed(ctx.actor.roles, Action.ISSUE_CERTIFICATE))
        self.note_edit = QLineEdit(self)
        self.note_edit.setObjectName("release_note")
        self.note_edit.setPlaceholderText(self.tr("解除依頼の連絡事項（例: 申出者本人の請求）"))
        self.release_button = action_button(
            self, "certificate_request_release", "解除依頼 (F9)", self.request_release
        )
        self.state_button = action_button(
            self, "certificate_release_state", "解除状態 (Shift+F9)", self.check_release
        )
        self.release_label = QLabel(self)
        self.release_label.setObjectName("certificate_release_state")
        self.release_label.setWordWrap(True)
        self.result_label = QLabel(self)
        self.result_label.setObjectName("certificate_result")
        self.result_label.setWordWrap(True)
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._show_release_row(False)

        buttons = QHBoxLayout()
        for button in (self.preview_button, self.issue_button, self.save_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        release_row = QHBoxLayout()
        release_row.addWidget(self.note_edit, 1)
        release_row.addWidget(self.release_button)
        release_row.addWidget(self.state_button)
        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.inputs)
        left_layout.addLayout(buttons)
        left_layout.addLayout(release_row)
        left_layout.addWidget(self.release_label)
        left_layout.addWidget(self.result_label)
        left_layout.addWidget(self.decision, 1)
        self.side_tabs = QTabWidget(self)
        self.side_tabs.setObjectName("certificate_side_tabs")
        self.side_tabs.addTab(self.pages, self.tr("見本"))
        self.side_tabs.addTab(self.log_panel, self.tr("交付履歴"))
        splitter = QSplitter(self)
        splitter.addWidget(left)
        splitter.addWidget(self.side_tabs)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.banner)
        layout.addWidget(splitter, 1)
        for sequence, slot in (
            (Qt.Key.Key_F5, self.preview),
            (Qt.Key.Key_F12, self.issue),
            (Qt.Key.Key_F11, self.ask_save),
            (Qt.Key.Key_F9, self.request_release),
            (QKeySequence("Shift+F9"), self.check_release),
        ):
            QShortcut(QKeySequence(sequence), self, slot)

    # ------------------------------------------------------------------ the person
    def load_person(self, atena_no: str) -> None:
        """Fill the request for ``atena_no`` and their household."""
        services, ctx = self._services, self._ctx

        def work() -> _Household:
            detail = services.register_view.person(ctx, atena_no, purpose="証明書の交付")
            household = services.register_view.household(ctx, detail.summary.household_no)
            alerts = services.protection.person_alerts(ctx, atena_no)
            return _Household(
                atena_no,
                detail.summary.name,
                household.members,
                alerts,
                tuple(services.identity_documents()),
            )

        Op(self, work).success(self._show_household).failure(self._failed).run()

    def _show_household(self, household: _Household) -> None:
        self.atena_no = household.atena_no
        self.release_id = None
        self.title.setText(
            self.tr("証明書の請求: {0}（{1}）").format(household.name, household.atena_no)
        )
        self.banner.show_alerts(household.alerts)
        self.inputs.set_documents(household.documents)
        self.inputs.set_members(household.members, household.atena_no)
        self.log_panel.show_person(household.atena_no)
        self.decision.clear()
        self.pages.clear_pages()
        self.result_label.clear()
        self._show_release_row(False)
        self.release_label.clear()
        self.inputs.requester_kind.setFocus()
        self.loaded.emit(household.atena_no)

    def _request_changed(self) -> None:
        self.pages.clear_pages(self.tr("請求内容が変わりました。F5 で見本を表示し直してください。"))

    # ------------------------------------------------------------------ preview
    def preview(self) -> None:
        """F5: the service's decision and the pages marked 見本."""
        if self.atena_no is None:
            return
        service, ctx = self._services.certificates, self._ctx
        request, release_id = self.inputs.request(), self.release_id

        def work() -> _Shown:
            preview = service.preview(ctx, request, release_id=release_id)
            try:
                pages, problem = render_pages(render_preview(preview)), ""
            except PreviewUnavailable as exc:
                pages, problem = [], str(exc)
            return _Shown(preview, pages, problem)

        self.pages.clear_pages(self.tr("見本を作成しています…"))
        Op(self, work).success(self._show_preview).failure(self._failed).run()

    def _show_preview(self, shown: _Shown) -> None:
        self.decision.show_preview(shown.preview)
        if shown.pages:
            self.pages.show_pages(shown.pages)
        else:
            self.pages.clear_pages(shown.problem)
        self.side_tabs.setCurrentWidget(self.pages)
        self.issue_button.setEnabled(shown.preview.printable)
        self.previewed.emit(shown.preview)

    # ------------------------------------------------------------------ issue
    def issue(self) -> None:
        """F12: choose the printer, issue (発行番号, 交付履歴) and print."""
        if self.atena_no is None:
            return
        printer = self.printer or choose_printer(self, self.fallback_printer)
        if printer is None:
            return
        self._issue(self.inputs.request(), printer, None)

    def ask_save(self) -> None:
        """F11: issue and save the PDF where the user says."""
        if self.atena_no is None or not allowed(self._ctx.actor.roles, Action.ISSUE_CERTIFICATE):
            return
        path, _filter = QFileDialog.getSaveFileName(
            self, self.tr("PDF保存"), "certificate.pdf", "PDF (*.pdf)"
        )
        if path:
            self.save_pdf_to(Path(path))

    def save_pdf_to(self, path: Path) -> None:
        """Issue and write the PDF to ``path``."""
        if self.atena_no is not None:
            self._issue(self.inputs.request(), None, path)

    def _issue(
        self, request: CertificateRequest, printer: Printer | None, path: Path | None
    ) -> None:
        service, ctx, release_id = self._services.certificates, self._ctx, self.release_id
        self.issue_button.setEnabled(False)
        Op(self, lambda: service.issue(ctx, request, release_id=release_id)).success(
            lambda issued: self._deliver(issued, printer, path)
        ).failure(self._failed).run()

    def _deliver(
        self, issued: IssuedCertificates, printer: Printer | None, path: Path | None
    ) -> None:
        self.issue_button.setEnabled(True)
        if self.release_id is not None:
            self.release_id = None
            self.release_label.setText(self.tr("一時解除はこの交付で使用しました。"))
        self.last_issued = issued
        try:
            if path is not None:
                save_pdf(issued.pdf, path)
                where = str(path)
            else:
                assert printer is not None
                where = printer.print_pdf(issued.pdf, "-".join(issued.issue_numbers[:1]))
        except PrintFailed as exc:
            where = ""
            message_bridge().report_error(
                self.tr("{0}　交付履歴から再印刷してください。").format(exc)
            )
        self.last_output = where
        lines = [self.tr("発行番号: {0}").format("、".join(issued.issue_numbers))]
        lines.append(self.tr("手数料: {0:,} 円").format(issued.fee))
        if issued.mail_to:
            lines.append(self.tr("郵送先（委任者の住所）: {0}").format(issued.mail_to))
        if where:
            lines.append(self.tr("出力先: {0}").format(where))
        self.result_label.setStyleSheet(DONE_STYLE)
        self.result_label.setText("\n".join(lines))
        self.log_panel.reload()
        self.issued.emit(issued)

    def _reprinted(self, issued: IssuedCertificates) -> None:
        printer = self.printer or choose_printer(self, self.fallback_printer)
        if printer is not None:
            self._deliver(issued, printer, None)

    # ------------------------------------------------------------------ 解除依頼
    def request_release(self) -> None:
        """F9: ask a 支援措置責任者 to review this blocked request."""
        if self.atena_no is None:
            return
        service, ctx = self._services.certificates, self._ctx
        request, note = self.inputs.request(), self.note_edit.text()
        Op(self, lambda: service.request_release(ctx, request, note)).success(
            self._release_requested
        ).failure(self._failed).run()

    def _release_requested(self, release_id: str) -> None:
        self.release_id = release_id
        self.note_edit.clear()
        self._show_state("pending", None)

    def check_release(self) -> None:
        """Shift+F9: the state of the release asked for."""
        release_id = self.release_id
        if release_id is None:
            return
        service, ctx = self._services.certificates, self._ctx
        Op(self, lambda: service.release_state(ctx, release_id)).success(
            lambda state: self._show_state(*state)
        ).failure(self._failed).run()

    def _show_state(self, status: str, reason: str | None) -> None:
        self._show_release_row(True)
        text = self.tr("解除依頼: {0}").format(RELEASE_LABELS.get(status, status))
        if reason:
            text += f"（{reason}）"
        self.release_label.setStyleSheet(DONE_STYLE if status == "released" else "")
        self.release_label.setText(text)
        self.release_state_shown.emit(status)

    def _show_release_row(self, visible: bool) -> None:
        for widget in (self.note_edit, self.release_button, self.state_button):
            widget.setVisible(visible)

    # ------------------------------------------------------------------ refusals
    def _failed(self, exc: BaseException) -> None:
        self.issue_button.setEnabled(True)
        if not is_user_error(exc):
            message_bridge().report_exception(exc)
            return
        text = str(exc)
        self.decision.show_refusal(text)
        self.pages.clear_pages()
        if isinstance(exc, IssuanceBlocked):
            self._show_release_row(True)
            if self.release_id is None:
                self.release_label.setText(
                    self.tr("連絡事項を入力して F9 で支援措置責任者に解除を依頼できます。")
                )
        self.refused.emit(text)
