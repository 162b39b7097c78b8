"""The control channel: the server in this process, the typed client, a fake vpcd."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from cryptography import x509

from madoguchi.smartcard.virtual.client import (
    RetryCounters,
    VirtualCardControl,
    VirtualCardControlError,
)
from madoguchi.smartcard.virtual.control import CardService, ControlServer
from madoguchi.smartcard.virtual.faults import CardFaults
from madoguchi.smartcard.virtual.mynumber import MYNUMBER_ATR, PLAIN_ATR
from madoguchi.smartcard.virtual.profile import sample_profile
from madoguchi.smartcard.virtual.vicc import POWER_ON, VirtualCardSlot
from tests.smartcard.virtual.apdus import (
    RETRY_QUERY,
    SELECT_JPKI_AP,
    SELECT_TEXT_AP,
    read_binary,
    select_ef,
    verify,
)
from tests.smartcard.virtual.fake_vpcd import FakeVpcd

PROFILE = sample_profile()
SECOND = replace(PROFILE, individual_number="621498320257", name="見本　太郎", sex="1")


@pytest.fixture
def service(vpcd: FakeVpcd, pki_dir: Path) -> Iterator[CardService]:
    """The control service over a slot that talks to the fake vpcd."""
    slot = VirtualCardSlot("127.0.0.1", vpcd.port, connect_timeout=2.0, swap_delay=0.0)
    slot.power_on_timeout = 0.0
    yield CardService(slot, [PROFILE, SECOND], pki_dir)
    slot.remove()


@pytest.fixture
def control(service: CardService, tmp_path: Path) -> Iterator[VirtualCardControl]:
    """A client of a control server running on a thread of this process."""
    server = ControlServer(tmp_path / "ctl.sock", service)
    thread = server.serve_in_thread()
    yield VirtualCardControl(tmp_path / "ctl.sock", timeout=30.0)
    server.shutdown()
    thread.join(timeout=5.0)
    server.close()


def powered(vpcd: FakeVpcd) -> FakeVpcd:
    """Accept the inserted card and power it as pcscd does."""
    vpcd.accept()
    vpcd.control(POWER_ON)
    return vpcd


def test_insert_status_remove(control: VirtualCardControl, vpcd: FakeVpcd) -> None:
    assert not control.status().inserted
    status = control.insert(1)
    assert (status.inserted, status.profile, status.ca, status.mode) == (
        True,
        1,
        "trusted",
        "mynumber",
    )
    assert status.faults == CardFaults()
    assert powered(vpcd).atr() == MYNUMBER_ATR
    assert not control.remove().inserted
    assert vpcd.card_gone()


def test_a_profile_object_can_be_inserted(control: VirtualCardControl, vpcd: FakeVpcd) -> None:
    assert control.insert(SECOND).profile is None
    powered(vpcd)
    for command in (SELECT_TEXT_AP, select_ef(0x0014), verify(SECOND.individual_number)):
        assert vpcd.transmit(command) == b"\x90\x00"


def test_counters(control: VirtualCardControl, vpcd: FakeVpcd) -> None:
    control.insert(0)
    assert control.counters() == RetryCounters(text_pin=3, auth_pin=3, sign_password=5)
    assert control.set_counters(text_pin=1, sign_password=0) == RetryCounters(1, 3, 0)
    powered(vpcd)
    vpcd.transmit(SELECT_TEXT_AP)
    vpcd.transmit(select_ef(0x0011))
    assert vpcd.transmit(RETRY_QUERY) == b"\x63\xc1"
    with pytest.raises(VirtualCardControlError, match="between 0 and 3"):
        control.set_counters(auth_pin=9)


def test_reinsert_keeps_the_counters_and_insert_does_not(
    control: VirtualCardControl, vpcd: FakeVpcd
) -> None:
    control.insert(0)
    control.set_counters(text_pin=0)
    control.remove()
    assert control.reinsert().inserted
    assert control.counters().text_pin == 0
    control.insert(0)
    assert control.counters().text_pin == 3


def test_faults(control: VirtualCardControl, vpcd: FakeVpcd) -> None:
    status = control.insert(0, faults=CardFaults(malformed_ef0002="wrong_tag"))
    assert status.faults == CardFaults(malformed_ef0002="wrong_tag")
    powered(vpcd)
    for command in (SELECT_TEXT_AP, select_ef(0x0011), verify(PROFILE.text_pin), select_ef(2)):
        vpcd.transmit(command)
    assert vpcd.transmit(read_binary(0, 2)) == b"\xff\x21\x90\x00"
    assert control.set_faults(CardFaults(remove_after_apdus=1)).remove_after_apdus == 1
    assert vpcd.transmit(read_binary(0, 2)) is None
    assert not control.status().inserted
    with pytest.raises(VirtualCardControlError, match="no card is inserted"):
        control.set_faults(CardFaults())


def test_apdu_count_and_log(control: VirtualCardControl, vpcd: FakeVpcd) -> None:
    control.insert(0)
    powered(vpcd)
    vpcd.transmit(SELECT_TEXT_AP)
    vpcd.transmit(select_ef(0x0011))
    vpcd.transmit(verify(PROFILE.text_pin))
    assert control.apdu_count() == 3
    log = control.apdu_log()
    assert [(entry.header.hex(), entry.status) for entry in log][-1] == ("00200080", 0x9000)
    control.reset_apdu_count()
    assert control.apdu_count() == 0
    assert control.apdu_log() == []


def test_trust_roots_and_the_other_authority(
    control: VirtualCardControl, vpcd: FakeVpcd, service: CardService
) -> None:
    trusted = control.trust_root()
    assert trusted == service.authority("trusted").auth_root_path
    assert control.sign_root() == service.authority("trusted").sign_root_path
    other = x509.load_pem_x509_certificate(control.trust_root("other").read_bytes())
    control.insert(0, ca="other")
    powered(vpcd)
    vpcd.transmit(SELECT_JPKI_AP)
    vpcd.transmit(select_ef(0x000B))
    head = vpcd.transmit(read_binary(0, 4))
    assert head is not None
    size = int.from_bytes(head[2:4], "big") + 4
    data = b""
    while len(data) < size:
        chunk = vpcd.transmit(read_binary(len(data), min(256, size - len(data))))
        assert chunk is not None
        data += chunk[:-2]
    assert x509.load_der_x509_certificate(data) == other


def test_plain_card(control: VirtualCardControl, vpcd: FakeVpcd) -> None:
    assert control.insert(0, mode="plain").mode == "plain"
    assert powered(vpcd).atr() == PLAIN_ATR
    assert vpcd.transmit(SELECT_TEXT_AP) == b"\x6a\x82"
    with pytest.raises(VirtualCardControlError, match="not a My Number card"):
        control.counters()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"cmd": "insert", "profile": 7}, "no profile 7"),
        ({"cmd": "insert", "profile": True}, "index or a profile object"),
        ({"cmd": "insert", "ca": "j-lis"}, "ca must be"),
        ({"cmd": "insert", "mode": "felica"}, "mode must be"),
        ({"cmd": "insert", "faults": {"explode": True}}, "unknown faults"),
        ({"cmd": "insert", "faults": {"remove_after_apdus": 0}}, "positive integer"),
        ({"cmd": "counters"}, "no card has been inserted"),
        ({"cmd": "reinsert"}, "no card has been inserted"),
        ({"cmd": "fly"}, "unknown command"),
    ],
)
def test_refused_requests(
    control: VirtualCardControl, fields: dict[str, object], message: str
) -> None:
    command = str(fields.pop("cmd"))
    with pytest.raises(VirtualCardControlError, match=message):
        control.request(command, **fields)


def test_a_refused_profile_does_not_echo_its_pins(control: VirtualCardControl) -> None:
    profile = {**PROFILE.to_json(), "sign_password": "bad-pass-1234", "text_pin": "98765"}
    with pytest.raises(VirtualCardControlError) as refused:
        control.request("insert", profile=profile)
    assert "98765" not in str(refused.value)
    assert "bad-pass-1234" not in str(refused.value)


def test_lines_that_are_not_requests(control: VirtualCardControl) -> None:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        connection.settimeout(5.0)
        connection.connect(str(control.path))
        connection.sendall(b'{not json\n{"nocmd": 1}\n')
        with connection.makefile("rb") as answers:
            first, second = json.loads(answers.readline()), json.loads(answers.readline())
    assert first == {"ok": False, "error": "not a JSON line"}
    assert second["ok"] is False and '"cmd"' in second["error"]


def test_shutdown_asks_the_program_to_stop(
    control: VirtualCardControl, service: CardService
) -> None:
    control.shutdown()
    assert service.stop_requested.is_set()


def test_an_absent_program_is_an_error(tmp_path: Path) -> None:
    missing = VirtualCardControl(tmp_path / "missing.sock", timeout=1.0)
    with pytest.raises(VirtualCardControlError, match=r"missing\.sock"):
        missing.status()
    with pytest.raises(VirtualCardControlError):
        missing.wait_ready(timeout=0.1)
