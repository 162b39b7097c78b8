"""``python -m madoguchi.smartcard``: card diagnostics for IT support at a counter.

    check                                   readers and the card in each
    read   [--reveal] [--reader NAME]       PIN from standard input → 個人番号 and 基本4情報
    verify --trust-root PEM [--reader NAME] auth PIN from standard input → genuineness

Success prints one JSON object on standard output. Failure prints one line on standard error
and nothing on standard output, with the exit status: 2 wrong PIN, 3 PIN not sent (one try
left), 4 blocked, 5 not a My Number card, 6 no PC/SC service or no reader, 7 card removed,
1 anything else. PINs are read from standard input, never from the command line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import json
import sys
from pathlib import Path
from typing import Any

from madoguchi.smartcard.errors import CardError, PinLastTry
from madoguchi.smartcard.genuineness import load_trust_roots
from madoguchi.smartcard.session import CardSession
from madoguchi.smartcard.text_ap import TextApReader
from madoguchi.smartcard.transport import CardChannel, PcscContext

MASKED_NUMBER = "●●●● ●●●● ●●●●"


def _read_pin(prompt: str) -> str:
    if sys.stdin.isatty():
        return getpass.getpass(prompt, stream=sys.stderr)
    return sys.stdin.readline().rstrip("\r\n")


def _check(_args: argparse.Namespace) -> dict[str, Any]:
    readers: list[dict[str, Any]] = []
    with PcscContext() as context:
        names = context.readers()
        for state in context.states(names):
            entry: dict[str, Any] = {"name": state.name, "card": "absent"}
            if state.card_present:
                entry.update(_probe(context, state.name))
            readers.append(entry)
    return {"pcscd": "running", "readers": readers}


def _probe(context: PcscContext, reader: str) -> dict[str, Any]:
    """Is the card a My Number card, and its text PIN counter (asking consumes nothing)."""
    try:
        with CardChannel(context, reader) as channel:
            tries = TextApReader(channel).open()
    except CardError as problem:
        kind = type(problem).__name__
        return {"card": "present", "my_number_card": kind != "NotMyNumberCard", "state": kind}
    return {"card": "present", "my_number_card": True, "text_pin_tries_left": tries}


def _read(args: argparse.Namespace) -> dict[str, Any]:
    with CardSession.open(args.reader, timeout=args.timeout) as session:
        if session.text_pin_tries() == 1:
            raise PinLastTry()
        face = session.read_face(_read_pin("暗証番号（4桁）: "))
    four = face.basic_four
    return {
        "individual_number": face.individual_number if args.reveal else MASKED_NUMBER,
        "name": four.name,
        "address": four.address,
        "birth_date": four.birth_date.isoformat(),
        "sex": four.sex,
        "pin_tries_left": face.pin_tries_left,
    }


def _verify(args: argparse.Namespace) -> dict[str, Any]:
    roots = load_trust_roots([Path(path) for path in args.trust_root])
    with CardSession.open(args.reader, timeout=args.timeout) as session:
        if session.auth_pin_tries() == 1:
            raise PinLastTry()
        result = session.prove_genuine(
            _read_pin("利用者証明用暗証番号（4桁）: "),
            trust_roots=roots,
            at=dt.datetime.now(dt.UTC),
        )
    return {
        "genuine": result.genuine,
        "reason": result.reason,
        "certificate_subject": result.certificate_subject,
        "revocation_checked": result.revocation_checked,
    }


def build_parser() -> argparse.ArgumentParser:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m madoguchi.smartcard", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="カードリーダーとカードの状態")
    check.set_defaults(run=_check)
    for name, run, help_text in (
        ("read", _read, "個人番号と基本4情報を読み取る（暗証番号は標準入力から）"),
        ("verify", _verify, "カードの真正性を確認する（利用者証明用暗証番号は標準入力から）"),
    ):
        command = commands.add_parser(name, help=help_text)
        command.add_argument("--reader", help="リーダー名（省略時はカードのあるリーダー）")
        command.add_argument("--timeout", type=float, default=30.0, help="カード待ち秒数")
        command.set_defaults(run=run)
        if name == "read":
            command.add_argument("--reveal", action="store_true", help="個人番号を表示する")
        else:
            command.add_argument(
                "--trust-root", action="append", required=True, help="信頼するルート証明書 (PEM)"
            )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one diagnostics command; the exit status says what went wrong."""
    args = build_parser().parse_args(argv)
    try:
        result = args.run(args)
    except CardError as problem:
        print(str(problem), file=sys.stderr)
        return problem.exit_status
    except (OSError, ValueError) as problem:
        print(f"エラー: {problem}", file=sys.stderr)
        return 1
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
