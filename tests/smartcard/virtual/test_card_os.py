"""The card OS, APDU in and response out, against MYNUMBER_CARD.md §1."""

from __future__ import annotations

import pytest

from madoguchi.smartcard.virtual.card import CardPulled, VirtualCard
from madoguchi.smartcard.virtual.faults import CardFaults
from madoguchi.smartcard.virtual.mynumber import (
    MYNUMBER_ATR,
    MYNUMBER_NEW_ATR,
    PLAIN_ATR,
    MyNumberCard,
    build_card,
)
from madoguchi.smartcard.virtual.pki import TestCA
from madoguchi.smartcard.virtual.profile import sample_profile
from tests.smartcard.virtual.apdus import (
    RETRY_QUERY,
    SELECT_JPKI_AP,
    SELECT_TEXT_AP,
    read_binary,
    run,
    select_ef,
    sw,
    verify,
)

PROFILE = sample_profile()
EF0001 = b"\xff\x10\x0c" + PROFILE.individual_number.encode() + b"\xff\xff"


def test_the_documented_text_ap_sequence(card: MyNumberCard) -> None:
    responses = run(
        card,
        SELECT_TEXT_AP,
        select_ef(0x0011),
        RETRY_QUERY,
        verify(PROFILE.text_pin),
        select_ef(0x0001),
        read_binary(0, 0x11),
    )
    assert [sw(r) for r in responses] == ["9000", "9000", "63C3", "9000", "9000", "9000"]
    assert responses[-1][:-2] == EF0001


def test_protected_files_answer_6982_before_verify(card: MyNumberCard) -> None:
    responses = run(card, SELECT_TEXT_AP, select_ef(0x0001), read_binary(0, 0x11))
    assert sw(responses[-1]) == "6982"
    responses = run(card, select_ef(0x0002), read_binary(0, 7))
    assert sw(responses[-1]) == "6982"


def test_wrong_pins_count_down_then_block(card: MyNumberCard) -> None:
    run(card, SELECT_TEXT_AP, select_ef(0x0011))
    answers = [sw(card.transmit(verify("0000"))) for _ in range(3)]
    assert answers == ["63C2", "63C1", "63C0"]
    assert sw(card.transmit(verify(PROFILE.text_pin))) == "6984"
    assert sw(card.transmit(RETRY_QUERY)) == "63C0"
    assert card.counters()["text_pin"] == 0
    assert sw(run(card, select_ef(0x0001), read_binary(0, 0x11))[-1]) == "6982"


def test_the_retry_query_consumes_nothing(card: MyNumberCard) -> None:
    run(card, SELECT_TEXT_AP, select_ef(0x0011), verify("9999"))
    assert [sw(card.transmit(RETRY_QUERY)) for _ in range(5)] == ["63C2"] * 5


def test_success_restores_the_full_count(card: MyNumberCard) -> None:
    run(card, SELECT_TEXT_AP, select_ef(0x0011), verify("9999"), verify("9998"))
    assert sw(card.transmit(verify(PROFILE.text_pin))) == "9000"
    assert sw(card.transmit(RETRY_QUERY)) == "63C3"


def test_power_off_and_reset_clear_the_verified_state(card: MyNumberCard) -> None:
    for lose_session in (card.power_off, card.reset):
        run(card, SELECT_TEXT_AP, select_ef(0x0011), verify(PROFILE.text_pin))
        lose_session()
        responses = run(card, SELECT_TEXT_AP, select_ef(0x0001), read_binary(0, 0x11))
        assert sw(responses[-1]) == "6982"


def test_selecting_another_ap_clears_the_verified_state(card: MyNumberCard) -> None:
    run(card, SELECT_TEXT_AP, select_ef(0x0011), verify(PROFILE.text_pin))
    assert sw(run(card, SELECT_TEXT_AP, select_ef(0x0001), read_binary(0, 0x11))[-1]) == "9000"
    run(card, SELECT_JPKI_AP, SELECT_TEXT_AP)
    assert sw(run(card, select_ef(0x0001), read_binary(0, 0x11))[-1]) == "6982"


def test_verify_and_read_by_short_file_identifier(card: MyNumberCard) -> None:
    data = PROFILE.text_pin.encode()
    responses = run(
        card,
        SELECT_TEXT_AP,
        bytes([0x00, 0x20, 0x00, 0x80 | 0x11, len(data)]) + data,
        bytes([0x00, 0xB0, 0x80 | 0x01, 0x00, 0x11]),
    )
    assert [sw(r) for r in responses] == ["9000", "9000", "9000"]
    assert responses[-1][:-2] == EF0001


def test_read_binary_edges(card: MyNumberCard) -> None:
    run(card, SELECT_TEXT_AP, select_ef(0x0011), verify(PROFILE.text_pin), select_ef(0x0001))
    past_end = card.transmit(read_binary(0x10, 0x20))
    assert past_end == b"\xff\x90\x00"  # what is left, with 9000
    assert sw(card.transmit(read_binary(0x11, 1))) == "6B00"
    assert sw(card.transmit(read_binary(0x7FFF, 1))) == "6B00"
    assert sw(card.transmit(bytes.fromhex("00B00000"))) == "6700"
    content = card.applications[bytes.fromhex("D3921000310001010408")].files[2].content
    run(card, select_ef(0x0002))
    assert card.transmit(read_binary(0, 0))[:-2] == content[:256]


@pytest.mark.parametrize(
    ("command", "status"),
    [
        (b"\x00\xa4\x04\x0c\x05\xd3\x92\x10\x00\x31", "6A82"),  # unknown (partial) AID
        (select_ef(0x0099), "6A82"),  # no application selected yet
        (bytes.fromhex("00A4080C023F00"), "6A86"),
        (bytes.fromhex("00A40401023F00"), "6A86"),
        (bytes.fromhex("0084000008"), "6D00"),  # GET CHALLENGE is not emulated
        (bytes.fromhex("A0A4040C"), "6E00"),
        (bytes.fromhex("00A4040C0AD392"), "6700"),  # Lc says 10, 2 bytes follow
        (bytes.fromhex("00A40C"), "6700"),
        (bytes.fromhex("00B0000011"), "6986"),  # nothing selected
        (bytes.fromhex("00200080"), "6986"),  # no current key EF
        (bytes.fromhex("00C0000010"), "6985"),  # nothing to get
        (bytes.fromhex("00CA5F5100"), "9000"),
        (bytes.fromhex("00CA010100"), "6A88"),
        (bytes.fromhex("00A4000C023F00"), "9000"),  # the MF
    ],
)
def test_status_words_for_bad_commands(card: MyNumberCard, command: bytes, status: str) -> None:
    assert sw(card.transmit(command)) == status


def test_unknown_ef_and_p1p2_within_an_ap(card: MyNumberCard) -> None:
    run(card, SELECT_TEXT_AP)
    assert sw(card.transmit(select_ef(0x0099))) == "6A82"
    assert sw(card.transmit(bytes.fromhex("00200180"))) == "6A86"
    assert sw(card.transmit(bytes.fromhex("00200081"))) == "6A88"  # no key EF with SFI 1
    assert sw(card.transmit(bytes.fromhex("0020000004"))) == "6A86"


def test_get_data_returns_the_atr_without_ts(card: MyNumberCard) -> None:
    assert card.transmit(bytes.fromhex("00CA5F5100"))[:-2] == MYNUMBER_ATR[1:]


def test_verification_codes_open_one_file_each(card: MyNumberCard) -> None:
    run(card, SELECT_TEXT_AP, select_ef(0x0014), verify(PROFILE.individual_number))
    assert sw(run(card, select_ef(0x0001), read_binary(0, 0x11))[-1]) == "9000"
    assert sw(run(card, select_ef(0x0002), read_binary(0, 7))[-1]) == "6982"
    card.power_off()
    run(card, SELECT_TEXT_AP, select_ef(0x0015), verify("55021720352285"))
    assert sw(run(card, select_ef(0x0002), read_binary(0, 7))[-1]) == "9000"
    assert sw(run(card, select_ef(0x0001), read_binary(0, 0x11))[-1]) == "6982"
    assert sw(run(card, select_ef(0x0003), read_binary(0, 4))[-1]) == "9000"


def test_free_files_of_the_text_ap(card: MyNumberCard) -> None:
    run(card, SELECT_TEXT_AP)
    assert sw(run(card, select_ef(0x0004), read_binary(0, 4))[-1]) == "9000"
    assert run(card, select_ef(0x0005), read_binary(0, 0))[-1][:2] == b"\xff\x40"


def test_the_apdu_log_holds_headers_only(card: MyNumberCard) -> None:
    run(card, SELECT_TEXT_AP, select_ef(0x0011), verify(PROFILE.text_pin))
    assert card.apdu_count == 3
    assert [(e.header.hex(), e.status) for e in card.apdu_log] == [
        ("00a4040c", 0x9000),
        ("00a4020c", 0x9000),
        ("00200080", 0x9000),
    ]
    assert all(PROFILE.text_pin.encode() not in e.header for e in card.apdu_log)
    card.reset_apdu_count()
    assert card.apdu_count == 0
    assert not card.apdu_log


def test_the_card_is_pulled_on_the_nth_command(card: MyNumberCard) -> None:
    card.set_faults(CardFaults(remove_after_apdus=2))
    assert sw(card.transmit(SELECT_TEXT_AP)) == "9000"
    with pytest.raises(CardPulled):
        card.transmit(select_ef(0x0011))
    assert card.apdu_log[-1].status is None


def test_resend_6c_fault(card: MyNumberCard) -> None:
    card.set_faults(CardFaults(resend_6c=True))
    run(card, SELECT_TEXT_AP, select_ef(0x0011), verify(PROFILE.text_pin), select_ef(0x0001))
    assert sw(card.transmit(read_binary(0, 0))) == "6C11"
    assert card.transmit(read_binary(0, 0x11))[:-2] == EF0001


def test_respond_61xx_fault_and_get_response(card: MyNumberCard) -> None:
    card.set_faults(CardFaults(respond_61xx=True))
    run(card, SELECT_TEXT_AP, select_ef(0x0011), verify(PROFILE.text_pin), select_ef(0x0001))
    assert sw(card.transmit(read_binary(0, 0x11))) == "6111"
    first = card.transmit(bytes.fromhex("00C0000010"))
    assert (first[:-2], sw(first)) == (EF0001[:16], "6101")
    assert card.transmit(bytes.fromhex("00C0000001")) == EF0001[16:] + b"\x90\x00"
    assert sw(card.transmit(bytes.fromhex("00C0000001"))) == "6985"


def test_any_other_command_drops_a_pending_response(card: MyNumberCard) -> None:
    card.set_faults(CardFaults(respond_61xx=True))
    run(card, SELECT_TEXT_AP, select_ef(0x0005), read_binary(0, 4), select_ef(0x0005))
    assert sw(card.transmit(bytes.fromhex("00C0000004"))) == "6985"


def test_malformed_ef0002_fault_is_switched_at_runtime(card: MyNumberCard) -> None:
    run(card, SELECT_TEXT_AP, select_ef(0x0011), verify(PROFILE.text_pin), select_ef(0x0002))
    assert card.transmit(read_binary(0, 2))[:2] == b"\xff\x20"
    card.set_faults(CardFaults(malformed_ef0002="wrong_tag"))
    assert card.transmit(read_binary(0, 2))[:2] == b"\xff\x21"
    card.set_faults(CardFaults())
    assert card.transmit(read_binary(0, 2))[:2] == b"\xff\x20"


def test_counters_can_be_read_and_set(card: MyNumberCard) -> None:
    assert card.counters() == {"text_pin": 3, "auth_pin": 3, "sign_password": 5}
    card.set_counters({"auth_pin": 1, "sign_password": 0})
    assert card.counters() == {"text_pin": 3, "auth_pin": 1, "sign_password": 0}
    with pytest.raises(ValueError, match="between 0 and 3"):
        card.set_counters({"text_pin": 4})
    with pytest.raises(ValueError, match="unknown counter"):
        card.set_counters({"pin": 1})
    assert card.counters()["text_pin"] == 3


def test_new_atr_and_plain_cards(authority: TestCA) -> None:
    assert build_card(PROFILE, authority, "mynumber_new_atr").atr == MYNUMBER_NEW_ATR
    plain = build_card(PROFILE, authority, "plain")
    assert type(plain) is VirtualCard
    assert plain.atr == PLAIN_ATR
    check = 0
    for byte in PLAIN_ATR[1:]:
        check ^= byte
    assert check == 0  # a valid TCK, or pcscd would reject the ATR
    assert [sw(r) for r in run(plain, SELECT_TEXT_AP, SELECT_JPKI_AP)] == ["6A82", "6A82"]
