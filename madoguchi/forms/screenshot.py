"""``python -m madoguchi.forms.screenshot OUT.png``: the main window on the demo city, as a PNG.

Used by ``make screenshot`` under Xvfb to keep docs/images/main-window.png honest: it builds a
demo store in a temporary directory, signs in a clerk, runs a 「サイトウ」+生年月日 search and
captures the real window.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path


def main(argv: list[str]) -> int:
    """Write the screenshot to argv[0]."""
    out = Path(argv[0] if argv else "docs/images/main-window.png").resolve()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["XDG_DATA_HOME"] = tmp
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication

        from madoguchi.app.demo_city.load import build_demo_store
        from madoguchi.app.demo_city.planted import SAITO_SHARED_BIRTH
        from madoguchi.app.domain.wareki import RegisterDate
        from madoguchi.app.services.counter import CounterServices
        from madoguchi.forms.main_window import MainWindow
        from madoguchi.storage.keyring_backend import use_demo_fallback_keyring
        from madoguchi.storage.store import LocalStore, forget_key
        from madoguchi.widgets.background import shutdown_executor
        from madoguchi.widgets.theme import apply_counter_font

        app = QApplication.instance() or QApplication(sys.argv[:1])
        assert isinstance(app, QApplication)
        apply_counter_font(app)
        use_demo_fallback_keyring()
        path = Path(tmp) / "demo-city.db"
        store = LocalStore.open(path, create=True)
        build_demo_store(store, persons=5000)
        services = CounterServices.build(store, "DEMO-T01")
        from madoguchi.app.demo_city.credentials import DEMO_PASSWORD

        ctx = services.auth.login("S0001", DEMO_PASSWORD)
        birth = SAITO_SHARED_BIRTH
        window = MainWindow(services, ctx, data_source="ローカル複製: 架空県みどり市（デモ）")
        window.resize(1400, 860)
        window.show()
        search = window.search_screen
        assert search is not None
        search.name_edit.setText("サイトウ")
        search.birth_edit.setText(RegisterDate.from_iso(birth).display())

        def capture(_count: int) -> None:
            app.processEvents()
            out.parent.mkdir(parents=True, exist_ok=True)
            window.grab().save(str(out))
            print(f"wrote {out}")
            app.quit()

        search.search_finished.connect(lambda n: QTimer.singleShot(300, lambda: capture(n)))
        QTimer.singleShot(200, search.run_search)
        app.exec()
        shutdown_executor()
        store.close()
        forget_key(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
