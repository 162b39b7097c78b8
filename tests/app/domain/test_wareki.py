"""Tests for 和暦 conversion, date input and the register's legal dates (j80)."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import jaconv
import pytest
from hypothesis import given
from hypothesis import strategies as st

from madoguchi.app.domain.wareki import (
    ERAS,
    InvalidDate,
    RegisterDate,
    era_of,
    format_date_jp,
    parse_date,
    to_wareki,
)

MEIJI = date(1868, 1, 25)
dates = st.dates(min_value=MEIJI, max_value=date(2099, 12, 31))


def test_eras() -> None:
    assert [(e.name, e.letter, e.start) for e in ERAS] == [
        ("明治", "M", date(1868, 1, 25)),
        ("大正", "T", date(1912, 7, 30)),
        ("昭和", "S", date(1926, 12, 25)),
        ("平成", "H", date(1989, 1, 8)),
        ("令和", "R", date(2019, 5, 1)),
    ]
    assert era_of(date(2019, 4, 30)).name == "平成"
    assert era_of(date(2019, 5, 1)).name == "令和"


@pytest.mark.parametrize(
    ("d", "text"),
    [
        (date(2019, 5, 1), "令和元年5月1日"),
        (date(2019, 4, 30), "平成31年4月30日"),
        (date(1989, 1, 7), "昭和64年1月7日"),
        (date(1989, 1, 8), "平成元年1月8日"),
        (date(1912, 7, 29), "明治45年7月29日"),
        (date(1912, 7, 30), "大正元年7月30日"),
        (date(1926, 12, 24), "大正15年12月24日"),
        (date(1926, 12, 25), "昭和元年12月25日"),
        (date(1868, 1, 25), "明治元年1月25日"),
        (date(2024, 2, 29), "令和6年2月29日"),
    ],
)
def test_to_wareki(d: date, text: str) -> None:
    assert to_wareki(d) == text
    assert format_date_jp(d) == text
    assert parse_date(text) == d


def test_before_meiji() -> None:
    with pytest.raises(InvalidDate, match="西暦"):
        to_wareki(date(1868, 1, 24))
    assert format_date_jp(date(1868, 1, 24)) == "1868年1月24日"
    assert format_date_jp(date(2019, 5, 1), western=True) == "2019年5月1日"


@pytest.mark.parametrize(
    "text",
    [
        "令和元年5月1日",
        "令和1年5月1日",
        "令和01年05月01日",
        "R1.5.1",
        "r01/05/01",
        "R01-05-01",
        "R010501",
        "ｒ０１０５０１",
        "Ｒ１．５．１",
        "令和１年５月１日",
        " 令和 元年 5月 1日 ",
        "令1.5.1",
        "㋿元年5月1日",
        "5010501",
        "2019-05-01",
        "2019/5/1",
        "2019.5.1",
        "20190501",
        "2019年5月1日",
        "２０１９年５月１日",
    ],
)
def test_parse_date_accepts(text: str) -> None:
    assert parse_date(text) == date(2019, 5, 1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("H31.4.30", date(2019, 4, 30)),
        ("S64-1-7", date(1989, 1, 7)),
        ("s64.1.7", date(1989, 1, 7)),
        ("T15.12.24", date(1926, 12, 24)),
        ("M45.7.29", date(1912, 7, 29)),
        ("㍻元年1月8日", date(1989, 1, 8)),
        ("4310430", date(2019, 4, 30)),
    ],
)
def test_parse_date_other_eras(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("平成31年5月1日", ["平成の期間にありません", "令和元年5月1日"]),
        ("令和元年4月30日", ["令和の期間にありません", "平成31年4月30日"]),
        ("昭和64年1月8日", ["昭和の期間にありません", "平成元年1月8日"]),
        ("明治45年7月30日", ["明治の期間にありません", "大正元年7月30日"]),
        ("大正元年7月29日", ["大正の期間にありません", "明治45年7月29日"]),
        ("令和0年1月1日", ["1（元年）以上"]),
    ],
)
def test_wareki_outside_its_era(text: str, fragments: list[str]) -> None:
    with pytest.raises(InvalidDate) as info:
        parse_date(text)
    for fragment in fragments:
        assert fragment in str(info.value)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("令和3年2月29日", "暦にない日付"),
        ("2021-02-29", "暦にない日付"),
        ("2021-04-31", "暦にない日付"),
        ("2021-13-01", "13月"),
        ("2021-12-32", "32日"),
        ("2021-00-10", "0月"),
        ("", "読み取れません"),
        ("きのう", "読み取れません"),
        ("2019/05-01", "読み取れません"),
        ("X1.5.1", "読み取れません"),
        ("令和3年頃", "読み取れません"),
    ],
)
def test_parse_date_rejects(text: str, fragment: str) -> None:
    with pytest.raises(InvalidDate, match=fragment):
        parse_date(text)


def test_invalid_date_is_value_error() -> None:
    assert issubclass(InvalidDate, ValueError)


@given(dates)
def test_wareki_round_trip(d: date) -> None:
    text = to_wareki(d)
    assert parse_date(text) == d
    assert parse_date(jaconv.h2z(text, digit=True)) == d
    assert parse_date(format_date_jp(d, western=True)) == d
    assert parse_date(d.isoformat()) == d
    assert parse_date(d.strftime("%Y%m%d")) == d


@given(dates)
def test_letter_forms_round_trip(d: date) -> None:
    era = era_of(d)
    year = d.year - era.start.year + 1
    assert parse_date(f"{era.letter}{year}.{d.month}.{d.day}") == d
    assert parse_date(f"{era.letter.lower()}{year:02d}/{d.month:02d}/{d.day:02d}") == d
    assert parse_date(f"{era.letter}{year:02d}{d.month:02d}{d.day:02d}") == d


@given(dates)
def test_previous_era_is_rejected_after_its_end(d: date) -> None:
    era = era_of(d)
    index = ERAS.index(era)
    if index == 0:
        return
    previous = ERAS[index - 1]
    year = d.year - previous.start.year + 1
    text = f"{previous.name}{year}年{d.month}月{d.day}日"
    with pytest.raises(InvalidDate, match=f"{previous.name}の期間"):
        parse_date(text)


# ------------------------------------------------------------------ RegisterDate


@pytest.mark.parametrize(
    ("text", "iso", "display", "calendar"),
    [
        ("令和元年5月1日", "2019-05-01", "令和元年5月1日", True),
        ("2019-05-01", "2019-05-01", "令和元年5月1日", True),
        ("平成11年2月29日", "1999-02-29", "平成11年2月29日", False),
        ("明治45年7月30日", "1912-07-30", "明治45年7月30日", True),
        ("大正15年12月25日", "1926-12-25", "大正15年12月25日", True),
        ("令和3年頃", "2021-00-00", "令和3年頃", False),
        ("令和３年５月頃", "2021-05-00", "令和3年5月頃", False),
        ("令和3年5月1日頃", "2021-05-01", "令和3年5月1日頃", True),
        ("推定令和3年5月1日", "2021-05-01", "推定令和3年5月1日", True),
        ("推定令和3年5月", "2021-05-00", "推定令和3年5月", False),
        ("令和3年春", "2021-00-00", "令和3年春", False),
        ("令和2年5月上旬", "2020-05-00", "令和2年5月上旬", False),
        ("令和2年5月中旬頃", "2020-05-00", "令和2年5月中旬頃", False),
        ("年月日不詳", "0000-00-00", "年月日不詳", False),
        ("令和3年　月日不詳", "2021-00-00", "令和3年 月日不詳", False),
        ("令和3年5月 日不詳", "2021-05-00", "令和3年5月 日不詳", False),
        (
            "令和3年5月1日から6月2日頃までの間",
            "2021-05-01",
            "令和3年5月1日から6月2日頃までの間",
            True,
        ),
        (
            "令和3年5月推定1日から5日までの間",
            "2021-05-01",
            "令和3年5月推定1日から5日までの間",
            True,
        ),
        (
            "令和3年5月1日頃から5日頃までの間",
            "2021-05-01",
            "令和3年5月1日頃から5日頃までの間",
            True,
        ),
        ("令和元年頃", "2019-00-00", "令和元年頃", False),
        ("平成31年頃", "2019-00-00", "平成31年頃", False),
        ("2021年頃", "2021-00-00", "令和3年頃", False),
        ("昭和20年夏", "1945-00-00", "昭和20年夏", False),
    ],
)
def test_register_date_parse(text: str, iso: str, display: str, calendar: bool) -> None:
    register_date = RegisterDate.parse(text)
    assert register_date.iso() == iso
    assert register_date.display() == display
    assert str(register_date) == display
    assert register_date.is_calendar_date is calendar
    assert (register_date.as_date() is not None) is calendar
    again = RegisterDate.from_iso(iso, era=register_date.era, qualifier=register_date.qualifier)
    assert again == register_date
    assert RegisterDate.parse(register_date.display()).iso() == iso


def test_register_date_keeps_explicit_era_only_when_needed() -> None:
    assert RegisterDate.parse("令和元年5月1日").era is None
    assert RegisterDate.parse("明治45年7月30日").era == "明治"
    assert RegisterDate.parse("大正15年12月25日").era == "大正"
    assert RegisterDate.parse("令和元年頃").era == "令和"
    assert RegisterDate.parse("平成31年頃").era is None
    assert RegisterDate.parse("年月日不詳").era is None
    # Without the recorded era the same day reads as the next era.
    assert RegisterDate.from_iso("1912-07-30").display() == "大正元年7月30日"


def test_register_date_western_display() -> None:
    assert RegisterDate.parse("令和3年5月頃").display(western=True) == "2021年5月頃"
    assert RegisterDate.parse("令和元年5月1日").display(western=True) == "2019年5月1日"
    assert RegisterDate.parse("年月日不詳").display(western=True) == "年月日不詳"
    assert RegisterDate.from_iso("2021-05-00").display(western=True) == "2021年5月 日不詳"


def test_register_date_without_qualifier_shows_unknown_parts() -> None:
    assert RegisterDate.from_iso("0000-00-00").display() == "年月日不詳"
    assert RegisterDate.from_iso("2021-00-00").display() == "令和3年 月日不詳"
    assert RegisterDate.from_iso("2021-05-00").display() == "令和3年5月 日不詳"
    assert RegisterDate.from_iso("1850-01-02").display() == "1850年1月2日"


def test_register_date_from_date() -> None:
    register_date = RegisterDate.from_date(date(1989, 1, 7))
    assert register_date.iso() == "1989-01-07"
    assert register_date.as_date() == date(1989, 1, 7)
    assert register_date.display() == "昭和64年1月7日"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("平成31年5月1日", "平成の期間"),
        ("昭和64年1月8日", "昭和の期間"),
        ("令和元年1月頃", "令和の期間"),
        ("平成32年頃", "平成の期間"),
        ("令和3年2月30日から", "読み取れません"),
        ("令和3年", "読み取れません"),
        ("令和3年13月頃", "13月"),
        ("令和3年5月推定5日から1日までの間", "前です"),
        ("きのう", "読み取れません"),
    ],
)
def test_register_date_rejects(text: str, fragment: str) -> None:
    with pytest.raises(InvalidDate, match=fragment):
        RegisterDate.parse(text)


@pytest.mark.parametrize(
    ("iso", "era", "qualifier"),
    [
        ("2021-5-1", None, None),
        ("2021-00-01", None, None),
        ("0000-05-00", None, None),
        ("2021-00-00", "令和", "令和2年頃"),
        ("2021-00-00", "平成", None),
        ("2021-00-00", "天平", None),
        ("2021-00-00", None, "そのうち"),
    ],
)
def test_from_iso_rejects(iso: str, era: str | None, qualifier: str | None) -> None:
    with pytest.raises(InvalidDate):
        RegisterDate.from_iso(iso, era=era, qualifier=qualifier)


@given(dates)
def test_register_date_round_trips(d: date) -> None:
    register_date = RegisterDate.from_date(d)
    assert register_date.iso() == d.isoformat()
    assert RegisterDate.parse(register_date.display()) == register_date
    assert RegisterDate.from_iso(register_date.iso()) == register_date


@given(dates, dates)
def test_iso_sorts_like_dates(a: date, b: date) -> None:
    ia, ib = RegisterDate.from_date(a).iso(), RegisterDate.from_date(b).iso()
    assert (ia < ib) == (a < b)


@given(st.integers(min_value=1989, max_value=2099), st.integers(1, 12), st.data())
def test_partial_dates_sort_before_the_period(year: int, month: int, data: st.DataObject) -> None:
    day = data.draw(st.integers(1, 28))
    month_only = RegisterDate.from_iso(f"{year:04d}-{month:02d}-00")
    full = RegisterDate.from_date(date(year, month, day))
    year_only = RegisterDate.from_iso(f"{year:04d}-00-00")
    assert year_only.iso() < month_only.iso() < full.iso()
    assert year_only.as_date() is None and month_only.as_date() is None


def test_non_calendar_days_of_every_month() -> None:
    for month, last in ((2, 29), (4, 31), (6, 31), (9, 31), (11, 31)):
        register_date = RegisterDate.parse(f"平成11年{month}月{last}日")
        assert not register_date.is_calendar_date
        assert register_date.iso() == f"1999-{month:02d}-{last}"
    with pytest.raises(InvalidDate):
        parse_date("平成11年4月31日")


def test_last_day_of_each_era_accepts_only_the_transition_eras() -> None:
    # 明治・大正 may be recorded on the first day of the next era (j80); others may not.
    for era, nxt in itertools.pairwise(ERAS):
        year = nxt.start.year - era.start.year + 1
        text = f"{era.name}{year}年{nxt.start.month}月{nxt.start.day}日"
        if era.name in ("明治", "大正"):
            assert RegisterDate.parse(text).era == era.name
        else:
            with pytest.raises(InvalidDate):
                RegisterDate.parse(text)
        last = nxt.start - timedelta(days=1)
        assert RegisterDate.parse(to_wareki(last)).era is None
