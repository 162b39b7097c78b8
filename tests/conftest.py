"""Fixtures shared by the whole suite: a headless keyring, Qt offscreen, fixed time."""

from __future__ import annotations

import datetime as dt
import logging
import os

import keyring
import pytest

import tests.helpers.card_harness  # noqa: F401  (fixes PCSCLITE_CSOCK_NAME before any PC/SC call)
from tests.helpers.keyring_memory import MemoryKeyring
from tests.helpers.log_scan import RunLog, leaks, register_secret

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

DEMO_TODAY = dt.date(2026, 11, 1)


RUN_LOG = RunLog()


def pytest_configure(config: pytest.Config) -> None:
    """Capture every log record of the run, with the libraries quiet as in production."""
    from madoguchi.app.demo_city.credentials import DEMO_PASSWORD
    from madoguchi.app.logs import quiet_libraries
    from tests.helpers.stores import TEST_PASSWORD

    root = logging.getLogger()
    root.setLevel(logging.DEBUG)
    root.addHandler(RUN_LOG)
    quiet_libraries()
    for secret in (DEMO_PASSWORD, TEST_PASSWORD):
        register_secret(secret)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run when any log record held a password, PIN or 個人番号."""
    found = leaks(RUN_LOG.lines)
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if found:
        if reporter is not None:
            reporter.write_line(
                f"LOG SCAN FAILED: {len(found)} log record(s) hold a password, PIN or 個人番号:",
                red=True,
            )
            for line in found[:20]:
                reporter.write_line("  " + line[:300])
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    elif reporter is not None:
        reporter.write_line(
            f"log scan: {len(RUN_LOG.lines)} log records of this run hold no password, PIN "
            "or 個人番号"
        )


@pytest.fixture(autouse=True, scope="session")
def memory_keyring() -> MemoryKeyring:
    """Every test process uses an in-memory keyring (no Secret Service on CI)."""
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    return backend


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory: pytest.TempPathFactory, memory_keyring: MemoryKeyring):
    """A small demo city (1,500 persons) in an encrypted store, built once per session."""
    from tests.helpers.stores import build_demo

    store = build_demo(tmp_path_factory.mktemp("demo") / "demo-city.db", persons=1500)
    yield store
    store.close()


@pytest.fixture(scope="session")
def card_stack(demo_store, tmp_path_factory: pytest.TempPathFactory):
    """pcscd + vpcd + the virtual card with six demo-city card holders (started on first use)."""
    from tests.helpers.card_harness import start_stack, stop_stack

    stack = start_stack(demo_store, tmp_path_factory.mktemp("card"))
    yield stack
    stop_stack(stack)


@pytest.fixture
def card(card_stack):
    """The virtual card program with no card in the reader; ``control.insert`` puts in a fresh
    card (full counters, no faults)."""
    card_stack.remove()
    yield card_stack
    card_stack.control.remove()


@pytest.fixture(autouse=True)
def collect_widgets_on_the_gui_thread(request: pytest.FixtureRequest):
    """After a Qt test, collect its garbage here, on the GUI thread.

    Cyclic garbage is otherwise collected whenever any thread allocates — possibly the
    database worker — and a widget destroyed off the GUI thread crashes Qt.
    """
    yield
    if "qtbot" in request.fixturenames:
        import gc

        gc.collect()
