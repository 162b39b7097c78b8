"""The service's decision on a certificate request, shown before printing (R-CERT-2…7).

Each optional item printed or 「省略」 and why, the fee, where the copies go, the alerts, the
外字 that block printing and the time of the data. A refusal replaces it all with its reason.
"""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QTableView, QVBoxLayout, QWidget

from madoguchi.app.domain.certificates import OMITTED, ItemChoice
from madoguchi.app.services.certificates import CertificatePreview
from madoguchi.widgets.register_tables import configure_table
from madoguchi.widgets.table_models import Column, RowTableModel

ERROR_STYLE = "color: #b00020; font-weight: bold"
ALERT_STYLE = "color: #8a4b00; font-weight: bold"

CHOICE_COLUMNS: list[Column[ItemChoice]] = [
    Column("記載事項", lambda c: c.label),
    Column("記載", lambda c: "記載" if c.printed else OMITTED),
    Column("理由", lambda c: c.reason),
]


def _label(name: str, parent: QWidget, style: str = "") -> QLabel:
    label = QLabel(parent)
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setStyleSheet(style)
    return label


class DecisionPanel(QWidget):
    """What the service decided for the request shown."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("certificate_decision")
        self.refusal = _label("certificate_refusal", self, ERROR_STYLE)
        self.model: RowTableModel[ItemChoice] = RowTableModel(CHOICE_COLUMNS, parent=self)
        self.table = QTableView(self)
        self.table.setObjectName("certificate_items")
        self.table.setModel(self.model)
        configure_table(self.table)
        self.fee = _label("certificate_fee", self, "font-weight: bold")
        self.delivery = _label("certificate_delivery", self)
        self.alerts = _label("certificate_alerts", self, ALERT_STYLE)
        self.unprintable = _label("certificate_unprintable", self, ERROR_STYLE)
        self.data_as_of = _label("certificate_data_as_of", self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.refusal, self.fee, self.delivery, self.alerts, self.unprintable):
            layout.addWidget(widget)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.data_as_of)
        self.clear()

    def clear(self) -> None:
        """Nothing judged yet."""
        self.model.set_rows([])
        for label in (
            self.refusal,
            self.fee,
            self.delivery,
            self.alerts,
            self.unprintable,
            self.data_as_of,
        ):
            label.clear()
            label.setVisible(False)

    def show_refusal(self, text: str) -> None:
        """The service refused: only the reason shows."""
        self.clear()
        self.refusal.setText(text)
        self.refusal.setVisible(True)

    def show_preview(self, preview: CertificatePreview) -> None:
        """Show the decision of ``preview``."""
        self.clear()
        self.model.set_rows(preview.decision.items)
        copies = len(preview.copies)
        if preview.decision.official:
            self.fee.setText(self.tr("手数料: 公用のため無料（{0}通）").format(copies))
        else:
            self.fee.setText(self.tr("手数料: {0:,} 円（{1}通）").format(preview.fee, copies))
        delivery = preview.delivery_note
        if preview.mail_to:
            delivery += self.tr("　郵送先: {0}").format(preview.mail_to)
        self.delivery.setText(delivery)
        self.alerts.setText("\n".join(preview.alerts))
        if preview.unprintable:
            listed = "；".join(f"{u.where}: {u.code_points}" for u in preview.unprintable)
            self.unprintable.setText(
                self.tr(
                    "外字があるため印刷できません（{0}）。外字の登録を依頼してください。"
                ).format(listed)
            )
        if preview.data_as_of:
            self.data_as_of.setText(self.tr("データ時点: {0}").format(preview.data_as_of))
        for label in (self.fee, self.delivery, self.alerts, self.unprintable, self.data_as_of):
            label.setVisible(bool(label.text()))
