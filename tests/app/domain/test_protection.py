"""支援措置 periods, extension window, alerts and 加害者 matching (j440, j160)."""

from __future__ import annotations

import datetime as dt

from madoguchi.app.domain.protection import (
    Perpetrator,
    extension_opens_on,
    extension_period,
    is_perpetrator,
    period_alerts,
    support_period_end,
)


def test_a_measure_runs_one_year() -> None:
    # The standard's own example: 令和2年4月1日 → 令和3年3月31日.
    assert support_period_end(dt.date(2020, 4, 1)) == dt.date(2021, 3, 31)
    assert support_period_end(dt.date(2024, 2, 29)) == dt.date(2025, 2, 28)
    assert support_period_end(dt.date(2023, 3, 1)) == dt.date(2024, 2, 29)


def test_extension_opens_a_month_before_the_end_and_adds_a_year() -> None:
    assert extension_opens_on(dt.date(2021, 3, 31)) == dt.date(2021, 2, 28)
    assert extension_period(dt.date(2021, 3, 31)) == (dt.date(2021, 4, 1), dt.date(2022, 3, 31))


def test_alerts_from_one_month_before_and_after_the_end() -> None:
    end = dt.date(2026, 11, 20)
    assert period_alerts(end, dt.date(2026, 10, 19)) == ()
    (soon,) = period_alerts(end, dt.date(2026, 10, 20))
    assert "1か月以内に終了" in soon and "令和8年11月20日" in soon
    (over,) = period_alerts(end, dt.date(2026, 11, 21))
    assert "終了しています" in over


def test_a_perpetrator_is_recognised_by_number_or_by_name_and_birth() -> None:
    resident = Perpetrator("山根　剛志", atena_no="0000000099")
    assert is_perpetrator(resident, atena_no="0000000099", name="", birth_date=None)
    named = Perpetrator("山根　剛志", birth_date="1979-05-05")
    # Spaces, width and 異体字 do not hide the name.
    assert is_perpetrator(named, atena_no=None, name="山根剛志", birth_date="1979-05-05")
    assert is_perpetrator(named, atena_no=None, name="山根 剛志", birth_date=None)
    assert not is_perpetrator(named, atena_no=None, name="山根　剛志", birth_date="1990-01-01")
    assert not is_perpetrator(named, atena_no=None, name="山根　剛", birth_date="1979-05-05")
