"""Tests for the 個人番号 value type."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.jp import in_ as stdnum_in

from madoguchi.app.domain.individual_number import (
    MASK,
    IndividualNumber,
    InvalidIndividualNumber,
)

VALID = "621498320257"


@pytest.mark.parametrize(
    "text",
    [
        "621498320257",
        "6214 9832 0257",
        "6214-9832-0257",
        "６２１４　９８３２　０２５７",
        "６２１４－９８３２－０２５７",
        " 6214ー9832ー0257 ",
    ],
)
def test_parse_accepts_common_spellings(text: str) -> None:
    assert IndividualNumber.parse(text).value == VALID


def test_formatted_and_masked() -> None:
    number = IndividualNumber.parse(VALID)
    assert number.formatted() == "6214 9832 0257"
    assert number.masked() == MASK == "●●●● ●●●● ●●●●"


def test_repr_str_and_format_are_masked() -> None:
    number = IndividualNumber.parse(VALID)
    for shown in (repr(number), str(number), f"{number}", repr([number]), repr({"n": number})):
        assert VALID not in shown
        assert "0257" not in shown
    assert str(number) == MASK


def test_wrong_check_digit_message_is_japanese_and_does_not_leak() -> None:
    with pytest.raises(InvalidIndividualNumber) as info:
        IndividualNumber.parse("621498320258")
    message = str(info.value)
    assert message == (
        "個人番号のチェックデジットが正しくありません。番号を確認して入力し直してください。"
    )
    assert "621498320258" not in message


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "入力されていません"),
        ("   ", "入力されていません"),
        ("62149832025", "桁数"),
        ("6214983202570", "桁数"),
        ("6214983202AB", "数字以外"),
    ],
)
def test_invalid_input(text: str, fragment: str) -> None:
    with pytest.raises(InvalidIndividualNumber, match=fragment):
        IndividualNumber.parse(text)


def test_error_is_a_value_error() -> None:
    assert issubclass(InvalidIndividualNumber, ValueError)


def test_direct_construction_is_validated() -> None:
    with pytest.raises(InvalidIndividualNumber):
        IndividualNumber("6214 9832 0257")
    with pytest.raises(InvalidIndividualNumber):
        IndividualNumber("621498320258")
    assert IndividualNumber(VALID) == IndividualNumber.parse(VALID)


def test_is_valid() -> None:
    assert IndividualNumber.is_valid("6214 9832 0257")
    assert not IndividualNumber.is_valid("6214 9832 0258")


def test_generate_is_deterministic_for_a_seed() -> None:
    assert IndividualNumber.generate(random.Random(7)) == IndividualNumber.generate(
        random.Random(7)
    )


@given(st.integers(min_value=0, max_value=2**32))
def test_generated_numbers_are_valid(seed: int) -> None:
    number = IndividualNumber.generate(random.Random(seed))
    assert stdnum_in.is_valid(number.value)
    assert number.value[0] != "0"
    assert IndividualNumber.parse(number.formatted()) == number


@given(st.integers(min_value=0, max_value=2**32), st.integers(min_value=1, max_value=9))
def test_changed_check_digit_is_rejected(seed: int, delta: int) -> None:
    value = IndividualNumber.generate(random.Random(seed)).value
    wrong = value[:-1] + str((int(value[-1]) + delta) % 10)
    with pytest.raises(InvalidIndividualNumber) as info:
        IndividualNumber.parse(wrong)
    assert wrong not in str(info.value)


@given(st.text(max_size=30))
def test_parse_never_raises_anything_else(text: str) -> None:
    try:
        number = IndividualNumber.parse(text)
    except InvalidIndividualNumber as error:
        digits = "".join(c for c in text if c.isdigit())
        if len(digits) >= 12:
            assert digits not in str(error)
    else:
        assert len(number.value) == 12
