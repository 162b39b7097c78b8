"""``python -m madoguchi.storage.migrations check|revision -m MSG``: migration tooling."""

from __future__ import annotations

import argparse
import secrets
import sys
import tempfile
from pathlib import Path

from alembic import command

from madoguchi.storage.migrations import check, local_config, upgrade_to_head
from madoguchi.storage.store import open_engine


def main(argv: list[str] | None = None) -> int:
    """Run the migration command named on the command line."""
    parser = argparse.ArgumentParser(prog="python -m madoguchi.storage.migrations")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("check", help="upgrade an empty local store to head, then alembic check")
    revision = sub.add_parser("revision", help="autogenerate a new local revision")
    revision.add_argument("-m", "--message", required=True)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        engine = open_engine(Path(tmp) / "check.db", secrets.token_hex(32))
        try:
            upgrade_to_head(engine)
            if args.command == "check":
                check(engine)
                print("local schema: upgrade head OK, alembic check OK (no differences)")
            else:
                command.revision(local_config(engine), message=args.message, autogenerate=True)
        finally:
            engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
