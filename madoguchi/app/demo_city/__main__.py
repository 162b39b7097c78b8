"""Build a demo-city store: ``python -m madoguchi.app.demo_city --persons 5000 --out PATH``.

By default the store's key goes to the OS keyring (as ``--demo`` does: on a machine without
one, the demo file keyring of keyrings.alt); ``--key HEX`` uses an explicit 64-hex-digit key
instead and stores it nowhere. An existing file is only replaced with ``--force``.
Progress goes to standard error, the summary to standard output.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

from madoguchi.app.demo_city.generate import DEFAULT_SEED, DEFAULT_TODAY, MINIMUM_PERSONS
from madoguchi.app.demo_city.load import DemoStoreNotEmpty, build_demo_store
from madoguchi.storage.store import LocalStore, StoreError, forget_key


def _persons(text: str) -> int:
    value = int(text.replace(",", "").replace("_", ""))
    if value < MINIMUM_PERSONS:
        raise argparse.ArgumentTypeError(f"{MINIMUM_PERSONS}人以上を指定してください")
    return value


def parse_args(argv: list[str]) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="python -m madoguchi.app.demo_city",
        description="架空県みどり市（架空の自治体）のデモ用住民記録を暗号化ローカルストアに作成します。",
    )
    parser.add_argument("--persons", type=_persons, default=5000, help="住民票の数（除票を含む）")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="乱数の種")
    parser.add_argument(
        "--today", type=date.fromisoformat, default=DEFAULT_TODAY, help="データの基準日"
    )
    parser.add_argument("--out", type=Path, required=True, help="作成するデータベースファイル")
    keys = parser.add_mutually_exclusive_group()
    keys.add_argument(
        "--key-from-keyring",
        action="store_true",
        help="暗号鍵を新しく作り、キーリングに保存する（既定）",
    )
    keys.add_argument("--key", help="暗号鍵（16進64桁）。キーリングには保存しない")
    parser.add_argument("--workers", type=int, default=None, help="作成に使うプロセス数")
    parser.add_argument("--force", action="store_true", help="既存のファイルを置き換える")
    return parser.parse_args(argv)


def _remove_existing(path: Path, *, keyring: bool) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    if keyring:
        forget_key(path.resolve())


def main(argv: list[str] | None = None) -> int:
    """Build the store; 0 on success, 1 on a problem the message explains, 2 on bad usage."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    path: Path = args.out
    if path.exists() and not args.force:
        print(
            f"{path} はすでにあります。置き換えるときは --force を付けてください。", file=sys.stderr
        )
        return 2
    started = time.monotonic()
    last = [0.0]

    def progress(done: int, total: int) -> None:
        now = time.monotonic()
        if done >= total or now - last[0] >= 2.0:
            last[0] = now
            print(
                f"  {done:,} / {total:,} 人 ({done / total:.0%}, {now - started:.0f} 秒)",
                file=sys.stderr,
            )

    try:
        if args.key is not None:
            _remove_existing(path, keyring=False)
            store = LocalStore.open_with_key(path, args.key.lower())
        else:
            from madoguchi.storage.keyring_backend import use_demo_fallback_keyring

            use_demo_fallback_keyring()
            _remove_existing(path, keyring=True)
            store = LocalStore.open(path, create=True)
        try:
            summary = build_demo_store(
                store,
                persons=args.persons,
                seed=args.seed,
                today=args.today,
                progress=progress,
                workers=args.workers,
            )
        finally:
            store.close()
    except (StoreError, DemoStoreNotEmpty) as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print(f"{path}: 架空県みどり市（デモ・架空の自治体）, seed {args.seed}, {args.today} 時点")
    for line in summary.lines():
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
