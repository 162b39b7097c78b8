"""Tests for postal codes, address codes and address formatting."""

from __future__ import annotations

import jaconv
import pytest
from hypothesis import given
from hypothesis import strategies as st

from madoguchi.app.domain.address import (
    AddressCode,
    InvalidAddressCode,
    InvalidPostalCode,
    PostalCode,
    Town,
    format_address,
)

digits7 = st.text(alphabet="0123456789", min_size=7, max_size=7)
digits11 = st.text(alphabet="0123456789", min_size=11, max_size=11)


@pytest.mark.parametrize(
    "text", ["123-4567", "1234567", "〒123-4567", "〒 123-4567", "１２３－４５６７", "123ー4567"]
)
def test_postal_code_parse(text: str) -> None:
    code = PostalCode.parse(text)
    assert code.value == "1234567"
    assert code.formatted() == "123-4567"
    assert str(code) == "123-4567"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "入力されていません"),
        ("123-456", "桁数"),
        ("123-45678", "桁数"),
        ("abc-defg", "数字以外"),
    ],
)
def test_postal_code_invalid(text: str, fragment: str) -> None:
    with pytest.raises(InvalidPostalCode, match=fragment):
        PostalCode.parse(text)


def test_postal_code_direct_construction() -> None:
    with pytest.raises(InvalidPostalCode):
        PostalCode("123-4567")
    assert issubclass(InvalidPostalCode, ValueError)


@given(digits7)
def test_postal_code_round_trip(value: str) -> None:
    code = PostalCode(value)
    assert PostalCode.parse(code.formatted()) == code
    assert PostalCode.parse("〒" + jaconv.h2z(code.formatted(), ascii=True, digit=True)) == code


def test_address_code_parts() -> None:
    code = AddressCode.parse("07201-012-003")
    assert code.value == "07201012003"
    assert (code.prefecture, code.municipality, code.town, code.chome) == (
        "07",
        "07201",
        "012",
        "003",
    )
    assert AddressCode.parse("０７２０１０１２０００").chome == "000"


@pytest.mark.parametrize("text", ["", "0720101200", "072010120001", "07201-012-00X"])
def test_address_code_invalid(text: str) -> None:
    with pytest.raises(InvalidAddressCode, match="11桁"):
        AddressCode.parse(text)
    assert issubclass(InvalidAddressCode, ValueError)


@given(digits11)
def test_address_code_round_trip(value: str) -> None:
    code = AddressCode.parse(value)
    assert code.municipality + code.town + code.chome == value
    assert str(code) == value


def town(chome: str | None = "一丁目") -> Town:
    return Town(
        code=AddressCode("99201012001"),
        prefecture="架空県",
        municipality="みどり市",
        town_name="本町",
        chome=chome,
        kana="ホンマチ",
        postal_code=PostalCode("9990012"),
    )


def test_town_names() -> None:
    assert town().full_name() == "架空県みどり市本町一丁目"
    assert town().name_without_prefecture() == "みどり市本町一丁目"
    assert town(None).full_name() == "架空県みどり市本町"


def test_format_address() -> None:
    assert (
        format_address(town(), "3番12号", "メゾン本町201号")
        == "架空県みどり市本町一丁目3番12号 メゾン本町201号"
    )
    assert format_address(town(), "3番12号") == "架空県みどり市本町一丁目3番12号"
    assert format_address(town(), " 3番12号 ", "  ") == "架空県みどり市本町一丁目3番12号"
    assert format_address(town(None), "45番地") == "架空県みどり市本町45番地"
