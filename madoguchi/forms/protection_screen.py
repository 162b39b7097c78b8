"""支援措置・発行抑止: the 支援措置責任者's register of measures and holds (j160, j410, j440).

The measures in force with their persons, 加害者 and period; those ending within a month are
listed on top (the extension opens then). Ctrl+N registers a measure, F3 extends the selected
one, F4 ends it with the reason typed. Below, the 発行抑止 in force: Ctrl+H sets one on a
person or household, Shift+F4 lifts the selected one. F5 lists afresh.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from madoguchi.app.context import ServiceContext
from madoguchi.app.services.protection import HoldInput, HoldView, MeasureView, ProtectionService
from madoguchi.forms.measure_dialog import MeasureDialog
from madoguchi.widgets.background import Op
from madoguchi.widgets.messages import is_user_error, message_bridge
from madoguchi.widgets.register_tables import configure_table
from madoguchi.widgets.screen_parts import action_button
from madoguchi.widgets.table_models import Column, RowTableModel

ERROR_STYLE = "color: #b00020; font-weight: bold"
ALERT_STYLE = "color: #8a4b00; font-weight: bold"

MEASURE_COLUMNS: list[Column[MeasureView]] = [
    Column("種別", lambda m: "仮支援措置" if m.provisional else "支援措置"),
    Column("開始", lambda m: m.starts_on.isoformat()),
    Column("終了", lambda m: m.ends_on.isoformat()),
    Column("延長", lambda m: str(m.extensions)),
    Column("対象者", lambda m: "、".join(f"{n}（{r}・{a}）" for a, n, r in m.protected)),
    Column("加害者", lambda m: "、".join(m.perpetrators)),
    Column("期間の注意", lambda m: " ".join(m.alerts)),
]

HOLD_COLUMNS: list[Column[HoldView]] = [
    Column("対象", lambda h: f"個人 {h.atena_no}" if h.atena_no else f"世帯 {h.household_no}"),
    Column("レベル", lambda h: "エラー" if h.level == "error" else "アラート"),
    Column("開始", lambda h: h.starts_on.isoformat()),
    Column("設定者", lambda h: h.set_by),
    Column("理由", lambda h: h.reason),
]


def _table(name: str, model: RowTableModel[MeasureView] | RowTableModel[HoldView]) -> QTableView:
    view = QTableView()
    view.setObjectName(name)
    view.setModel(model)
    configure_table(view)
    return view


class ProtectionScreen(QWidget):
    """Measures and holds in force, and the officer's actions on them."""

    loaded = Signal(int, int)  # measures, holds

    def __init__(
        self, service: ProtectionService, ctx: ServiceContext, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("protection_screen")
        self._service = service
        self._ctx = ctx
        self.expiring = QLabel(self)
        self.expiring.setObjectName("protection_expiring")
        self.expiring.setWordWrap(True)
        self.expiring.setStyleSheet(ALERT_STYLE)
        self.measures: RowTableModel[MeasureView] = RowTableModel(MEASURE_COLUMNS, parent=self)
        self.measure_table = _table("protection_measures", self.measures)
        self.end_reason = QLineEdit(self)
        self.end_reason.setObjectName("measure_end_reason")
        self.end_reason.setPlaceholderText(self.tr("終了の理由（例: 申出により終了）"))
        measure_buttons = QHBoxLayout()
        for name, text, slot in (
            ("measure_register", "登録… (Ctrl+N)", self.register_measure),
            ("measure_extend", "延長 (F3)", self.extend),
        ):
            measure_buttons.addWidget(action_button(self, name, text, slot))
        measure_buttons.addWidget(self.end_reason, 1)
        measure_buttons.addWidget(action_button(self, "measure_end", "終了 (F4)", self.end_measure))
        measure_box = QGroupBox(self.tr("支援措置（実施中）"), self)
        measure_layout = QVBoxLayout(measure_box)
        measure_layout.addWidget(self.expiring)
        measure_layout.addWidget(self.measure_table, 1)
        measure_layout.addLayout(measure_buttons)

        self.holds: RowTableModel[HoldView] = RowTableModel(HOLD_COLUMNS, parent=self)
        self.hold_table = _table("issuance_holds", self.holds)
        self.hold_target = QLineEdit(self)
        self.hold_target.setObjectName("hold_target")
        self.hold_target.setPlaceholderText(self.tr("宛名番号、または 世帯:世帯番号"))
        self.hold_level = QComboBox(self)
        self.hold_level.setObjectName("hold_level")
        self.hold_level.addItem(self.tr("エラー（交付を止める）"), "error")
        self.hold_level.addItem(self.tr("アラート（注意のみ）"), "alert")
        self.hold_reason = QLineEdit(self)
        self.hold_reason.setObjectName("hold_reason")
        self.hold_reason.setPlaceholderText(self.tr("設定・解除の理由"))
        hold_row = QHBoxLayout()
        hold_row.addWidget(self.hold_target, 1)
        hold_row.addWidget(self.hold_level)
        hold_row.addWidget(self.hold_reason, 2)
        hold_row.addWidget(action_button(self, "hold_set", "抑止設定 (Ctrl+H)", self.set_hold))
        hold_row.addWidget(action_button(self, "hold_lift", "抑止解除 (Shift+F4)", self.lift_hold))
        hold_box = QGroupBox(self.tr("発行抑止"), self)
        hold_layout = QVBoxLayout(hold_box)
        hold_layout.addWidget(self.hold_table, 1)
        hold_layout.addLayout(hold_row)

        self.message = QLabel(self)
        self.message.setObjectName("protection_message")
        self.message.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(measure_box, 3)
        layout.addWidget(hold_box, 2)
        layout.addWidget(self.message)
        for sequence, slot in (
            (QKeySequence(Qt.Key.Key_F5), self.reload),
            (QKeySequence("Ctrl+N"), self.register_measure),
            (QKeySequence(Qt.Key.Key_F3), self.extend),
            (QKeySequence(Qt.Key.Key_F4), self.end_measure),
            (QKeySequence("Ctrl+H"), self.set_hold),
            (QKeySequence("Shift+F4"), self.lift_hold),
        ):
            QShortcut(sequence, self, slot)

    # ------------------------------------------------------------------ listing
    def reload(self) -> None:
        """List the measures and holds in force."""
        service, ctx = self._service, self._ctx
        Op(self, lambda: (service.measures(ctx), service.holds(ctx))).success(self._show).failure(
            self._failed
        ).run()

    def _show(self, found: tuple[list[MeasureView], list[HoldView]]) -> None:
        measures, holds = found
        self.measures.set_rows(measures)
        self.holds.set_rows(holds)
        if measures:
            self.measure_table.selectRow(0)
        if holds:
            self.hold_table.selectRow(0)
        expiring = [
            self.tr("{0}（{1}まで）: {2}").format(
                "、".join(n for _a, n, _r in m.protected), m.ends_on, " ".join(m.alerts)
            )
            for m in measures
            if m.alerts
        ]
        self.expiring.setText(
            self.tr("期間満了が近い支援措置:\n") + "\n".join(expiring) if expiring else ""
        )
        self.expiring.setVisible(bool(expiring))
        self.loaded.emit(len(measures), len(holds))

    def selected_measure(self) -> MeasureView | None:
        """The highlighted measure."""
        index = self.measure_table.currentIndex()
        return self.measures.row_at(index.row()) if index.isValid() else None

    def selected_hold(self) -> HoldView | None:
        """The highlighted hold."""
        index = self.hold_table.currentIndex()
        return self.holds.row_at(index.row()) if index.isValid() else None

    # ------------------------------------------------------------------ measures
    def register_measure(self) -> None:
        """Ctrl+N: the measure dialog, then register it."""
        dialog = MeasureDialog(self._ctx.today(), self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        try:
            measure = dialog.measure()
        except ValueError as exc:
            self._refused(str(exc))
            return
        self._run(lambda: self._service.register_measure(self._ctx, measure), "登録しました。")

    def extend(self) -> None:
        """F3: extend the selected measure by a year (from one month before its end)."""
        measure = self.selected_measure()
        if measure is not None:
            self._run(lambda: self._service.extend(self._ctx, measure.measure_id), "延長しました。")

    def end_measure(self) -> None:
        """F4: end the selected measure with the reason typed."""
        measure, reason = self.selected_measure(), self.end_reason.text()
        if measure is not None:
            self._run(
                lambda: self._service.end_measure(self._ctx, measure.measure_id, reason),
                "支援措置を終了しました。",
            )

    # ------------------------------------------------------------------ holds
    def set_hold(self) -> None:
        """Ctrl+H: a 発行抑止 on the person (宛名番号) or household (世帯:番号) typed."""
        target = self.hold_target.text().strip().replace("：", ":")
        household = target.partition(":")[2].strip() if target.startswith("世帯") else None
        hold = HoldInput(
            reason=self.hold_reason.text(),
            starts_on=self._ctx.today(),
            atena_no=None if household is not None else (target or None),
            household_no=household,
            level=str(self.hold_level.currentData()),
        )
        self._run(lambda: self._service.set_hold(self._ctx, hold), "発行抑止を設定しました。")

    def lift_hold(self) -> None:
        """Shift+F4: lift the selected hold with the reason typed."""
        hold, reason = self.selected_hold(), self.hold_reason.text()
        if hold is not None:
            self._run(
                lambda: self._service.lift_hold(self._ctx, hold.hold_id, reason),
                "発行抑止を解除しました。",
            )

    # ------------------------------------------------------------------ plumbing
    def _run(self, work: Callable[[], object], done: str) -> None:
        def succeeded(result: object) -> None:
            self.message.setStyleSheet("")
            text = self.tr(done)
            if isinstance(result, dt.date):
                text += self.tr("（終了年月日 {0}）").format(result.isoformat())
            self.message.setText(text)
            for edit in (self.end_reason, self.hold_reason, self.hold_target):
                edit.clear()
            self.reload()

        Op(self, work).success(succeeded).failure(self._failed).run()

    def _failed(self, exc: BaseException) -> None:
        if not is_user_error(exc):
            message_bridge().report_exception(exc)
            return
        self._refused(str(exc))

    def _refused(self, text: str) -> None:
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.setText(text)
