"""Interface batch jobs from the command line, run by a named staff member (admin role).

    python -m madoguchi.app.services.interfaces import-certificates --store PATH --staff NO FILE…
    python -m madoguchi.app.services.interfaces import-reservations --store PATH --staff NO FILE…
    python -m madoguchi.app.services.interfaces purge (--store PATH | --centre DSN) --staff NO
    python -m madoguchi.app.services.interfaces deliver (--store PATH | --centre DSN) --staff NO \
        --to DIR [QUEUE…]
    python -m madoguchi.app.services.interfaces resend (--store PATH | --centre DSN) --staff NO \
        --to DIR RECORD_ID…
    python -m madoguchi.app.services.interfaces status (--store PATH | --centre DSN) --staff NO

``--store``: a standalone terminal's local store, opened as the program opens it (key from
the OS keyring); the staff member's roles come from the store and must grant 連携キューの運用;
every run is audited there. A store that syncs with a centre refuses deliver and resend: its
queues are delivered at the centre. ``--centre``: the centre's queues, connected as a login
role of ``madoguchi_interfaces`` (libpq DSN); the staff member must hold 連携キューの運用 at
the centre, and every run is journaled in the centre's ``interface_runs``. Imports go into a
store only. Exit status: 0 done, 1 some records refused or failed, 2 could not run.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import psycopg

from madoguchi.app.context import Actor, ServiceContext
from madoguchi.app.domain.permissions import PermissionDenied, Role
from madoguchi.app.services.interfaces.central import CentralQueueService, CentreQueueError
from madoguchi.app.services.interfaces.delivery import Delivery, DirectoryDelivery
from madoguchi.app.services.interfaces.inbound import (
    InboundFileError,
    import_move_out_certificates,
    import_reservations,
)
from madoguchi.app.services.interfaces.queue import (
    DeliveredAtCentre,
    DeliveryReport,
    InterfaceQueueService,
    QueueCounts,
    ResendRefused,
)
from madoguchi.app.services.interfaces.records import QUEUES
from madoguchi.app.services.interfaces.retention import (
    CERTIFICATE_RETENTION_DAYS,
    purge_handed_over_send_to,
    purge_unused_certificates,
)
from madoguchi.storage.models import StaffMember
from madoguchi.storage.store import LocalStore, StoreError


class QueueOperations(Protocol):
    """What the command line needs of a queue service: a terminal's or the centre's."""

    def queues(self, ctx: ServiceContext) -> list[QueueCounts]: ...

    def deliver_pending(
        self, ctx: ServiceContext, queue: str, sink: Delivery, *, limit: int | None = None
    ) -> DeliveryReport: ...

    def resend(
        self, ctx: ServiceContext, record_ids: Sequence[str], sink: Delivery
    ) -> DeliveryReport: ...


def parse_args(argv: list[str]) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="python -m madoguchi.app.services.interfaces",
        description="他システム連携の取込・送信・消去を行います。",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for name, text in (
        ("import-certificates", "転出証明書情報（JSON Lines）を取り込む"),
        ("import-reservations", "転入予約・オンライン転出届（JSON Lines）を取り込む"),
        ("purge", "未使用の転出証明書情報と引渡し済みの送付先情報を消去する"),
        ("deliver", "未送信の連携レコードをフォルダに送信する"),
        ("resend", "指定した連携レコードをフォルダに再送する"),
        ("status", "連携キューごとの件数を表示する"),
    ):
        command = commands.add_parser(name, help=text, description=text)
        where = command.add_mutually_exclusive_group(required=True)
        where.add_argument("--store", type=Path, help="ローカルストアのファイル")
        if not name.startswith("import-"):
            where.add_argument(
                "--centre", metavar="DSN", help="センターのデータベース（連携運用ロールで接続）"
            )
        command.add_argument("--staff", required=True, help="実行する職員の職員番号")
        command.add_argument("--terminal", default="BATCH", help="端末ID（監査ログに記録）")
        if name.startswith("import-"):
            command.add_argument("files", type=Path, nargs="+", help="取り込むファイル")
        if name == "purge":
            command.add_argument("--days", type=int, default=CERTIFICATE_RETENTION_DAYS)
        if name in ("deliver", "resend"):
            command.add_argument("--to", type=Path, required=True, help="送信先フォルダ")
        if name == "deliver":
            command.add_argument(
                "queues", nargs="*", help=f"キュー（既定: すべて）: {' '.join(QUEUES)}"
            )
        if name == "resend":
            command.add_argument("record_ids", nargs="+", help="再送する連携レコードのID")
    args = parser.parse_args(argv)
    if getattr(args, "centre", None) is None:
        args.centre = None
    return args


def staff_context(store: LocalStore, staff_no: str, terminal_id: str) -> ServiceContext:
    """The context of a batch run: the staff member's roles as the store records them."""
    with store.transaction() as session:
        staff = session.get(StaffMember, staff_no)
        if staff is None or staff.disabled:
            raise PermissionError(f"職員番号 {staff_no} の有効な職員がいません。")
        actor = Actor(staff.staff_no, staff.name, staff.office, frozenset(map(Role, staff.roles)))
    return ServiceContext(actor=actor, terminal_id=terminal_id)


def run(args: argparse.Namespace, store: LocalStore) -> int:
    """Run one command; the exit status."""
    ctx = staff_context(store, args.staff, args.terminal)
    status = 0
    if args.command.startswith("import-"):
        importer = (
            import_move_out_certificates
            if args.command == "import-certificates"
            else import_reservations
        )
        for path in args.files:
            report = importer(ctx, store, path)
            print(
                f"{path.name}: 取込 {len(report.imported)}件、取込済み {len(report.already)}件、"
                f"エラー {len(report.problems)}件"
            )
            for problem in report.problems:
                print(f"  {problem}")
            status = max(status, 1 if report.problems else 0)
    elif args.command == "purge":
        certificates = purge_unused_certificates(ctx, store, args.days)
        send_to = purge_handed_over_send_to(ctx, store)
        print(f"転出証明書情報 {len(certificates)}件、送付先情報 {len(send_to)}件を消去しました。")
    else:
        status = run_queues(args, ctx, InterfaceQueueService(store))
    return status


def run_queues(args: argparse.Namespace, ctx: ServiceContext, service: QueueOperations) -> int:
    """deliver, resend or status on a terminal's queues or the centre's; the exit status."""
    status = 0
    if args.command == "deliver":
        unknown = sorted(set(args.queues) - set(QUEUES))
        if unknown:
            print(f"不明なキュー: {' '.join(unknown)}", file=sys.stderr)
            return 2
        sink = DirectoryDelivery(args.to)
        for queue in args.queues or QUEUES:
            result = service.deliver_pending(ctx, queue, sink)
            print(f"{queue}: 送信 {len(result.delivered)}件、保留 {result.held}件")
            for record_id, reason in result.failed:
                print(f"  失敗 {record_id}: {reason}")
                status = 1
    elif args.command == "resend":
        result = service.resend(ctx, args.record_ids, DirectoryDelivery(args.to))
        print(f"再送 {len(result.delivered)}件")
        for record_id, reason in result.failed:
            print(f"  失敗 {record_id}: {reason}")
            status = 1
    else:
        for counts in service.queues(ctx):
            print(
                f"{counts.queue:<24} 未送信 {counts.pending:>6}  送信済み {counts.delivered:>6}"
                f"  失敗 {counts.failed:>6}  {counts.label}"
            )
    return status


def run_centre(args: argparse.Namespace) -> int:
    """deliver, resend, purge or status on the centre's queues; the exit status."""
    service = CentralQueueService(args.centre)
    try:
        ctx = service.operator_context(args.staff, args.terminal)
        if args.command == "purge":
            send_to = service.purge_handed_over_send_to(ctx)
            print(f"センターの送付先情報 {len(send_to)}件を消去しました。")
            return 0
        return run_queues(args, ctx, service)
    finally:
        service.close()


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.centre is not None:
        try:
            return run_centre(args)
        except (
            PermissionError,
            PermissionDenied,
            CentreQueueError,
            ResendRefused,
            psycopg.Error,
        ) as exc:
            print(exc, file=sys.stderr)
            return 2
    try:
        store = LocalStore.open(args.store)
    except StoreError as exc:
        print(exc, file=sys.stderr)
        return 2
    try:
        return run(args, store)
    except (
        PermissionError,
        PermissionDenied,
        InboundFileError,
        DeliveredAtCentre,
        ResendRefused,
    ) as exc:
        print(exc, file=sys.stderr)
        return 2
    finally:
        store.close()


if __name__ == "__main__":
    sys.exit(main())
