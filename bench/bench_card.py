"""The card read against a bare pyscard script sending the same APDUs (REQUIREMENTS §12).

    .venv/bin/python bench/bench_card.py [--rounds 30]

Starts a private pcscd with the vpcd reader and the virtual card (as root: in its own network
and mount namespace), then, alternating round by round so drift hits both alike:

* the product: ``CardSession.open`` → ``text_pin_tries`` → ``read_face`` (select, retry query,
  VERIFY, EF 0001, EF 0002 — with parsing, check digit and every validation);
* the baseline: pyscard's high-level API (``readers()[0].createConnection().connect()`` and
  ``transmit`` of the very same APDU bytes, no checks at all).

Both connect and disconnect each round. APDUs are counted on the card itself. The genuineness
check (JPKI certificate read, auth PIN, signature, chain check) is timed too, for reference.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="madoguchi-bench-card-"))
os.environ["PCSCLITE_CSOCK_NAME"] = str(WORK / "run" / "pcscd.comm")

from bench.report import write_section  # noqa: E402
from madoguchi.smartcard.genuineness import load_trust_roots  # noqa: E402
from madoguchi.smartcard.harness import PrivatePcscd, VirtualCardProcess  # noqa: E402
from madoguchi.smartcard.session import CardSession  # noqa: E402
from madoguchi.smartcard.virtual.client import VirtualCardControl  # noqa: E402
from madoguchi.smartcard.virtual.profile import sample_profile  # noqa: E402

READER = "Virtual PCD 00 00"


def bare_apdus(pin: str) -> list[list[int]]:
    """Exactly the APDUs the product sends for a full read."""
    pin_bytes = list(pin.encode("ascii"))
    return [
        [0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x08],
        [0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x11],
        [0x00, 0x20, 0x00, 0x80],
        [0x00, 0x20, 0x00, 0x80, 0x04, *pin_bytes],
        [0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x01],
        [0x00, 0xB0, 0x00, 0x00, 0x11],
        [0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x02],
        [0x00, 0xB0, 0x00, 0x00, 0x00],
    ]


def product_read(pin: str) -> tuple[float, int]:
    start = time.perf_counter()
    with CardSession.open(READER, timeout=5) as session:
        session.text_pin_tries()
        session.read_face(pin)
        count = session.apdu_count
    return time.perf_counter() - start, count


def bare_read(pin: str) -> tuple[float, int]:
    from smartcard.System import readers

    start = time.perf_counter()
    reader = next(r for r in readers() if str(r) == READER)
    connection = reader.createConnection()
    connection.connect()
    for apdu in bare_apdus(pin):
        _data, sw1, sw2 = connection.transmit(apdu)
        if (sw1, sw2) not in ((0x90, 0x00), (0x63, 0xC3)):
            raise RuntimeError(f"bare script got {sw1:02X}{sw2:02X}")
    connection.disconnect()
    return time.perf_counter() - start, len(bare_apdus(pin))


def ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:.1f}"


def p95(values: list[float]) -> str:
    ordered = sorted(values)
    return f"{ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] * 1000:.1f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()

    profile = sample_profile()
    profiles = WORK / "profiles.json"
    profiles.write_text(json.dumps([profile.to_json()], ensure_ascii=False), encoding="utf-8")
    pcscd = PrivatePcscd(WORK)
    pcscd.start()
    card = VirtualCardProcess(pcscd, profiles, WORK / "pki", insert=0)
    card.start()
    control = VirtualCardControl(card.control_path)
    try:
        # Warm up both paths (first power-up, imports).
        product_read(profile.text_pin)
        bare_read(profile.text_pin)
        product: list[float] = []
        bare: list[float] = []
        product_apdus = bare_count = card_count = 0
        for _ in range(args.rounds):
            control.reset_apdu_count()
            seconds, product_apdus = product_read(profile.text_pin)
            card_count = control.apdu_count()
            product.append(seconds)
            seconds, bare_count = bare_read(profile.text_pin)
            bare.append(seconds)
        roots = load_trust_roots([control.trust_root("trusted")])
        genuineness: list[float] = []
        genuine_apdus = 0
        for _ in range(min(10, args.rounds)):
            start = time.perf_counter()
            with CardSession.open(READER, timeout=5) as session:
                session.auth_pin_tries()
                result = session.prove_genuine(
                    profile.auth_pin, trust_roots=roots, at=dt.datetime.now(dt.UTC)
                )
                genuine_apdus = session.apdu_count
            assert result.genuine, result.reason
            genuineness.append(time.perf_counter() - start)
    finally:
        card.stop()
        pcscd.stop()

    ratio = statistics.median(product) / statistics.median(bare)
    per_apdu = statistics.median(bare) / bare_count * 1000
    body = f"""
Budget (REQUIREMENTS §12): the full read uses the fewest APDUs the card allows, in ≤ 1.2× the
time of a bare pyscard script sending the same APDUs. Both paths connect, send and disconnect
each round, alternating; {args.rounds} rounds; pcscd + vpcd + the virtual card (each APDU is a
round trip through pcscd's vpcd driver and a TCP socket to the card program).

| Path | APDUs | median ms | p95 ms |
|---|---|---|---|
| Product: select + retry query + VERIFY + 個人番号 + 4情報, parsed and validated | {product_apdus} (card counted {card_count}) | {ms(product)} | {p95(product)} |
| Bare pyscard, same APDU bytes, no checks | {bare_count} | {ms(bare)} | {p95(bare)} |
| **Ratio product / bare (median)** | | **{ratio:.2f}×** | |
| Genuineness: JPKI cert read + auth PIN + signature + chain check | {genuine_apdus} | {ms(genuineness)} | {p95(genuineness)} |

About {per_apdu:.1f} ms per APDU round trip through vpcd. Eight APDUs is the minimum without
the reverse-engineered SFI forms (SELECT AP, SELECT PIN EF, retry query, VERIFY, SELECT 0001,
READ, SELECT 0002, one READ of 256 bytes for EF 0002); the retry query is required by R-CARD-3.
"""
    write_section("Card read (R-CARD, §12)", "python bench/bench_card.py", body)
    print(body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
