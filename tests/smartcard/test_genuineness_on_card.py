"""R-CARD-4 through real pcscd + vpcd: the virtual card signs a fresh challenge."""

from __future__ import annotations

import datetime as dt

import pytest

from madoguchi.smartcard.errors import PinLastTry, WrongPin
from madoguchi.smartcard.genuineness import load_trust_roots
from madoguchi.smartcard.session import CardSession
from madoguchi.smartcard.virtual.faults import CardFaults
from tests.helpers.log_scan import register_secret

NOW = dt.datetime(2026, 11, 1, 3, 0, tzinfo=dt.UTC)


@pytest.fixture
def roots(card):
    return load_trust_roots([card.control.trust_root("trusted")])


@pytest.fixture
def auth_pin(card) -> str:
    pin = str(card.profile_of(0)["auth_pin"])
    register_secret(pin)
    return pin


def genuineness(pin: str, roots):
    with CardSession.open(timeout=5) as session:
        session.auth_pin_tries()
        return session.prove_genuine(pin, trust_roots=roots, at=NOW)


def test_card_of_the_trusted_test_ca_passes(card, roots, auth_pin) -> None:
    card.insert(0)
    result = genuineness(auth_pin, roots)
    assert result.genuine, result.reason
    assert result.revocation_checked is False
    assert result.certificate_subject


def test_card_of_another_ca_fails_with_the_reason(card, roots, auth_pin) -> None:
    card.insert(0, ca="other")
    result = genuineness(auth_pin, roots)
    assert not result.genuine
    assert "信頼するルート" in result.reason


def test_card_whose_signature_does_not_verify_fails(card, roots, auth_pin) -> None:
    card.insert(0, faults=CardFaults(bad_signature=True))
    result = genuineness(auth_pin, roots)
    assert not result.genuine
    assert "署名" in result.reason


def test_each_check_signs_a_fresh_challenge(card, roots, auth_pin) -> None:
    card.insert(0)
    with CardSession.open(timeout=5) as session:
        first = session.prove_genuine(auth_pin, trust_roots=roots, at=NOW)
        second = session.prove_genuine(auth_pin, trust_roots=roots, at=NOW)
    assert first.genuine and second.genuine


def test_wrong_auth_pin_counts_down_and_stops_at_one(card, roots, auth_pin) -> None:
    card.insert(0)
    with pytest.raises(WrongPin) as raised:
        genuineness("0000", roots)
    assert raised.value.tries_left == 2
    card.control.set_counters(auth_pin=1)
    with pytest.raises(PinLastTry):
        genuineness(auth_pin, roots)
    assert card.control.counters().auth_pin == 1
