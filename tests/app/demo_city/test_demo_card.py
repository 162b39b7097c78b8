"""`make run`'s card: the demo starts a private pcscd + vpcd + the virtual card, and the card in
the reader is a demo-city resident's, readable with the published demo PIN and matching the
register. Run in a subprocess: it points PC/SC at its own pcscd, which a process can do once.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
from pathlib import Path

from madoguchi.app.demo_city.__main__ import main as build_demo

SCRIPT = r"""
import json, sys
from pathlib import Path
from madoguchi.app.demo_city.cards import DEMO_AUTH_PIN, DEMO_TEXT_PIN, DemoCardReader
from madoguchi.app.services.identity_check import compare_card
from madoguchi.smartcard.genuineness import load_trust_roots
from madoguchi.smartcard.session import CardSession
from madoguchi.storage import register
from madoguchi.storage.store import LocalStore
import datetime as dt

store = LocalStore.open_with_key(Path(sys.argv[1]), sys.argv[2])
reader = DemoCardReader(store, Path(sys.argv[3]))
reader.start()
try:
    with CardSession.open(timeout=10) as session:
        session.text_pin_tries()
        face = session.read_face(DEMO_TEXT_PIN)
        session.auth_pin_tries()
        genuine = session.prove_genuine(
            DEMO_AUTH_PIN, trust_roots=load_trust_roots([reader.trust_root]),
            at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
    with store.transaction() as s:
        comparison = compare_card(face, register.load_person(s, reader.holders[0]))
    print(json.dumps({
        "holders": len(reader.holders),
        "agreements": [item.agreement.value for item in comparison.items],
        "number": comparison.individual_number_agreement.value,
        "genuine": genuine.genuine,
    }))
finally:
    reader.stop()
    store.close()
"""


def test_demo_card_is_a_residents_card_behind_a_private_pcscd(tmp_path: Path) -> None:
    key = secrets.token_hex(32)
    path = tmp_path / "demo.db"
    assert build_demo(["--persons", "300", "--out", str(path), "--key", key]) == 0
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(path), key, str(tmp_path / "card")],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result == {
        "holders": 12,
        "agreements": ["same", "same", "same", "same"],
        "number": "same",
        "genuine": True,
    }
