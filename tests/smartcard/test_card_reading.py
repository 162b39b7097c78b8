"""Reading the card through real pcscd + vpcd + the virtual card (R-CARD-2, R-CARD-3, R-CARD-5).

Every test puts a fresh card in the reader with the card program's control channel and reads it
with the production code; assertions about counters are made on the card itself.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import threading

import pytest

from madoguchi.smartcard.errors import (
    CardBlocked,
    CardRemoved,
    MalformedCardData,
    NoCard,
    NotMyNumberCard,
    PinLastTry,
    WrongPin,
)
from madoguchi.smartcard.pin import PinFormatError
from madoguchi.smartcard.session import CardSession
from madoguchi.smartcard.virtual.faults import CardFaults
from madoguchi.smartcard.virtual.profile import CardProfile
from tests.helpers.log_scan import register_secret

WRONG_PIN = "0000"


@pytest.fixture
def holder(card) -> dict[str, object]:
    profile = card.profile_of(0)
    register_secret(str(profile["text_pin"]))
    register_secret(str(profile["auth_pin"]))
    return profile


def read(pin: str):
    with CardSession.open(timeout=5) as session:
        session.text_pin_tries()
        return session.read_face(pin)


def test_right_pin_reads_the_exact_number_and_four_items(card, holder) -> None:
    card.insert(0)
    face = read(str(holder["text_pin"]))
    assert face.individual_number == holder["individual_number"]
    four = face.basic_four
    assert four.name == holder["name"]
    assert four.address == holder["address"]
    assert four.birth_date == dt.datetime.strptime(str(holder["birth_date"]), "%Y%m%d").date()
    assert four.sex == {"1": "male", "2": "female"}[str(holder["sex"])]
    assert card.control.counters().text_pin == 3


def test_full_read_uses_eight_apdus(card, holder) -> None:
    card.insert(0)
    card.control.reset_apdu_count()
    with CardSession.open(timeout=5) as session:
        session.text_pin_tries()
        session.read_face(str(holder["text_pin"]))
        assert session.apdu_count == 8
    assert card.control.apdu_count() == 8


def test_wrong_pin_reports_tries_left_and_the_counter_drops_by_one(card, holder) -> None:
    card.insert(0)
    with pytest.raises(WrongPin) as raised:
        read(WRONG_PIN)
    assert raised.value.tries_left == 2
    assert "残り 2 回" in str(raised.value)
    assert card.control.counters().text_pin == 2


def test_right_pin_restores_the_counter(card, holder) -> None:
    card.insert(0)
    card.control.set_counters(text_pin=2)
    read(str(holder["text_pin"]))
    assert card.control.counters().text_pin == 3


def test_with_one_try_left_the_pin_is_not_sent(card, holder) -> None:
    card.insert(0)
    card.control.set_counters(text_pin=1)
    card.control.reset_apdu_count()
    with pytest.raises(PinLastTry) as raised:
        read(str(holder["text_pin"]))
    assert "窓口" in str(raised.value)
    assert card.control.counters().text_pin == 1
    # No VERIFY with data reached the card: only the counter query (00 20 00 80, no Lc).
    verifies = [e for e in card.control.apdu_log() if e.header[1] == 0x20]
    assert len(verifies) == 1


def test_the_wrong_pin_that_leaves_one_try_then_stops(card, holder) -> None:
    card.insert(0)
    card.control.set_counters(text_pin=2)
    with pytest.raises(WrongPin) as raised:
        read(WRONG_PIN)
    assert raised.value.tries_left == 1
    with pytest.raises(PinLastTry):
        read(str(holder["text_pin"]))
    assert card.control.counters().text_pin == 1


def test_blocked_card_is_reported(card, holder) -> None:
    card.insert(0)
    card.control.set_counters(text_pin=0)
    with pytest.raises(CardBlocked) as raised:
        read(str(holder["text_pin"]))
    assert "ロック" in str(raised.value)
    assert card.control.counters().text_pin == 0


def test_malformed_pin_is_refused_before_the_card(card, holder) -> None:
    card.insert(0)
    with pytest.raises(PinFormatError):
        read("12a4")
    assert card.control.counters().text_pin == 3


def test_pulling_the_card_mid_read_gives_a_clear_error_and_no_data(card, holder) -> None:
    # SELECT AP, SELECT PIN, query, VERIFY, SELECT 0001, READ, SELECT 0002 | READ is never answered.
    card.insert(0, faults=CardFaults(remove_after_apdus=8))
    result: list[object] = []
    with pytest.raises(CardRemoved) as raised:
        result.append(read(str(holder["text_pin"])))
    assert result == []
    assert "外されました" in str(raised.value)


def test_a_card_without_the_my_number_applications_is_reported(card) -> None:
    card.insert(0, mode="plain")
    with pytest.raises(NotMyNumberCard):
        read("1234")


@pytest.mark.parametrize("kind", ["overrun", "wrong_tag", "bad_utf8"])
def test_malformed_basic_four_file_is_rejected(card, holder, kind: str) -> None:
    card.insert(0, faults=CardFaults(malformed_ef0002=kind))  # type: ignore[arg-type]
    with pytest.raises(MalformedCardData):
        read(str(holder["text_pin"]))


def test_long_address_is_read_across_several_reads(card) -> None:
    address = "架空県みどり市新町二丁目１６番３号　" + "サンハイム栄" * 16
    profile = CardProfile(
        individual_number="123456789018",
        name="試験　花子",
        address=address,
        birth_date="19800217",
        sex="2",
        text_pin="4821",
        auth_pin="7305",
        sign_password="MADOGUCHI26",
    )
    card.insert(profile)
    face = read("4821")
    assert face.basic_four.address == address


def test_resend_after_6cxx_and_get_response_after_61xx(card, holder) -> None:
    card.insert(0, faults=CardFaults(resend_6c=True, respond_61xx=True))
    face = read(str(holder["text_pin"]))
    assert face.individual_number == holder["individual_number"]


def test_no_card_in_time(card) -> None:
    with pytest.raises(NoCard):
        CardSession.open(timeout=0.5)


def test_waiting_session_sees_a_card_inserted_later(card, holder) -> None:
    timer = threading.Timer(0.5, lambda: card.insert(0))
    timer.start()
    try:
        face = read(str(holder["text_pin"]))
    finally:
        timer.join()
    assert face.basic_four.name == holder["name"]


def test_without_pcscd_the_message_says_so(tmp_path) -> None:
    code = (
        "from madoguchi.smartcard.session import CardSession\n"
        "from madoguchi.smartcard.errors import NoPcscService\n"
        "try:\n    CardSession.open(timeout=1)\n"
        "except NoPcscService as e:\n    print(e)\n"
    )
    env = dict(os.environ, PCSCLITE_CSOCK_NAME=str(tmp_path / "no-such-pcscd.comm"))
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert "pcscd" in done.stdout and "動いていません" in done.stdout, done.stderr


def test_the_pin_is_in_no_log_of_the_card_stack(card, holder, caplog) -> None:
    """Our log records, pcscd's log and the card program's log never hold the PIN."""
    import logging

    caplog.set_level(logging.DEBUG)
    card.insert(0)
    pin = str(holder["text_pin"])
    with pytest.raises(WrongPin):
        read("0000")
    face = read(pin)
    spelled = {pin, pin.encode().hex(), pin.encode().hex(" "), pin.encode().hex(" ").upper()}
    logs = [card.pcscd.log_path, card.card_process.log_path]
    texts = [path.read_text(errors="replace") for path in logs] + [caplog.text]
    for text in texts:
        for form in spelled:
            assert form not in text
        assert face.individual_number not in text
