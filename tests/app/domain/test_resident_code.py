"""Tests for the 住民票コード value type."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from madoguchi.app.domain.resident_code import (
    MASK,
    InvalidResidentCode,
    ResidentCode,
    check_digit,
)


def reference_check_digit(body: str) -> str:
    """The formula as the 告示 states it: weights n+1 / n-5 from the lowest digit."""
    total = 0
    for n, digit in enumerate(reversed(body), start=1):
        q = n + 1 if n <= 6 else n - 5
        total += int(digit) * q
    remainder = total % 11
    return "0" if remainder <= 1 else str(11 - remainder)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("2472705960", "8"),  # published sample 24727059608
        ("0000000000", "0"),
        ("0000000001", "9"),  # 1×2 = 2 → 11 - 2
        ("1000000000", "6"),  # 1×5 = 5 → 11 - 5
        ("0000100000", "4"),  # 1×7 = 7 → 11 - 7 (sixth digit from the right)
        ("0001000000", "9"),  # seventh digit from the right has weight 2 again
    ],
)
def test_check_digit_examples(body: str, expected: str) -> None:
    assert check_digit(body) == expected


def test_remainders_zero_and_one_give_zero() -> None:
    # 0000000006: 6×2 = 12 → remainder 1; 0000000000: remainder 0.
    assert check_digit("0000000006") == "0"
    assert check_digit("0000000000") == "0"


@given(st.text(alphabet="0123456789", min_size=10, max_size=10))
def test_check_digit_matches_the_published_formula(body: str) -> None:
    assert check_digit(body) == reference_check_digit(body)


def test_parse_and_mask() -> None:
    code = ResidentCode.parse("２４７２７ ０５９６０８")
    assert code.value == "24727059608"
    assert code.masked() == MASK == "●●●●●●●●●●●"
    assert "24727059608" not in repr(code)
    assert str(code) == MASK
    assert code.formatted() == "24727059608"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "入力されていません"),
        ("2472705960", "桁数"),
        ("2472705960X", "数字以外"),
        ("24727059609", "検査数字"),
    ],
)
def test_invalid_input(text: str, fragment: str) -> None:
    with pytest.raises(InvalidResidentCode, match=fragment) as info:
        ResidentCode.parse(text)
    assert "24727059609" not in str(info.value)
    assert isinstance(info.value, ValueError)


def test_direct_construction_is_validated() -> None:
    with pytest.raises(InvalidResidentCode):
        ResidentCode("24727059609")
    assert ResidentCode.is_valid("24727059608")
    assert not ResidentCode.is_valid("24727059609")


@given(st.integers(min_value=0, max_value=2**32))
def test_generated_codes_round_trip(seed: int) -> None:
    code = ResidentCode.generate(random.Random(seed))
    assert len(code.value) == 11
    assert ResidentCode.parse(code.value) == code
    assert code == ResidentCode.generate(random.Random(seed))


@given(st.integers(min_value=0, max_value=2**32), st.integers(min_value=1, max_value=9))
def test_changed_check_digit_is_rejected(seed: int, delta: int) -> None:
    value = ResidentCode.generate(random.Random(seed)).value
    with pytest.raises(InvalidResidentCode):
        ResidentCode.parse(value[:-1] + str((int(value[-1]) + delta) % 10))
