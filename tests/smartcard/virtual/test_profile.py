"""Card profiles: the form of each field, and the JSON they travel in."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from madoguchi.smartcard.virtual.profile import (
    CardProfile,
    InvalidProfile,
    japanese_era,
    load_profiles,
    sample_profile,
)


def test_sample_profile_round_trips_through_json(tmp_path: Path) -> None:
    profile = sample_profile()
    path = tmp_path / "profiles.json"
    path.write_text(json.dumps([profile.to_json(), profile.to_json()], ensure_ascii=False))
    assert load_profiles(path) == [profile, profile]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("individual_number", "123456789012", "check digit"),
        ("individual_number", "12345678901", "12 ASCII digits"),
        ("birth_date", "1980-02-17", "YYYYMMDD"),
        ("sex", "3", "sex"),
        ("text_pin", "12345", "text_pin"),
        ("auth_pin", "12a4", "auth_pin"),
        ("sign_password", "short", "sign_password"),
        ("sign_password", "lowercase1", "sign_password"),
        ("security_code", "123", "security_code"),
        ("name", "", "must not be empty"),
        ("sex", 1, "must be a string"),
        ("expiry_year", "2035", "must be an integer"),
    ],
)
def test_invalid_profiles_are_refused(field: str, value: object, message: str) -> None:
    with pytest.raises(InvalidProfile, match=message):
        replace(sample_profile(), **{field: value})  # type: ignore[arg-type]


def test_json_errors() -> None:
    with pytest.raises(InvalidProfile, match="unknown profile keys"):
        CardProfile.from_json({**sample_profile().to_json(), "pin": "1"})
    with pytest.raises(InvalidProfile, match="missing"):
        CardProfile.from_json({"individual_number": "123456789018"})
    with pytest.raises(InvalidProfile, match="JSON object"):
        CardProfile.from_json([])


def test_errors_do_not_echo_the_secrets() -> None:
    with pytest.raises(InvalidProfile) as refused:
        replace(sample_profile(), sign_password="secret-pass")
    assert "secret-pass" not in str(refused.value)


@pytest.mark.parametrize(
    ("date", "era"),
    [
        ("20190501", ("5", 1)),
        ("20190430", ("4", 31)),
        ("19890108", ("4", 1)),
        ("19890107", ("3", 64)),
        ("19800217", ("3", 55)),
        ("19261225", ("3", 1)),
        ("19120730", ("2", 1)),
        ("19000101", ("1", 33)),
    ],
)
def test_japanese_era(date: str, era: tuple[str, int]) -> None:
    assert japanese_era(date) == era
