"""The comparison table of the identity check: differences coloured and marked in text, the
個人番号 only as match / no match."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush
from pytestqt.modeltest import ModelTester

from madoguchi.app.services.identity_check import (
    MASKED_NUMBER,
    Agreement,
    CardComparison,
    ItemComparison,
)
from madoguchi.widgets.card_comparison import (
    COMPARISON_COLUMNS,
    ComparisonTableModel,
    comparison_rows,
)

COMPARISON = CardComparison(
    atena_no="0000001",
    items=(
        ItemComparison("氏名", "髙橋　花子", "高橋　花子", Agreement.VARIANT),
        ItemComparison("住所", "みどり市本町１－１", "みどり市本町2-3", Agreement.DIFFERENT),
        ItemComparison("生年月日", "1980-05-06", "1980-05-06", Agreement.SAME),
        ItemComparison("性別", "女", "女", Agreement.SAME),
    ),
    individual_number_shown=MASKED_NUMBER,
    individual_number_agreement=Agreement.DIFFERENT,
)


def test_rows_mark_every_difference_in_text() -> None:
    rows = {row.label: row for row in comparison_rows(COMPARISON)}
    assert rows["氏名"].agreement == "※ 字形の違いのみ" and rows["氏名"].emphasis == "warn"
    assert rows["住所"].agreement == "※ 相違" and rows["住所"].emphasis == "bad"
    assert rows["生年月日"].agreement == "一致" and rows["生年月日"].emphasis == ""
    assert rows["生年月日"].card_value == "昭和55年5月6日"
    number = rows["個人番号"]
    assert (number.card_value, number.register_value) == (MASKED_NUMBER, MASKED_NUMBER)
    assert number.agreement == "※ 不一致" and number.emphasis == "bad"


def test_the_model_colours_the_rows_that_do_not_agree(qtmodeltester: ModelTester) -> None:
    model = ComparisonTableModel(COMPARISON_COLUMNS)
    model.set_rows(comparison_rows(COMPARISON))
    qtmodeltester.check(model)
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in range(4)] == [
        "項目",
        "カード",
        "住民票",
        "照合",
    ]
    address = model.index(1, 3)
    assert model.data(address) == "※ 相違"
    assert isinstance(model.data(address, Qt.ItemDataRole.BackgroundRole), QBrush)
    assert model.data(address, Qt.ItemDataRole.FontRole).bold()
    same = model.index(3, 3)
    assert model.data(same) == "一致"
    assert model.data(same, Qt.ItemDataRole.BackgroundRole) is None


def test_without_a_register_entry_nothing_claims_to_match() -> None:
    alone = CardComparison(
        None,
        tuple(
            ItemComparison(i.label, i.card_value, "", Agreement.NO_REGISTER)
            for i in COMPARISON.items
        ),
        MASKED_NUMBER,
        Agreement.NO_REGISTER,
    )
    rows = comparison_rows(alone)
    assert {row.agreement for row in rows} == {"※ 照合先なし"}
    assert {row.register_value for row in rows} == {"—"}
