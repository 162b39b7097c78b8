"""支援措置 and 発行抑止 rules (standard/j160, j410, j440; R-CERT-4): periods, alerts, matching.

A measure runs one year: starting 令和2年4月1日 it ends 令和3年3月31日. From one month before
its end it may be extended by one year counted from the day after the end, and screens warn
that it is about to end; after the end, until someone extends or ends it, they warn that the
period is over. The measure itself never lapses on its own (j410: 抑止は自動的に終了しない).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from madoguchi.app.domain.variants import name_key
from madoguchi.app.domain.wareki import format_date_jp

__all__ = [
    "Perpetrator",
    "extension_opens_on",
    "extension_period",
    "is_perpetrator",
    "period_alerts",
    "support_period_end",
]


def _shift_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by whole months, clamped to the month's last day (3/31 - 1 month = 2/28)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("every month has a 28th")


def support_period_end(starts_on: dt.date) -> dt.date:
    """The last day of a one-year period starting ``starts_on`` (j440: R2.4.1 → R3.3.31).

    The day before the same date a year on; when that date does not exist (2月29日), the last
    day of its month (民法 §143).
    """
    shifted = _shift_months(starts_on, 12)
    if shifted.day != starts_on.day:
        return shifted
    return shifted - dt.timedelta(days=1)


def extension_opens_on(ends_on: dt.date) -> dt.date:
    """The first day an extension may be made, and alerts start: one month before the end."""
    return _shift_months(ends_on, -1)


def extension_period(ends_on: dt.date) -> tuple[dt.date, dt.date]:
    """The extended period: one year from the day after the current end."""
    start = ends_on + dt.timedelta(days=1)
    return start, support_period_end(start)


def period_alerts(ends_on: dt.date, today: dt.date) -> tuple[str, ...]:
    """The alerts a screen shows for a measure that has not been ended (j440)."""
    if today > ends_on:
        return (
            f"支援措置の期間（{format_date_jp(ends_on)}まで）が終了しています。"
            "延長または終了の処理をしてください。",
        )
    if today >= extension_opens_on(ends_on):
        return (
            f"支援措置の期間が1か月以内に終了します（{format_date_jp(ends_on)}まで）。"
            "必要なら延長の処理をしてください。",
        )
    return ()


@dataclass(frozen=True)
class Perpetrator:
    """A 加害者 as the measure records them: a resident's 宛名番号, or a name and birth date."""

    name: str
    atena_no: str | None = None
    birth_date: str | None = None  # ISO YYYY-MM-DD

    @property
    def key(self) -> str:
        """The folded name used for matching (異体字, width and spaces ignored)."""
        return name_key(self.name)


def is_perpetrator(
    perpetrator: Perpetrator, *, atena_no: str | None, name: str, birth_date: str | None
) -> bool:
    """Whether a requester is the 加害者: the same 宛名番号, or the same name and birth date.

    A name alone is not enough when both birth dates are known and differ; when the measure
    knows no birth date, the same name is treated as a match (the request is refused and the
    支援措置責任者 decides), as a missed match would put the protected person at risk.
    """
    if atena_no and perpetrator.atena_no and atena_no == perpetrator.atena_no:
        return True
    if not name.strip() or name_key(name) != perpetrator.key:
        return False
    if perpetrator.birth_date and birth_date:
        return perpetrator.birth_date == birth_date
    return True
