"""支援措置の登録: 申出者, 併せて支援を求める者, 加害者 and the start (j160, j440).

The 加害者 is named by 宛名番号 when a resident, or by name and birth date. The end is left to
the service (one year from the start).
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from madoguchi.app.services.protection import MeasureInput, PerpetratorInput, ProtectionRefused


def _edit(name: str, placeholder: str, parent: QWidget) -> QLineEdit:
    edit = QLineEdit(parent)
    edit.setObjectName(name)
    edit.setPlaceholderText(placeholder)
    return edit


class MeasureDialog(QDialog):
    """The fields of a new measure; :meth:`measure` reads them."""

    def __init__(self, today: dt.date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("measure_dialog")
        self.setWindowTitle(self.tr("支援措置の登録"))
        self.applicant = _edit("measure_applicant", self.tr("申出者の宛名番号"), self)
        self.accompanying = _edit(
            "measure_accompanying", self.tr("宛名番号:続柄 を読点で区切る（例 0001:子）"), self
        )
        self.perpetrator_atena = _edit(
            "perpetrator_atena", self.tr("加害者が住民なら宛名番号"), self
        )
        self.perpetrator_name = _edit("perpetrator_name", self.tr("加害者の氏名"), self)
        self.perpetrator_birth = _edit("perpetrator_birth", self.tr("生年月日 例 1975-06-01"), self)
        self.starts_on = QDateEdit(QDate(today.year, today.month, today.day), self)
        self.starts_on.setObjectName("measure_starts_on")
        self.starts_on.setDisplayFormat("yyyy-MM-dd")
        self.starts_on.setCalendarPopup(True)
        self.provisional = QCheckBox(self.tr("仮支援措置"), self)
        self.provisional.setObjectName("measure_provisional")
        self.contact = _edit("measure_contact", self.tr("連絡先（相談機関など）"), self)
        form = QFormLayout()
        form.addRow(self.tr("申出者(&A)"), self.applicant)
        form.addRow(self.tr("併せて支援を求める者(&B)"), self.accompanying)
        form.addRow(self.tr("加害者 宛名番号"), self.perpetrator_atena)
        form.addRow(self.tr("加害者 氏名(&N)"), self.perpetrator_name)
        form.addRow(self.tr("加害者 生年月日"), self.perpetrator_birth)
        form.addRow(self.tr("開始年月日(&S)"), self.starts_on)
        form.addRow("", self.provisional)
        form.addRow(self.tr("連絡先"), self.contact)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel(self.tr("終了年月日は開始から1年として自動で計算します。"), self))
        layout.addWidget(buttons)

    def measure(self) -> MeasureInput:
        """The measure as typed; ProtectionRefused when the companions cannot be read."""
        accompanying: list[tuple[str, str]] = []
        for part in self.accompanying.text().replace("，", "、").replace(",", "、").split("、"):
            if not part.strip():
                continue
            atena_no, _sep, relation = part.strip().replace("：", ":").partition(":")
            if not atena_no.strip():
                raise ProtectionRefused(
                    "併せて支援を求める者は「宛名番号:続柄」で入力してください。"
                )
            accompanying.append((atena_no.strip(), relation.strip()))
        day = self.starts_on.date()
        return MeasureInput(
            applicant_atena_no=self.applicant.text().strip(),
            starts_on=dt.date(day.year(), day.month(), day.day()),
            perpetrators=(
                PerpetratorInput(
                    name=self.perpetrator_name.text().strip(),
                    atena_no=self.perpetrator_atena.text().strip() or None,
                    birth_date=self.perpetrator_birth.text().strip() or None,
                ),
            ),
            accompanying=tuple(accompanying),
            provisional=self.provisional.isChecked(),
            contact=self.contact.text().strip() or None,
        )
