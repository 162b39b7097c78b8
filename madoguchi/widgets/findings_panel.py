"""What the intake rules found (R-INTAKE-3, standard/j1440.txt): errors and alerts.

Every line gives the rule's code, the cause and the fix. Errors block saving until the form
is corrected; each alert has a check box the operator ticks (Space) to confirm it — the
confirmed keys go to ``save(confirmed=...)``. A confirmation stays until the operator unticks
it or the form is cleared, so an alert confirmed once is not asked again when a later save
lists only the alerts still open.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QAbstractItemView, QLabel, QListView, QVBoxLayout, QWidget

from madoguchi.app.domain.intake_rules import Finding, Level

ERROR_COLOURS = (QColor("#fbd5d5"), QColor("#8a1010"))
ALERT_COLOURS = (QColor("#fff1c2"), QColor("#6b4b00"))


@dataclass(frozen=True)
class InputProblem:
    """A problem the form found before asking the service (an unreadable date, say)."""

    label: str
    message: str


class FindingsPanel(QWidget):
    """The list of findings; ``confirmations_changed`` when an alert is ticked or unticked."""

    confirmations_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary_label = QLabel(self)
        self.summary_label.setObjectName("findings_summary")
        self.summary_label.setWordWrap(True)
        self.summary_label.setStyleSheet("font-weight: bold")
        self.model = QStandardItemModel(self)
        self.list = QListView(self)
        self.list.setObjectName("findings_list")
        self.list.setModel(self.model)
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.list.setWordWrap(True)
        self.list.setResizeMode(QListView.ResizeMode.Adjust)
        self.list.setMaximumHeight(180)
        self.list.setToolTip(self.tr("アラートは内容を確認し、Spaceでチェックしてください。"))
        self.model.itemChanged.connect(self._changed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.list)
        self.findings: tuple[Finding, ...] = ()
        self.problems: tuple[InputProblem, ...] = ()
        self._confirmed: set[str] = set()
        self.clear()

    def clear(self) -> None:
        """Nothing found, nothing confirmed (a new form)."""
        self.findings = ()
        self.problems = ()
        self._confirmed = set()
        self.model.clear()
        self.summary_label.setText(self.tr("入力後、F5で内容を確認、F12で仮登録します。"))
        self.summary_label.setStyleSheet("font-weight: bold")

    def show_problems(self, problems: list[InputProblem]) -> None:
        """Problems of the typed fields: they block like errors."""
        self.findings = ()
        self.problems = tuple(problems)
        self.model.blockSignals(True)
        self.model.clear()
        for problem in problems:
            self._add(f"【入力】{problem.label}: {problem.message}", ERROR_COLOURS, None)
        self.model.blockSignals(False)
        self.list.reset()
        self._summarise()

    def show_findings(self, findings: tuple[Finding, ...] | list[Finding]) -> None:
        """Show what the rules found, keeping earlier confirmations of the same alerts."""
        confirmed = self._confirmed
        self.findings = tuple(findings)
        self.problems = ()
        self.model.blockSignals(True)
        self.model.clear()
        for finding in self.findings:
            if finding.level == Level.ERROR:
                text = self.tr("【エラー {0}】{1}").format(finding.rule.code, finding.message)
                self._add(text, ERROR_COLOURS, None)
        for finding in self.findings:
            if finding.level == Level.ALERT:
                text = self.tr("【アラート {0}】{1}").format(finding.rule.code, finding.message)
                self._add(text, ALERT_COLOURS, finding.key in confirmed, finding.key)
        self.model.blockSignals(False)
        self.list.reset()
        if self.model.rowCount():
            self.list.setCurrentIndex(self.model.index(0, 0))
        self._summarise()

    def _add(
        self,
        text: str,
        colours: tuple[QColor, QColor],
        checked: bool | None,
        key: str | None = None,
    ) -> None:
        item = QStandardItem(text)
        item.setEditable(False)
        item.setBackground(QBrush(colours[0]))
        item.setForeground(QBrush(colours[1]))
        if checked is not None:
            item.setData(key, Qt.ItemDataRole.UserRole)
            item.setCheckable(True)
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        self.model.appendRow(item)

    def item(self, row: int) -> QStandardItem:
        """The line at ``row``."""
        item = self.model.item(row)
        assert item is not None
        return item

    def lines(self) -> list[str]:
        """Every line's text, in order."""
        return [self.item(row).text() for row in range(self.model.rowCount())]

    def _alert_items(self) -> list[QStandardItem]:
        items = [self.item(row) for row in range(self.model.rowCount())]
        return [item for item in items if item.data(Qt.ItemDataRole.UserRole)]

    def confirmed_keys(self) -> set[str]:
        """Keys of the alerts the operator ticked (and has not unticked since)."""
        return set(self._confirmed)

    def errors(self) -> list[str]:
        """The error lines (rules and typed fields)."""
        lines = [f.message for f in self.findings if f.level == Level.ERROR]
        return lines + [p.message for p in self.problems]

    def unconfirmed_alerts(self) -> list[Finding]:
        """Alerts shown and not yet ticked."""
        confirmed = self.confirmed_keys()
        return [f for f in self.findings if f.level == Level.ALERT and f.key not in confirmed]

    def confirm_all(self) -> None:
        """Tick every alert shown (the operator's explicit confirmation of all of them)."""
        for item in self._alert_items():
            item.setCheckState(Qt.CheckState.Checked)

    def focus_first_open_alert(self) -> None:
        """Put the cursor on the first alert still to confirm."""
        for row in range(self.model.rowCount()):
            item = self.item(row)
            if item.data(Qt.ItemDataRole.UserRole) and item.checkState() != Qt.CheckState.Checked:
                self.list.setCurrentIndex(self.model.index(row, 0))
                break
        self.list.setFocus()

    def _changed(self, item: QStandardItem) -> None:
        key = item.data(Qt.ItemDataRole.UserRole)
        if key:
            if item.checkState() == Qt.CheckState.Checked:
                self._confirmed.add(str(key))
            else:
                self._confirmed.discard(str(key))
        self._summarise()
        self.confirmations_changed.emit()

    def _summarise(self) -> None:
        errors = len(self.errors())
        alerts = [f for f in self.findings if f.level == Level.ALERT]
        open_alerts = len(self.unconfirmed_alerts())
        if not errors and not alerts:
            self.summary_label.setText(
                self.tr("エラー・アラートはありません。F12で仮登録できます。")
            )
            self.summary_label.setStyleSheet("font-weight: bold; color: #1b5e20")
            return
        parts = []
        if errors:
            parts.append(self.tr("エラー {0}件：修正するまで保存できません。").format(errors))
        if alerts:
            parts.append(
                self.tr(
                    "アラート {0}件（未確認 {1}件）：確認してSpaceでチェック（F9で全件）。"
                ).format(len(alerts), open_alerts)
            )
        self.summary_label.setText("　".join(parts))
        colour = "#8a1010" if errors else "#6b4b00"
        self.summary_label.setStyleSheet(f"font-weight: bold; color: {colour}")
