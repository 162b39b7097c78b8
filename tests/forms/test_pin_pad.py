"""The resident's PIN pad (R-CARD-2, R-CARD-3), worked with the keyboard only."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit, QPushButton
from pytestqt.qtbot import QtBot

from madoguchi.forms.pin_pad import TEXT_PIN_PURPOSE, PinPad
from tests.helpers.typing import type_text
from tests.helpers.widgets import all_visible_text


@pytest.fixture
def pad(qtbot: QtBot) -> PinPad:
    dialog = PinPad(TEXT_PIN_PURPOSE, 3)
    qtbot.addWidget(dialog)
    dialog.show()
    with qtbot.waitActive(dialog):
        dialog.activateWindow()
    return dialog


def focused_field(pad: PinPad) -> QLineEdit:
    """The keyboard goes wherever the focus is: it must be the PIN field."""
    widget = QApplication.focusWidget()
    assert widget is pad.pin_edit
    return widget


def test_the_pad_shows_the_purpose_and_the_tries_left(pad: PinPad) -> None:
    text = all_visible_text(pad)
    assert "券面事項入力補助用暗証番号" in text
    assert pad.tries_label.text() == "残り 3 回"


def test_digits_are_masked_and_only_four_digits_are_taken(qtbot: QtBot, pad: PinPad) -> None:
    field = focused_field(pad)
    qtbot.keyClicks(field, "1a2")
    type_text(qtbot, field, "３", clear=False)  # a full-width digit from the IME is refused too
    qtbot.keyClicks(field, "-3 459")
    assert field.text() == "1234"
    assert field.displayText() == "●●●●"
    assert field.echoMode() == QLineEdit.EchoMode.Password


def test_backspace_deletes_and_enter_waits_for_four_digits(qtbot: QtBot, pad: PinPad) -> None:
    field = focused_field(pad)
    with qtbot.assertNotEmitted(pad.pin_entered):
        qtbot.keyClicks(field, "123")
        qtbot.keyClick(field, Qt.Key.Key_Backspace)
        assert field.text() == "12"
        qtbot.keyClick(field, Qt.Key.Key_Return)
    assert pad.isVisible()
    assert "4桁" in pad.hint_label.text()
    qtbot.keyClicks(field, "98")
    with qtbot.waitSignal(pad.pin_entered) as entered:
        qtbot.keyClick(field, Qt.Key.Key_Return)
    assert entered.args == ["1298"]
    assert not pad.isVisible()
    assert pad.result() == PinPad.DialogCode.Accepted
    assert pad.pin_edit.text() == ""


def test_escape_cancels_and_leaves_no_pin_behind(qtbot: QtBot, pad: PinPad) -> None:
    field = focused_field(pad)
    qtbot.keyClicks(field, "4821")
    with qtbot.assertNotEmitted(pad.pin_entered), qtbot.waitSignal(pad.rejected):
        qtbot.keyClick(field, Qt.Key.Key_Escape)
    assert pad.pin_edit.text() == ""
    assert not any("4821" in str(value) for value in vars(pad).values())


def test_the_on_screen_keys_never_take_the_focus(qtbot: QtBot, pad: PinPad) -> None:
    keys = pad.findChildren(QPushButton)
    assert len(keys) == 12
    assert all(key.focusPolicy() == Qt.FocusPolicy.NoFocus for key in keys)
    for name in ("pin_key_4", "pin_key_8", "pin_key_2"):
        pad.findChild(QPushButton, name).click()  # type: ignore[union-attr]
    pad.findChild(QPushButton, "pin_key_backspace").click()  # type: ignore[union-attr]
    assert pad.pin_edit.text() == "48"
    assert focused_field(pad) is pad.pin_edit


def test_no_count_is_shown_when_the_card_does_not_say(qtbot: QtBot) -> None:
    dialog = PinPad(TEXT_PIN_PURPOSE, None)
    qtbot.addWidget(dialog)
    assert dialog.tries_label.text() == ""
