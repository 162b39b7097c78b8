"""``python -m madoguchi.smartcard``: the diagnostics command, its JSON and exit statuses."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from madoguchi.smartcard.virtual.faults import CardFaults
from tests.helpers.log_scan import register_secret


def run(*args: str, stdin: str = "", env: dict[str, str] | None = None):
    return subprocess.run(
        [sys.executable, "-m", "madoguchi.smartcard", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


@pytest.fixture
def pins(card) -> tuple[str, str]:
    profile = card.profile_of(0)
    text, auth = str(profile["text_pin"]), str(profile["auth_pin"])
    register_secret(text)
    register_secret(auth)
    return text, auth


def test_check_lists_readers_and_the_card_state(card) -> None:
    card.insert(0)
    done = run("check")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    states = {r["name"]: r for r in report["readers"]}
    assert states["Virtual PCD 00 00"]["card"] == "present"
    assert states["Virtual PCD 00 00"]["my_number_card"] is True
    assert states["Virtual PCD 00 00"]["text_pin_tries_left"] == 3
    assert states["Virtual PCD 00 01"]["card"] == "absent"


def test_read_prints_one_json_object_masked(card, pins) -> None:
    card.insert(0)
    profile = card.profile_of(0)
    done = run("read", "--timeout", "5", stdin=pins[0] + "\n")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result == {
        "individual_number": "●●●● ●●●● ●●●●",
        "name": profile["name"],
        "address": profile["address"],
        "birth_date": "{}-{}-{}".format(
            profile["birth_date"][:4], profile["birth_date"][4:6], profile["birth_date"][6:]
        ),
        "sex": {"1": "male", "2": "female"}[profile["sex"]],
        "pin_tries_left": 3,
    }
    assert pins[0] not in done.stdout + done.stderr


def test_read_reveal_shows_the_number(card, pins) -> None:
    card.insert(0)
    done = run("read", "--reveal", "--reader", "Virtual PCD 00 00", stdin=pins[0] + "\n")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["individual_number"] == card.profile_of(0)["individual_number"]


@pytest.mark.parametrize(
    ("setup", "pin", "status", "fragment"),
    [
        ({}, "0000", 2, "残り 2 回"),
        ({"text_pin": 1}, None, 3, "送信しませんでした"),
        ({"text_pin": 0}, None, 4, "ロック"),
    ],
)
def test_pin_failures_exit_with_their_status(card, pins, setup, pin, status, fragment) -> None:
    card.insert(0)
    if setup:
        card.control.set_counters(**setup)
    done = run("read", "--timeout", "5", stdin=(pin or pins[0]) + "\n")
    assert done.returncode == status
    assert done.stdout == ""
    assert fragment in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_not_a_my_number_card_exits_5(card) -> None:
    card.insert(0, mode="plain")
    done = run("read", "--timeout", "5", stdin="1234\n")
    assert (done.returncode, done.stdout) == (5, "")
    assert "マイナンバーカードではありません" in done.stderr


def test_card_removed_mid_read_exits_7_with_nothing_printed(card, pins) -> None:
    card.insert(0, faults=CardFaults(remove_after_apdus=6))
    done = run("read", "--timeout", "5", stdin=pins[0] + "\n")
    assert (done.returncode, done.stdout) == (7, "")
    assert "外されました" in done.stderr


def test_no_pcscd_exits_6(tmp_path) -> None:
    env = dict(os.environ, PCSCLITE_CSOCK_NAME=str(tmp_path / "absent.comm"))
    done = run("read", stdin="1234\n", env=env)
    assert (done.returncode, done.stdout) == (6, "")
    assert "pcscd" in done.stderr


def test_unknown_reader_exits_6(card) -> None:
    done = run("read", "--reader", "No Such Reader", stdin="1234\n")
    assert (done.returncode, done.stdout) == (6, "")


def test_verify_reports_a_genuine_card(card, pins) -> None:
    card.insert(0)
    root = card.control.trust_root("trusted")
    done = run("verify", "--trust-root", str(root), stdin=pins[1] + "\n")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["genuine"] is True
    assert result["revocation_checked"] is False
    assert result["certificate_subject"]


def test_verify_reports_a_card_of_another_ca(card, pins) -> None:
    card.insert(0, ca="other")
    root = card.control.trust_root("trusted")
    done = run("verify", "--trust-root", str(root), stdin=pins[1] + "\n")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["genuine"] is False
    assert "信頼するルート" in result["reason"]
