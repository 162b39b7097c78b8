"""異動の取消し of one registered change (standard/j980.txt, R-REVIEW-3).

The operator picks the change in the person's 異動履歴 and gives a reason; saving makes a
cancellation draft. Approved by a supervisor with the correction right, it adds history on top
that puts back every person and household the change touched — nothing is deleted.

Keyboard: type the reason, Enter (or F12) saves, Esc closes.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from madoguchi.app.context import ServiceContext
from madoguchi.app.services.register_view import HistoryEntry
from madoguchi.app.services.review.corrections import CorrectionService
from madoguchi.widgets.proposal_dialog import ProposalDialog


class CancellationDialog(ProposalDialog):
    """Proposes the cancellation of ``entry``'s change; ``proposed(draft_id)`` when saved."""

    def __init__(
        self,
        service: CorrectionService,
        ctx: ServiceContext,
        entry: HistoryEntry,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("cancellation", parent)
        self.setWindowTitle(self.tr("異動の取消し"))
        assert entry.draft_id is not None, "only changes made by an approved draft"
        self._service = service
        self._ctx = ctx
        self._draft_id = entry.draft_id

        facts = QFormLayout()
        for label, value in (
            ("異動事由", entry.change_reason),
            ("異動日", entry.change_date),
            ("氏名", entry.person_name),
            ("届出日", entry.notified_on),
            ("処理日時", f"{entry.processed_at}（{entry.staff_no}）"),
            ("内容", entry.summary),
        ):
            shown = QLabel(value or "—", self)
            shown.setWordWrap(True)
            facts.addRow(self.tr(label), shown)
        note = QLabel(
            self.tr(
                "この異動で変わった住民・世帯をすべて異動前の状態に戻します"
                "（同じ処理で異動した世帯員を含みます）。取消しも異動履歴に残ります。"
            ),
            self,
        )
        note.setWordWrap(True)
        self.reason_edit = QLineEdit(self)
        self.reason_edit.setObjectName("cancellation_reason")
        self.reason_edit.setPlaceholderText(self.tr("必須: 例 受付誤り（届出人に確認済み）"))
        self.set_last_field(self.reason_edit)
        reason_row = QFormLayout()
        reason_row.addRow(self.tr("取消しの理由(&R)"), self.reason_edit)

        layout = QVBoxLayout(self)
        layout.addLayout(facts)
        layout.addWidget(note)
        layout.addLayout(reason_row)
        layout.addWidget(self.message)
        layout.addLayout(self.button_row())
        self.reason_edit.setFocus()

    def work(self) -> Callable[[], str]:
        """The cancellation draft of the chosen change, with the reason as typed."""
        service, ctx, draft_id = self._service, self._ctx, self._draft_id
        reason = self.reason_edit.text()
        return lambda: service.propose_cancellation(ctx, draft_id, reason=reason)
