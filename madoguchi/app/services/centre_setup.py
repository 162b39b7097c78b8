"""Setting up the centre from the application's rules (run by the centre's administrator).

The centre's sync functions check every op against a permission matrix table; this installs
it from ``madoguchi.app.domain.permissions`` — the one place the matrix is written — so the
terminal's services and the centre can never disagree about who may do what. It also
registers terminals with their own database roles.

    python -m madoguchi.app.services.centre_setup permissions --dsn "host=… dbname=…"
    python -m madoguchi.app.services.centre_setup terminal --dsn … --terminal HONCHO-T05 \\
        --role term_honcho_t05 --office "本庁舎 市民課" --description "窓口5番"
    python -m madoguchi.app.services.centre_setup interfaces-role --dsn … --role if_operator
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, Final

import psycopg

from madoguchi.app.domain.permissions import PERMISSIONS, Action
from madoguchi.storage.central.admin import install_permissions, provision_terminal
from madoguchi.storage.central.queues import provision_interfaces_role

# Ops that only record what a terminal did, and the right the centre checks for each.
JOURNAL_OP_ACTIONS: Final[dict[str, str]] = {"issue_certificate": "issue_certificate"}
# Actions the central SQL names literally (storage/central/sql); a test keeps them real.
ACTIONS_NAMED_IN_SQL: Final = (
    "intake",
    "propose_correction",
    "review",
    "approve_correction",
    "staff_admin",
)


def matrix() -> dict[str, list[str]]:
    """The permission matrix as plain strings: role → sorted actions."""
    return {role.value: sorted(a.value for a in actions) for role, actions in PERMISSIONS.items()}


def journal_op_actions() -> dict[str, str]:
    """Journal op type → action, for the actions this build of the matrix has."""
    known = {a.value for a in Action}
    return {op: action for op, action in JOURNAL_OP_ACTIONS.items() if action in known}


def install_centre_permissions(conn: psycopg.Connection[Any]) -> None:
    """Replace the centre's matrix with the application's (in the caller's transaction)."""
    install_permissions(conn, matrix(), journal_op_actions())


def main(argv: list[str] | None = None) -> int:
    """The command line above."""
    parser = argparse.ArgumentParser(prog="python -m madoguchi.app.services.centre_setup")
    sub = parser.add_subparsers(dest="command", required=True)
    permissions = sub.add_parser("permissions", help="install the permission matrix")
    permissions.add_argument("--dsn", required=True)
    terminal = sub.add_parser("terminal", help="register a terminal and its database role")
    terminal.add_argument("--dsn", required=True)
    terminal.add_argument("--terminal", required=True)
    terminal.add_argument("--role", required=True)
    terminal.add_argument("--office", required=True)
    terminal.add_argument("--description", default="")
    operator = sub.add_parser(
        "interfaces-role",
        help="create a login role of the interface operators (madoguchi_interfaces)",
    )
    operator.add_argument("--dsn", required=True)
    operator.add_argument("--role", required=True)
    args = parser.parse_args(argv)
    with psycopg.connect(args.dsn) as conn:
        if args.command == "permissions":
            install_centre_permissions(conn)
            print(f"permission matrix installed: {sum(map(len, matrix().values()))} rights")
        elif args.command == "interfaces-role":
            provision_interfaces_role(conn, args.role)
            print(f"interface operators' role {args.role} ready (madoguchi_interfaces)")
        else:
            provision_terminal(
                conn,
                args.terminal,
                role=args.role,
                office=args.office,
                description=args.description,
            )
            print(f"terminal {args.terminal} registered with role {args.role}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
