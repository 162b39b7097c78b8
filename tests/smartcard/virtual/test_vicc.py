"""The vpcd side of the card: framing, control codes, insertion and removal (§3)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from madoguchi.smartcard.virtual.faults import CardFaults
from madoguchi.smartcard.virtual.mynumber import MYNUMBER_ATR, MyNumberCard
from madoguchi.smartcard.virtual.profile import sample_profile
from madoguchi.smartcard.virtual.vicc import (
    POWER_OFF,
    POWER_ON,
    RESET,
    VirtualCardSlot,
    connect_to_vpcd,
    read_exactly,
    read_frame,
    write_frame,
)
from tests.smartcard.virtual.apdus import SELECT_TEXT_AP, read_binary, select_ef, sw, verify
from tests.smartcard.virtual.fake_vpcd import FakeVpcd

PROFILE = sample_profile()


@pytest.fixture
def slot(vpcd: FakeVpcd) -> Iterator[VirtualCardSlot]:
    """A slot talking to the fake vpcd, not waiting for power-on or between cards."""
    reader = VirtualCardSlot("127.0.0.1", vpcd.port, connect_timeout=2.0, swap_delay=0.0)
    reader.power_on_timeout = 0.0
    yield reader
    reader.remove()


def wait_until(condition: object, timeout: float = 5.0) -> None:
    """Poll ``condition()`` until true."""
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_frames_are_read_exactly_across_partial_sends() -> None:
    left, right = socket.socketpair()
    with left, right:
        write_frame(left, b"\x00" * 300)
        assert read_frame(right) == b"\x00" * 300
        left.sendall(b"\x00")
        left.sendall(b"\x03ab")
        left.sendall(b"c")
        assert read_frame(right) == b"abc"
        left.sendall(b"\x00\x05ab")
        left.shutdown(socket.SHUT_WR)
        assert read_frame(right) is None
        assert read_exactly(right, 1) is None
    with pytest.raises(ValueError, match="65535"):
        write_frame(right, b"\x00" * 0x10000)


def test_a_card_answers_atr_and_apdus(
    vpcd: FakeVpcd, slot: VirtualCardSlot, card: MyNumberCard
) -> None:
    slot.insert(card)
    vpcd.accept()
    assert slot.card is card
    vpcd.control(POWER_OFF)
    assert vpcd.atr() == MYNUMBER_ATR
    vpcd.control(POWER_ON)
    response = vpcd.send_in_pieces(SELECT_TEXT_AP)
    assert response is not None and sw(response) == "9000"


@pytest.mark.parametrize("code", [POWER_OFF, RESET])
def test_power_off_and_reset_clear_the_pin_state(
    vpcd: FakeVpcd, slot: VirtualCardSlot, card: MyNumberCard, code: int
) -> None:
    slot.insert(card)
    vpcd.accept()
    vpcd.control(POWER_ON)
    for command in (SELECT_TEXT_AP, select_ef(0x0011), verify(PROFILE.text_pin)):
        assert vpcd.transmit(command) == b"\x90\x00"
    vpcd.control(code)
    vpcd.control(POWER_ON)
    for command in (SELECT_TEXT_AP, select_ef(0x0001)):
        vpcd.transmit(command)
    response = vpcd.transmit(read_binary(0, 0x11))
    assert response is not None and sw(response) == "6982"


def test_insert_waits_until_pcscd_powers_the_card(
    vpcd: FakeVpcd, slot: VirtualCardSlot, card: MyNumberCard
) -> None:
    slot.power_on_timeout = 5.0
    inserting = threading.Thread(target=slot.insert, args=(card,))
    inserting.start()
    vpcd.accept()
    assert vpcd.atr() == MYNUMBER_ATR
    time.sleep(0.1)
    assert inserting.is_alive()
    vpcd.control(POWER_ON)
    inserting.join(timeout=2.0)
    assert not inserting.is_alive()


def test_remove_closes_the_connection(
    vpcd: FakeVpcd, slot: VirtualCardSlot, card: MyNumberCard
) -> None:
    slot.insert(card)
    vpcd.accept()
    slot.remove()
    assert slot.card is None
    assert vpcd.card_gone()
    assert slot.last_card is card


def test_the_pulled_card_closes_without_answering(
    vpcd: FakeVpcd, slot: VirtualCardSlot, card: MyNumberCard
) -> None:
    card.set_faults(CardFaults(remove_after_apdus=2))
    slot.insert(card)
    vpcd.accept()
    vpcd.control(POWER_ON)
    assert vpcd.transmit(SELECT_TEXT_AP) == b"\x90\x00"
    assert vpcd.transmit(select_ef(0x0011)) is None
    wait_until(lambda: slot.card is None)


def test_vpcd_going_away_removes_the_card(
    vpcd: FakeVpcd, slot: VirtualCardSlot, card: MyNumberCard
) -> None:
    slot.insert(card)
    vpcd.accept()
    vpcd.drop()
    wait_until(lambda: slot.card is None)


def test_swapping_cards_leaves_the_reader_empty_for_a_while(
    vpcd: FakeVpcd, slot: VirtualCardSlot, card: MyNumberCard
) -> None:
    slot.swap_delay = 0.3
    slot.insert(card)
    vpcd.accept()
    started = time.monotonic()
    slot.insert(card)
    assert time.monotonic() - started >= 0.3
    vpcd.accept()
    assert vpcd.atr() == MYNUMBER_ATR


def test_connecting_retries_until_vpcd_listens() -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    with pytest.raises(ConnectionError, match="not listening"):
        connect_to_vpcd("127.0.0.1", port, timeout=0.2)
    connected: list[socket.socket] = []
    connecting = threading.Thread(
        target=lambda: connected.append(connect_to_vpcd("127.0.0.1", port, timeout=5.0))
    )
    connecting.start()
    time.sleep(0.3)
    with socket.create_server(("127.0.0.1", port)) as listener:
        connecting.join(timeout=5.0)
        accepted, _ = listener.accept()
        accepted.close()
    assert len(connected) == 1
    connected[0].close()
