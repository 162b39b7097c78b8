"""The request part of the certificate screen: who asks, what, for whom (R-CERT-1…3).

Plain inputs that build a :class:`CertificateRequest`; the service judges it. Members and
identity documents are lists with check boxes (Space toggles), so the form works by keyboard.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from madoguchi.app.domain.certificates import (
    DEFAULT_ITEMS,
    ITEM_LABELS,
    KIND_TITLES,
    REQUESTER_LABELS,
    CertificateKind,
    Layout,
    OptionalItem,
    RequesterKind,
    Scope,
)
from madoguchi.app.services.certificates import CertificateRequest, Requester
from madoguchi.app.services.search import PersonSummary

ATENA_ROLE = Qt.ItemDataRole.UserRole
NOT_RESIDENT = ""
SCOPE_LABELS = {Scope.WHOLE_HOUSEHOLD: "世帯全員", Scope.SOME_MEMBERS: "一部"}
LAYOUT_LABELS = {Layout.HOUSEHOLD: "世帯連記式", Layout.INDIVIDUAL: "個人票"}


def _combo(name: str, choices: Sequence[tuple[str, object]], parent: QWidget) -> QComboBox:
    combo = QComboBox(parent)
    combo.setObjectName(name)
    for text, value in choices:
        combo.addItem(text, value)
    return combo


def _checked(view: QListWidget) -> list[str]:
    return [
        str(view.item(row).data(ATENA_ROLE))
        for row in range(view.count())
        if view.item(row).checkState() == Qt.CheckState.Checked
    ]


class CertificateInputs(QWidget):
    """The request as typed; ``changed`` on every edit (the shown preview is then stale)."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("certificate_inputs")
        self.members: list[PersonSummary] = []
        self.requester_kind = _combo(
            "requester_kind", [(label, kind) for kind, label in REQUESTER_LABELS.items()], self
        )
        self.requester_person = _combo("requester_person", [], self)
        self.requester_name = QLineEdit(self)
        self.requester_name.setObjectName("requester_name")
        self.requester_birth = QLineEdit(self)
        self.requester_birth.setObjectName("requester_birth")
        self.requester_birth.setPlaceholderText(self.tr("住民以外の請求者: 例 1980-04-01"))
        self.principal_person = _combo("principal_person", [], self)
        self.power_of_attorney = QCheckBox(self.tr("委任状を確認した(&W)"), self)
        self.power_of_attorney.setObjectName("power_of_attorney")
        self.reason = QLineEdit(self)
        self.reason.setObjectName("request_reason")
        self.reason.setPlaceholderText(self.tr("第三者・公用: 利用目的と提出先、根拠法令"))
        self.documents = QListWidget(self)
        self.documents.setObjectName("identity_documents")
        self.documents.setMaximumHeight(90)
        requester_box = QGroupBox(self.tr("請求者"), self)
        form = QFormLayout(requester_box)
        form.addRow(self.tr("請求者の種別(&R)"), self.requester_kind)
        form.addRow(self.tr("請求者（住民）(&P)"), self.requester_person)
        form.addRow(self.tr("請求者氏名(&N)"), self.requester_name)
        form.addRow(self.tr("生年月日"), self.requester_birth)
        form.addRow(self.tr("委任者（代理人の場合）"), self.principal_person)
        form.addRow("", self.power_of_attorney)
        form.addRow(self.tr("請求事由(&Y)"), self.reason)
        form.addRow(self.tr("本人確認書類(&D)"), self.documents)

        self.kind = _combo("certificate_kind", [(t, k) for k, t in KIND_TITLES.items()], self)
        self.scope = _combo("certificate_scope", [(t, s) for s, t in SCOPE_LABELS.items()], self)
        self.layout_combo = _combo(
            "certificate_layout", [(t, v) for v, t in LAYOUT_LABELS.items()], self
        )
        self.copies = QSpinBox(self)
        self.copies.setObjectName("certificate_copies")
        self.copies.setRange(1, 10)
        self.persons = QListWidget(self)
        self.persons.setObjectName("certificate_persons")
        self.persons.setMaximumHeight(110)
        kind_box = QGroupBox(self.tr("証明書"), self)
        kind_form = QFormLayout(kind_box)
        kind_form.addRow(self.tr("種類(&K)"), self.kind)
        kind_form.addRow(self.tr("範囲(&H)"), self.scope)
        kind_form.addRow(self.tr("様式"), self.layout_combo)
        kind_form.addRow(self.tr("対象者(&T)"), self.persons)
        kind_form.addRow(self.tr("通数(&C)"), self.copies)

        self.item_boxes: dict[OptionalItem, QCheckBox] = {}
        items_box = QGroupBox(self.tr("記載事項（チェックしないものは「省略」）"), self)
        grid = QGridLayout(items_box)
        for index, item in enumerate(OptionalItem):
            box = QCheckBox(ITEM_LABELS[item], items_box)
            box.setObjectName(f"item_{item.value}")
            box.setChecked(item in DEFAULT_ITEMS)
            box.toggled.connect(self.changed)
            grid.addWidget(box, index // 2, index % 2)
            self.item_boxes[item] = box

        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(requester_box, 3)
        top.addWidget(kind_box, 2)
        layout.addLayout(top)
        layout.addWidget(items_box)
        for combo in (
            self.requester_kind,
            self.kind,
            self.scope,
            self.layout_combo,
            self.principal_person,
        ):
            combo.currentIndexChanged.connect(self.changed)
        self.requester_person.currentIndexChanged.connect(self._requester_chosen)
        for edit in (self.requester_name, self.requester_birth, self.reason):
            edit.textChanged.connect(self.changed)
        self.power_of_attorney.toggled.connect(self.changed)
        self.copies.valueChanged.connect(self.changed)
        self.persons.itemChanged.connect(self.changed)
        self.documents.itemChanged.connect(self.changed)

    # ------------------------------------------------------------------ filling
    def set_documents(self, documents: Sequence[tuple[str, str, bool]]) -> None:
        """The identity documents to tick: (code, name, has photo)."""
        self.documents.clear()
        for code, name, has_photo in documents:
            item = QListWidgetItem(name + ("（顔写真付き）" if has_photo else ""), self.documents)
            item.setData(ATENA_ROLE, code)
            item.setCheckState(Qt.CheckState.Unchecked)

    def set_members(self, members: Sequence[PersonSummary], open_atena_no: str) -> None:
        """The household of the open person; the open person is checked and asks by default."""
        self.members = list(members)
        self.persons.clear()
        for combo in (self.requester_person, self.principal_person):
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(self.tr("（住民以外）"), NOT_RESIDENT)
        for member in members:
            text = f"{member.name}　{member.relationship}　{member.birth_date}"
            if member.status != "current":
                text += f"（{member.status_label}）"
            item = QListWidgetItem(text, self.persons)
            item.setData(ATENA_ROLE, member.atena_no)
            checked = member.atena_no == open_atena_no
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
            for combo in (self.requester_person, self.principal_person):
                combo.addItem(f"{member.name}（{member.atena_no}）", member.atena_no)
        self.principal_person.blockSignals(False)
        self.requester_person.blockSignals(False)
        index = self.requester_person.findData(open_atena_no)
        self.requester_person.setCurrentIndex(max(index, 0))
        self._requester_chosen()

    def check_document(self, code: str) -> None:
        """Tick one identity document by its code."""
        for row in range(self.documents.count()):
            if self.documents.item(row).data(ATENA_ROLE) == code:
                self.documents.item(row).setCheckState(Qt.CheckState.Checked)

    def set_requester_kind(self, kind: RequesterKind) -> None:
        """Choose the requester's footing."""
        self.requester_kind.setCurrentIndex(self.requester_kind.findData(kind))

    def _requester_chosen(self) -> None:
        atena_no = self.requester_person.currentData()
        member = next((m for m in self.members if m.atena_no == atena_no), None)
        if member is not None:
            self.requester_name.setText(member.name)
            self.requester_birth.setText(member.birth_date)
        self.changed.emit()

    # ------------------------------------------------------------------ reading
    def chosen_persons(self) -> list[str]:
        """The 宛名番号 ticked."""
        return _checked(self.persons)

    def request(self) -> CertificateRequest:
        """The request as typed (the service judges it)."""
        kind = RequesterKind(self.requester_kind.currentData())
        atena_no = self.requester_person.currentData() or None
        principal = self.principal_person.currentData() or None
        principal_name = ""
        if principal is not None:
            principal_name = next((m.name for m in self.members if m.atena_no == principal), "")
        is_agent = kind is RequesterKind.AGENT
        requester = Requester(
            kind=kind,
            name=self.requester_name.text().strip(),
            atena_no=atena_no,
            birth_date=self.requester_birth.text().strip() or None,
            principal_atena_no=principal if is_agent else None,
            principal_name=principal_name if is_agent else "",
            power_of_attorney=is_agent and self.power_of_attorney.isChecked(),
            documents=tuple(_checked(self.documents)),
            reason=self.reason.text().strip(),
        )
        return CertificateRequest(
            kind=CertificateKind(self.kind.currentData()),
            atena_nos=tuple(self.chosen_persons()),
            requester=requester,
            scope=Scope(self.scope.currentData()),
            layout=Layout(self.layout_combo.currentData()),
            items=frozenset(item for item, box in self.item_boxes.items() if box.isChecked()),
            copies=self.copies.value(),
        )
