"""The audit log's hash chain (R-AUDIT-2): append-only, and every kind of tampering detected."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from madoguchi.storage.audit import append_audit, verify_chain
from madoguchi.storage.store import LocalStore

START = dt.datetime(2026, 11, 2, 9, 0)


@pytest.fixture
def store(tmp_path: Path) -> LocalStore:
    store = LocalStore.open(tmp_path / "local.db", create=True)
    with store.transaction() as session:
        for i in range(6):
            for terminal in ("T01", "T02"):
                append_audit(
                    session,
                    at=START + dt.timedelta(minutes=i),
                    terminal_id=terminal,
                    staff_no="S0001",
                    action="search",
                    target_persons=[f"{i:010d}"],
                    detail={"criteria": {"name": "サイトウ"}, "count": i},
                )
    yield store
    store.close()


def tamper(store: LocalStore, *statements: str) -> None:
    """What an attacker with the key and a SQLite shell could do: drop the guard, edit."""
    with store.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER audit_log_no_update"))
        conn.execute(text("DROP TRIGGER audit_log_no_delete"))
        for statement in statements:
            conn.execute(text(statement))


def report(store: LocalStore):  # type: ignore[no-untyped-def]
    with store.transaction() as session:
        return verify_chain(session)


def test_an_untouched_log_verifies(store: LocalStore) -> None:
    result = report(store)
    assert result.intact and result.checked == 12 and result.terminals == 2


def test_the_terminal_cannot_update_or_delete_entries(store: LocalStore) -> None:
    with pytest.raises(DatabaseError, match="append-only"), store.engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET staff_no = 'S9999' WHERE id = 3"))
    with pytest.raises(DatabaseError, match="append-only"), store.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE id = 3"))
    assert report(store).intact


def test_a_changed_field_is_detected(store: LocalStore) -> None:
    tamper(store, "UPDATE audit_log SET staff_no = 'S9999' WHERE id = 5")
    result = report(store)
    assert result.broken is not None
    assert result.broken.row_id == 5 and "changed" in result.broken.reason


def test_a_changed_detail_is_detected(store: LocalStore) -> None:
    tamper(store, """UPDATE audit_log SET detail = '{"count": 99}' WHERE id = 8""")
    result = report(store)
    assert result.broken is not None and result.broken.row_id == 8


def test_a_deleted_entry_is_detected(store: LocalStore) -> None:
    tamper(store, "DELETE FROM audit_log WHERE id = 5")  # T01's 3rd entry
    result = report(store)
    assert result.broken is not None
    assert result.broken.terminal_id == "T01" and result.broken.seq == 4
    assert "missing" in result.broken.reason


def test_a_deleted_last_entry_is_detected_by_the_centre_not_here(store: LocalStore) -> None:
    # Cutting the tail leaves a valid shorter chain; the centre, which holds the synced copy
    # and the terminal's latest seq, detects it (issue: sync). Locally it still verifies.
    tamper(store, "DELETE FROM audit_log WHERE id = 12")
    assert report(store).intact


def test_reordered_entries_are_detected(store: LocalStore) -> None:
    tamper(
        store,
        "UPDATE audit_log SET id = -3 WHERE id = 3",
        "UPDATE audit_log SET id = 3 WHERE id = 5",
        "UPDATE audit_log SET id = 5 WHERE id = -3",
    )
    result = report(store)
    assert result.broken is not None and result.broken.row_id == 3


def test_verify_command_reports_the_first_broken_link(store: LocalStore) -> None:
    tamper(store, "UPDATE audit_log SET action = 'view_person' WHERE id = 7")
    store.close()
    from madoguchi.storage.audit import main

    assert main(["verify", "--store", str(store.path)]) == 1


def test_verify_command_exits_zero_when_intact(
    store: LocalStore, capsys: pytest.CaptureFixture[str]
) -> None:
    store.close()
    from madoguchi.storage.audit import main

    assert main(["verify", "--store", str(store.path)]) == 0
    assert "intact: 12 entries" in capsys.readouterr().out


def test_verify_command_runs_as_a_module() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "madoguchi.storage.audit", "verify", "--store", "/nonexistent.db"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "ありません" in result.stderr
