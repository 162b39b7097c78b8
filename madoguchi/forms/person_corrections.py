"""Corrections and 取消 from the person view (R-REVIEW-3, standard/j980.txt).

For staff with the right to propose them: Ctrl+E on the person tab opens 職権修正・誤記修正 of
the open person; Ctrl+Delete opens 異動の取消し of the change highlighted in its 異動履歴. Both
save a draft and say its number and that a supervisor with the correction right must approve it
in 審査・決裁; the register changes only then.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QPushButton, QWidget

from madoguchi.app.context import ServiceContext
from madoguchi.app.services.review.corrections import CorrectionService
from madoguchi.forms.cancellation_dialog import CancellationDialog
from madoguchi.forms.correction_dialog import CorrectionDialog
from madoguchi.forms.person_screen import PersonScreen
from madoguchi.widgets.messages import message_bridge
from madoguchi.widgets.proposal_dialog import ProposalDialog


class PersonCorrections(QObject):
    """Adds 修正 and 取消 to a PersonScreen; ``proposed(draft_id)`` for every saved draft."""

    proposed = Signal(str)

    def __init__(
        self,
        service: CorrectionService,
        ctx: ServiceContext,
        screen: PersonScreen,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._service = service
        self._ctx = ctx
        self._screen = screen
        self._window = parent
        self.dialog: ProposalDialog | None = None
        for name, text, key, slot in (
            ("correction_button", self.tr("職権修正・誤記修正 (Ctrl+E)"), "Ctrl+E", self.correct),
            ("cancellation_button", self.tr("異動の取消し (Ctrl+Del)"), "Ctrl+Del", self.cancel),
        ):
            button = QPushButton(text, screen)
            button.setObjectName(name)
            button.clicked.connect(slot)
            screen.add_header_button(button)
            QShortcut(QKeySequence(key), screen, slot)

    def correct(self) -> None:
        """Ctrl+E: the correction dialog of the open person."""
        detail = self._screen.detail
        if detail is None or self.dialog is not None:
            return
        self._open(CorrectionDialog(self._service, self._ctx, detail, self._window))

    def cancel(self) -> None:
        """Ctrl+Delete: the cancellation dialog of the highlighted history entry."""
        if self._screen.detail is None or self.dialog is not None:
            return
        entry = self._screen.selected_history()
        if entry is None:
            self._screen.show_notice(self.tr("取り消す異動を異動履歴から選んでください。"))
            self._screen.history_table.setFocus()
            return
        if entry.draft_id is None:
            self._screen.show_notice(
                self.tr(
                    "この異動（{0}）は審査・決裁を経た記録ではない（移行前の履歴など）ため、"
                    "ここでは取り消せません。"
                ).format(entry.change_reason)
            )
            return
        self._open(CancellationDialog(self._service, self._ctx, entry, self._window))

    def _open(self, dialog: ProposalDialog) -> None:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.proposed.connect(self._proposed)
        dialog.finished.connect(self._closed)
        self.dialog = dialog
        dialog.open()

    def _closed(self) -> None:
        self.dialog = None
        self._screen.history_table.setFocus()

    def _proposed(self, draft_id: str) -> None:
        text = self.tr(
            "起票しました（仮登録番号 {0}）。本人確認情報管理責任者（修正の決裁権限をもつ監督者）の"
            "決裁後に住民票に反映されます。"
        ).format(draft_id)
        self._screen.show_notice(text)
        message_bridge().report_info(text)
        self.proposed.emit(draft_id)
