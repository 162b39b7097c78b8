"""Composition root: read the options, open the store, build the services, start Qt.

``python main.py --demo`` (what ``make run`` does) opens — building it on first start — the
encrypted demo store of the synthetic city, with its demo staff.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import logging
import os
import sys
from pathlib import Path

log = logging.getLogger("madoguchi")

DEFAULT_TERMINAL = "DEMO-T01"


def data_dir() -> Path:
    """The user's data directory for madoguchi (XDG on Linux)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "madoguchi"


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(prog="madoguchi", description="住民記録 窓口端末")
    parser.add_argument("--store", type=Path, help="local store file (default: in the data dir)")
    parser.add_argument("--terminal", default=DEFAULT_TERMINAL, help="this terminal's ID")
    parser.add_argument("--demo", action="store_true", help="open (or build) the demo city store")
    parser.add_argument("--demo-persons", type=int, default=5000, help="size of a new demo city")
    parser.add_argument("--staff", help="pre-select this staff number on the login screen")
    parser.add_argument(
        "--list-demo-staff", action="store_true", help="print the demo accounts and exit"
    )
    parser.add_argument(
        "--trust-root",
        type=Path,
        action="append",
        default=[],
        help="PEM file of a J-LIS 利用者証明用 root to trust for the card check (repeatable)",
    )
    parser.add_argument("--card-reader", help="use this PC/SC reader (default: any)")
    parser.add_argument(
        "--centre",
        default=os.environ.get("MADOGUCHI_CENTRE_DSN"),
        help="libpq connection string of the central server (env MADOGUCHI_CENTRE_DSN); "
        "without it the terminal works on its local store only. A new store is bootstrapped "
        "from the centre at the first start",
    )
    parser.add_argument(
        "--no-virtual-card",
        action="store_true",
        help="(demo) do not start the virtual card; use the system's pcscd and readers",
    )
    parser.add_argument(
        "--benchmark-startup",
        action="store_true",
        help="(demo, benchmarks) show the login window, sign in --staff, search once, print "
        "timings as JSON and exit",
    )
    return parser.parse_args(argv)


def open_store(args: argparse.Namespace, progress: object = None) -> object:
    """Open the local store; with --demo build the demo city first when it does not exist."""
    from madoguchi.storage.keyring_backend import require_os_keyring, use_demo_fallback_keyring
    from madoguchi.storage.store import LocalStore

    path: Path = args.store or data_dir() / ("demo-city.db" if args.demo else "local.db")
    if not args.demo:
        require_os_keyring()
        # A new terminal's store is created empty and filled from the centre (bootstrap).
        return LocalStore.open(path, create=bool(args.centre))
    use_demo_fallback_keyring()
    if path.exists():
        store = LocalStore.open(path)
        from madoguchi.app.demo_city.inbound import install_inbound
        from madoguchi.storage.models import StoreMeta

        # A demo store built by an older version lacks the incoming families: add them.
        with store.transaction() as session:
            as_of = session.get(StoreMeta, "data_as_of")
            if as_of is not None:
                install_inbound(session, dt.date.fromisoformat(as_of.value))
        return store
    from madoguchi.app.demo_city.load import build_demo_store

    log.info("building the demo city (%d persons) at %s", args.demo_persons, path)
    store = LocalStore.open(path, create=True)
    build_demo_store(store, persons=args.demo_persons, progress=progress)  # type: ignore[arg-type,unused-ignore]
    return store


def install_translator(app: object) -> None:
    """Load ``resources/translations/madoguchi_<locale>.qm`` for the system locale, if any."""
    from PySide6.QtCore import QLocale, QTranslator
    from PySide6.QtWidgets import QApplication

    assert isinstance(app, QApplication)
    translator = QTranslator(app)
    directory = Path(__file__).parent / "resources" / "translations"
    if translator.load(QLocale(), "madoguchi", "_", str(directory)):
        app.installTranslator(translator)


def main(argv: list[str] | None = None) -> int:
    """Start the counter terminal."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    from madoguchi.app.logs import configure_logging

    configure_logging(data_dir())
    from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QProgressDialog

    from madoguchi.app.demo_city.cards import DemoCardReader
    from madoguchi.app.services.counter import CounterServices
    from madoguchi.forms.login_dialog import LoginDialog
    from madoguchi.forms.main_window import MainWindow
    from madoguchi.storage.store import LocalStore, StoreError
    from madoguchi.widgets.background import shutdown_executor
    from madoguchi.widgets.theme import apply_counter_font

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("madoguchi")
    app.setApplicationDisplayName("住民記録 窓口端末")
    install_translator(app)
    apply_counter_font(app)

    progress_dialog: QProgressDialog | None = None

    def progress(done: int, total: int) -> None:
        nonlocal progress_dialog
        if progress_dialog is None:
            progress_dialog = QProgressDialog("デモ用の架空の市を作成しています…", "", 0, total)
            progress_dialog.setCancelButton(None)
            progress_dialog.setMinimumDuration(0)
        progress_dialog.setValue(done)
        app.processEvents()

    try:
        store = open_store(args, progress)
    except StoreError as exc:
        log.error("store not opened: %s", exc)
        if args.list_demo_staff:
            print(str(exc), file=sys.stderr)
        else:
            QMessageBox.critical(None, "住民記録 窓口端末", str(exc))
        return 1
    if progress_dialog is not None:
        progress_dialog.close()
    assert isinstance(store, LocalStore)
    services = CounterServices.build(store, args.terminal)
    if args.list_demo_staff:
        print_demo_staff(services)
        return 0
    if args.centre and not connect_centre(args, services):
        store.close()
        return 1
    demo_card = start_demo_card(args, store) if args.demo and not args.benchmark_startup else None
    configure_card_check(args, services, demo_card)

    hint = None
    if args.demo:
        from madoguchi.app.demo_city.credentials import DEMO_PASSWORD

        hint = (
            f"デモ環境（架空の市）: 職員番号 S0001（窓口職員）、S0005（審査・決裁者）、"
            f"S0008（管理者）、S0009（監査）… パスワード {DEMO_PASSWORD}"
        )
    login = LoginDialog(services.auth, hint=hint)
    if args.staff:
        login.select_staff(args.staff)
    if args.benchmark_startup:
        return benchmark_startup(args, app, services, login)
    if login.exec() != QDialog.DialogCode.Accepted or login.context is None:
        return 0
    ctx = login.context
    facts = services.store_facts()
    source = (
        f"ローカル複製: {facts.get('municipality_name', '')}（{facts.get('data_as_of', '')}時点）"
    )
    window = MainWindow(services, ctx, data_source=source)
    window.signed_out.connect(lambda why: QMessageBox.information(None, "住民記録 窓口端末", why))
    window.show()
    window.show_search()
    if services.sync is not None:
        services.sync.start()
    # Everything built so far lives for the whole run: keep it out of the cyclic collector, whose
    # full passes over a large start-up heap pause every thread (the GUI thread included).
    gc.collect()
    gc.freeze()
    code = app.exec()
    if services.sync is not None:
        services.sync.stop()
    shutdown_executor()
    if isinstance(demo_card, DemoCardReader):
        demo_card.stop()
    store.close()
    return code


def connect_centre(args: argparse.Namespace, services: object) -> bool:
    """Attach the sync with the centre; a new store is bootstrapped first (with progress).

    Returns False when the terminal cannot start: a new store the centre could not fill.
    """
    from PySide6.QtWidgets import QMessageBox

    from madoguchi.app.services.counter import CounterServices
    from madoguchi.app.services.sync_control import SyncControl, centre_from_dsn
    from madoguchi.forms.bootstrap_dialog import BootstrapDialog

    assert isinstance(services, CounterServices)
    control = SyncControl(services.store, centre_from_dsn(args.centre), services.clock)
    services.sync = control
    if not control.needs_bootstrap():
        return True
    dialog = BootstrapDialog(control)
    if dialog.exec():
        return True
    log.warning("bootstrap not finished: %s", dialog.error)
    QMessageBox.warning(
        None,
        "住民記録 窓口端末",
        f"センターからの初期取込が完了していません。\n{dialog.error or ''}\n"
        "取り込んだ分は保存されています。センターに接続できる状態で再度起動すると続きから"
        "再開します。",
    )
    control.centre.close()
    return False


def start_demo_card(args: argparse.Namespace, store: object) -> object:
    """The demo's virtual card behind a private pcscd; ``None`` (logged) when it cannot run."""
    if args.no_virtual_card:
        return None
    from madoguchi.app.demo_city.cards import DemoCardReader
    from madoguchi.smartcard.harness import HarnessError
    from madoguchi.storage.store import LocalStore

    assert isinstance(store, LocalStore)
    reader = DemoCardReader(store, data_dir() / "virtual-card")
    try:
        reader.start()
    except (HarnessError, OSError) as exc:
        log.warning("virtual card not started: %s", exc)
        return None
    log.info("virtual card ready with %d demo card holders", len(reader.holders))
    return reader


def configure_card_check(args: argparse.Namespace, services: object, demo_card: object) -> None:
    """Trust roots and reader for the identity check (R-CARD-4)."""
    from madoguchi.app.demo_city.cards import DemoCardReader
    from madoguchi.app.services.counter import CounterServices
    from madoguchi.smartcard.genuineness import load_trust_roots

    assert isinstance(services, CounterServices)
    paths = list(args.trust_root)
    if isinstance(demo_card, DemoCardReader) and demo_card.trust_root is not None:
        paths.append(demo_card.trust_root)
    services.trust_roots = load_trust_roots(paths)
    services.card_reader = args.card_reader
    services.interface_folder = data_dir() / "interfaces"


def print_demo_staff(services: object) -> None:
    """Print the demo accounts with the demo password and any current one-time code."""
    from madoguchi.app.demo_city.credentials import DEMO_PASSWORD, DEMO_TOTP
    from madoguchi.app.demo_city.staff import DEMO_STAFF
    from madoguchi.app.domain.permissions import ROLE_LABELS
    from madoguchi.app.services.counter import CounterServices
    from madoguchi.app.services.second_factor import current_code

    assert isinstance(services, CounterServices)
    now = services.clock.now()
    print(f"demo password for every account: {DEMO_PASSWORD}")
    for staff in DEMO_STAFF:
        roles = "・".join(ROLE_LABELS[r] for r in staff.roles)
        note = "無効（退職）" if staff.disabled else ""
        if staff.staff_no in DEMO_TOTP:
            note += f"ワンタイムパスワード: 現在 {current_code(DEMO_TOTP[staff.staff_no], now)}"
        print(f"{staff.staff_no}\t{staff.name}\t{roles}\t{staff.office}\t{note}")


def benchmark_startup(
    args: argparse.Namespace, app: object, services: object, login: object
) -> int:
    """Time the way to the login window and the main window (bench/bench_search.py)."""
    import json
    import resource
    import time

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from madoguchi.app.services.counter import CounterServices
    from madoguchi.forms.login_dialog import LoginDialog
    from madoguchi.forms.main_window import MainWindow

    assert isinstance(app, QApplication) and isinstance(login, LoginDialog)
    assert isinstance(services, CounterServices)
    if not args.demo:
        raise SystemExit("--benchmark-startup is for the demo store only")
    marks: dict[str, float] = {}
    login.show()
    app.processEvents()
    marks["login_window_at"] = time.time()
    login.hide()
    from madoguchi.app.demo_city.credentials import DEMO_PASSWORD

    ctx = services.auth.login(args.staff or "S0001", DEMO_PASSWORD)
    window = MainWindow(services, ctx)
    window.show()
    app.processEvents()
    marks["main_window_at"] = time.time()
    search = window.search_screen
    assert search is not None
    search.search_finished.connect(lambda _n: app.quit())
    search.name_edit.setText("サトウ")
    search.birth_edit.setText("昭和50年1月1日")
    QTimer.singleShot(0, search.run_search)
    app.exec()
    marks["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(marks))
    return 0


if __name__ == "__main__":
    sys.exit(main())
