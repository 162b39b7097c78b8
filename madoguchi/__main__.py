"""Composition root: read the options, open the store, build the services, start Qt.

``python main.py --demo`` (what ``make run`` does) opens — building it on first start — the
encrypted demo store of the synthetic city, with its demo staff.
"""

from __future__ import annotations

import argparse
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
    return parser.parse_args(argv)


def configure_logging(directory: Path) -> None:
    """Log to stderr and to a file in the data directory."""
    directory.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        handlers=[logging.StreamHandler(), logging.FileHandler(directory / "madoguchi.log")],
    )


def open_store(args: argparse.Namespace, progress: object = None) -> object:
    """Open the local store; with --demo build the demo city first when it does not exist."""
    from madoguchi.storage.keyring_backend import use_demo_fallback_keyring
    from madoguchi.storage.store import LocalStore

    path: Path = args.store or data_dir() / ("demo-city.db" if args.demo else "local.db")
    if not args.demo:
        return LocalStore.open(path)
    use_demo_fallback_keyring()
    if path.exists():
        return LocalStore.open(path)
    from madoguchi.app.demo_city.load import build_demo_store

    log.info("building the demo city (%d persons) at %s", args.demo_persons, path)
    store = LocalStore.open(path, create=True)
    build_demo_store(store, persons=args.demo_persons, progress=progress)  # type: ignore[arg-type]
    return store


def main(argv: list[str] | None = None) -> int:
    """Start the counter terminal."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    configure_logging(data_dir())
    from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QProgressDialog

    from madoguchi.app.services.counter import CounterServices
    from madoguchi.forms.login_dialog import LoginDialog
    from madoguchi.forms.main_window import MainWindow
    from madoguchi.storage.store import LocalStore, StoreError
    from madoguchi.widgets.background import shutdown_executor

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("madoguchi")
    app.setApplicationDisplayName("住民記録 窓口端末")

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
    choices = services.staff.login_choices()
    if args.list_demo_staff:
        for choice in choices:
            print(f"{choice.staff_no}\t{choice.name}\t{choice.role_labels}\t{choice.office}")
        return 0

    login = LoginDialog(choices)
    if args.staff:
        login.select_staff(args.staff)
    while True:
        if login.exec() != QDialog.DialogCode.Accepted:
            return 0
        try:
            ctx = services.staff.login(login.selected_staff_no())
            break
        except ValueError as exc:
            login.error_label.setText(str(exc))
    facts = services.store_facts()
    source = "ローカル複製: {0}（{1}時点）".format(
        facts.get("municipality_name", ""), facts.get("data_as_of", "")
    )
    window = MainWindow(services, ctx, data_source=source)
    window.show()
    window.show_search()
    code = app.exec()
    shutdown_executor()
    store.close()
    return code


if __name__ == "__main__":
    sys.exit(main())
