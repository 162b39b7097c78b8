"""The status bar's sync text (R-SYNC-3): online/offline, queue depth and age, problems."""

from __future__ import annotations

import datetime as dt

from madoguchi.app.services.sync_status import SyncStatusService, describe
from madoguchi.storage.sync import SyncStatus, WorkerState

NOW = dt.datetime(2026, 11, 2, 10, 30)


def status(**changes: object) -> SyncStatus:
    fields: dict[str, object] = {
        "online": True,
        "queue_depth": 0,
        "oldest_pending_at": None,
        "open_problems": 0,
        "last_success_at": NOW - dt.timedelta(seconds=20),
        "last_error": None,
        "bootstrapped": True,
    }
    fields.update(changes)
    return SyncStatus(**fields)  # type: ignore[arg-type]


def test_online_with_nothing_waiting() -> None:
    line = describe(status(), NOW)
    assert line.text == "オンライン　未送信なし" and not line.warn
    assert "最終同期 2026-11-02 10:29" in line.tooltip


def test_offline_shows_the_queue_depth_and_the_age_of_the_oldest_op() -> None:
    line = describe(
        status(
            online=False,
            queue_depth=7,
            oldest_pending_at=NOW - dt.timedelta(minutes=75),
            last_error="センターに接続できません（timeout）",
            next_attempt_at=NOW + dt.timedelta(seconds=30),
        ),
        NOW,
    )
    assert line.text == "オフライン　未送信 7件（最古 1時間15分前）"
    assert line.warn and line.queue_depth == 7 and line.oldest_age == dt.timedelta(minutes=75)
    assert "この端末のデータで業務を続けています" in line.tooltip and "10:30:30" in line.tooltip


def test_conflicts_and_an_unsynced_store_are_flagged() -> None:
    assert "要確認 2件" in describe(status(open_problems=2), NOW).text
    assert describe(status(bootstrapped=False), NOW).text.startswith("センター未同期")


def test_the_service_reads_the_store(demo_store) -> None:
    from madoguchi.app.context import FixedClock

    line = SyncStatusService(demo_store, FixedClock(NOW)).line(WorkerState(online=False))
    assert line.online is False and line.text.startswith("センター未同期")


def test_a_terminal_the_centre_refuses_says_so_and_whom_to_ask() -> None:
    line = describe(
        status(online=False, refused=True, last_error="センターがこの端末の接続を拒否しました。"),
        NOW,
    )
    assert line.text.startswith("オフライン（センターが接続を拒否）") and line.warn
    assert "システム管理者" in line.tooltip and "拒否しました" in line.tooltip
