"""職権修正・誤記修正 of one person (R-REVIEW-3): the correctable items with what the register
shows now, the new values, the kind and the reason. Saving makes a correction draft that a
supervisor with the correction right approves; nothing changes in the register before that.

Keyboard: Enter moves to the next field (in the reason field it saves), F12 saves, Esc closes.
Only the items given a new value are corrected; the service refuses what it cannot take and
the dialog shows why, staying open to fix it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from madoguchi.app.context import ServiceContext
from madoguchi.app.services.register_view import PersonDetail
from madoguchi.app.services.review.corrections import (
    CORRECTABLE,
    CORRECTION_KINDS,
    CorrectionService,
)
from madoguchi.widgets.proposal_dialog import ProposalDialog

# Where the person view shows each correctable item: (field label, part of "氏　名"-style pairs).
_SHOWN_AS: dict[str, tuple[str, int | None]] = {
    "family_name": ("氏名", 0),
    "given_name": ("氏名", 1),
    "family_name_kana": ("氏名の振り仮名", 0),
    "given_name_kana": ("氏名の振り仮名", 1),
    "birth_date": ("生年月日", None),
    "sex": ("性別", None),
    "relationship": ("続柄", None),
    "honseki": ("本籍", None),
    "hittosha": ("筆頭者", None),
    "katagaki": ("住所", 1),
    "former_surname": ("旧氏", None),
    "alias_name": ("通称", None),
}
_PLACEHOLDERS = {"birth_date": "YYYY-MM-DD", "relationship": "例: 子"}
SEX_CHOICES = (("変更しない", ""), ("男", "1"), ("女", "2"))


def current_values(detail: PersonDetail) -> dict[str, str]:
    """What the person view shows now for each correctable item (masked items stay masked)."""
    shown = {field.label: field.value for field in detail.fields}
    values = {}
    for column, (label, part) in _SHOWN_AS.items():
        text = shown.get(label, "")
        if part is not None:
            pieces = text.split("　", 1)
            text = pieces[part] if part < len(pieces) else ""
        values[column] = text
    return values


class CorrectionDialog(ProposalDialog):
    """Proposes a correction of the person in ``detail``; ``proposed(draft_id)`` when saved."""

    def __init__(
        self,
        service: CorrectionService,
        ctx: ServiceContext,
        detail: PersonDetail,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("correction", parent)
        self.setWindowTitle(self.tr("職権修正・誤記修正"))
        self._service = service
        self._ctx = ctx
        self._atena_no = detail.summary.atena_no
        self.new_values: dict[str, QLineEdit] = {}
        current = current_values(detail)

        heading = QLabel(
            self.tr(
                "{0}（宛名番号 {1}）: 修正する項目にだけ修正後の内容を入力してください。"
            ).format(detail.summary.name, self._atena_no),
            self,
        )
        heading.setWordWrap(True)
        items = QGroupBox(self.tr("修正する項目"), self)
        grid = QGridLayout(items)
        for place, text in enumerate(("項目", "現在の記載", "修正後")):
            grid.addWidget(QLabel(self.tr(text), items), 0, place)
        self.sex_combo = QComboBox(items)
        self.sex_combo.setObjectName("correction_new_sex")
        for label, code in SEX_CHOICES:
            self.sex_combo.addItem(self.tr(label), code)
        for row, (column, label) in enumerate(CORRECTABLE.items(), start=1):
            now = QLabel(current[column] or "—", items)
            now.setObjectName(f"correction_current_{column}")
            grid.addWidget(QLabel(label, items), row, 0)
            grid.addWidget(now, row, 1)
            if column == "sex":
                grid.addWidget(self.sex_combo, row, 2)
                continue
            edit = QLineEdit(items)
            edit.setObjectName(f"correction_new_{column}")
            edit.setPlaceholderText(_PLACEHOLDERS.get(column, ""))
            self.new_values[column] = edit
            grid.addWidget(edit, row, 2)

        self.kind_combo = QComboBox(self)
        self.kind_combo.setObjectName("correction_kind")
        for code, reason in CORRECTION_KINDS.items():
            self.kind_combo.addItem(reason.name, code)
        self.reason_edit = QLineEdit(self)
        self.reason_edit.setObjectName("correction_reason")
        self.reason_edit.setPlaceholderText(self.tr("必須: 例 届書の記載誤り（戸籍謄本で確認）"))
        form = QFormLayout()
        form.addRow(self.tr("修正の種類(&K)"), self.kind_combo)
        form.addRow(self.tr("理由(&R)"), self.reason_edit)

        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(items)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addLayout(self.button_row())
        order: list[QWidget] = [
            self.sex_combo if column == "sex" else self.new_values[column] for column in CORRECTABLE
        ]
        order += [self.kind_combo, self.reason_edit, self.submit_button, self.close_button]
        for first, second in itertools.pairwise(order):
            QWidget.setTabOrder(first, second)
        order[0].setFocus()
        self.set_last_field(self.reason_edit)

    def changes(self) -> dict[str, str]:
        """The items given a new value, by column."""
        changes = {
            column: edit.text().strip()
            for column, edit in self.new_values.items()
            if edit.text().strip()
        }
        if self.sex_combo.currentData():
            changes["sex"] = str(self.sex_combo.currentData())
        return {column: changes[column] for column in CORRECTABLE if column in changes}

    def work(self) -> Callable[[], str]:
        """The correction draft of the items given a new value, with kind and reason."""
        service, ctx, atena_no = self._service, self._ctx, self._atena_no
        changes = self.changes()
        reason, kind = self.reason_edit.text(), str(self.kind_combo.currentData())
        return lambda: service.propose_correction(ctx, atena_no, changes, reason=reason, kind=kind)
