"""The sync part of the status bar (R-SYNC-3, R-UI-2), as Japanese text; no Qt here.

The status bar shows whether the centre is reachable, how many ops wait and how old the
oldest is, when the last sync completed, and whether anything needs a supervisor. The GUI
calls ``SyncStatusService.line`` (off the GUI thread: it reads the store) whenever the sync
worker reports, and shows the result; a stalled queue is then visible to staff, not only in
a log.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from madoguchi.app.context import Clock
from madoguchi.storage.store import LocalStore
from madoguchi.storage.sync import SyncStatus, WorkerState, read_status


@dataclass(frozen=True)
class SyncStatusLine:
    """What the status bar shows, and the facts behind it."""

    online: bool | None
    text: str
    tooltip: str
    queue_depth: int
    oldest_age: dt.timedelta | None
    problems: int
    warn: bool


def _age(age: dt.timedelta) -> str:
    minutes = int(age.total_seconds() // 60)
    if minutes < 1:
        return "1分未満"
    if minutes < 60:
        return f"{minutes}分"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}時間{minutes}分"
    return f"{hours // 24}日{hours % 24}時間"


def describe(status: SyncStatus, now: dt.datetime) -> SyncStatusLine:
    """The status bar text for ``status`` at ``now``."""
    oldest = status.oldest_age(now)
    if not status.bootstrapped:
        state = "センター未同期（初期取込が必要）"
    elif status.online is None:
        state = "センター接続確認中"
    elif status.online:
        state = "オンライン"
    elif status.refused:
        state = "オフライン（センターが接続を拒否）"
    else:
        state = "オフライン"
    parts = [state]
    if status.queue_depth:
        waited = f"（最古 {_age(oldest)}前）" if oldest is not None else ""
        parts.append(f"未送信 {status.queue_depth}件{waited}")
    else:
        parts.append("未送信なし")
    if status.open_problems:
        parts.append(f"要確認 {status.open_problems}件")
    tips = []
    if status.last_success_at is not None:
        tips.append(f"最終同期 {status.last_success_at:%Y-%m-%d %H:%M}")
    if status.online is False:
        tips.append("センターに接続できないため、この端末のデータで業務を続けています。")
        if status.refused:
            tips.append("この端末の証明書・設定をシステム管理者に確認してもらってください。")
        if status.last_error:
            tips.append(status.last_error)
        if status.next_attempt_at is not None:
            tips.append(f"次の再接続 {status.next_attempt_at:%H:%M:%S}")
    if status.open_problems:
        tips.append(
            "センターで競合・拒否された操作があります。同期の確認画面で内容を確認してください。"
        )
    return SyncStatusLine(
        online=status.online,
        text="　".join(parts),
        tooltip="\n".join(tips),
        queue_depth=status.queue_depth,
        oldest_age=oldest,
        problems=status.open_problems,
        warn=status.online is False or bool(status.open_problems) or not status.bootstrapped,
    )


class SyncStatusService:
    """Reads the sync status for the status bar."""

    def __init__(self, store: LocalStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    def line(self, worker: WorkerState | None = None) -> SyncStatusLine:
        """The status bar's sync text, from the store and the worker's last report."""
        return describe(read_status(self._store, worker), self._clock.now())
