"""和暦 dates: conversion, counter input, and the register's legal dates (standard/j80.txt).

Era years are counted from the Gregorian start day of each era, as every
resident-register system does (明治元年 = 1868 from 1868-01-25); dates before
明治 have no 和暦 and are shown in 西暦.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

__all__ = [
    "ERAS",
    "Era",
    "InvalidDate",
    "RegisterDate",
    "era_of",
    "format_date_jp",
    "parse_date",
    "to_wareki",
]

_Ymd = tuple[int, int, int]


@dataclass(frozen=True)
class Era:
    """A Japanese era (元号): its name, its one-letter abbreviation and first day."""

    name: str
    letter: str
    start: date

    def era_year(self, western_year: int) -> int:
        """Return the year of this era (1 = 元年) that falls in ``western_year``."""
        return western_year - self.start.year + 1

    def western_year(self, era_year: int) -> int:
        """Return the 西暦 year of year ``era_year`` of this era."""
        return self.start.year + era_year - 1


ERAS: tuple[Era, ...] = (
    Era("明治", "M", date(1868, 1, 25)),
    Era("大正", "T", date(1912, 7, 30)),
    Era("昭和", "S", date(1926, 12, 25)),
    Era("平成", "H", date(1989, 1, 8)),
    Era("令和", "R", date(2019, 5, 1)),
)

_ERA_BY_NAME: dict[str, Era] = {era.name: era for era in ERAS}
_ERA_BY_TOKEN: dict[str, Era] = {}
for _code, _era in enumerate(ERAS, start=1):
    _ERA_BY_TOKEN.update({_era.name: _era, _era.name[0]: _era, _era.letter: _era})
    _ERA_BY_TOKEN[str(_code)] = _era  # 元号コード 1=明治 … 5=令和 of 住基 data files

# j80: the register may record the old era on the first day of the next one.
_TRANSITION_ERAS = frozenset({"明治", "大正"})

_ERA_RE = r"(?P<era>明治|大正|昭和|平成|令和|[明大昭平令MTSHR])"
_PLAIN_PATTERNS = tuple(
    re.compile(p)
    for p in (
        _ERA_RE + r"(?P<y>\d{1,3}|元)年(?P<m>\d{1,2})月(?P<d>\d{1,2})日",
        _ERA_RE + r"(?P<y>\d{1,3}|元)(?P<sep>[./\-])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})",
        _ERA_RE + r"(?P<y>\d{2})(?P<m>\d{2})(?P<d>\d{2})",
        r"(?P<era>[1-5])(?P<y>\d{2})(?P<m>\d{2})(?P<d>\d{2})",
        r"(?P<y>\d{4})年(?P<m>\d{1,2})月(?P<d>\d{1,2})日",
        r"(?P<y>\d{4})(?P<sep>[./\-])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})",
        r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})",
    )
)

_HINT = "「令和元年5月1日」「R1.5.1」「2019-05-01」のように入力してください。"


class InvalidDate(ValueError):
    """Raised for text that is not an acceptable date; the message says why and how to fix it."""


def _ymd(d: date) -> _Ymd:
    return (d.year, d.month, d.day)


def _next_era(era: Era) -> Era | None:
    index = ERAS.index(era)
    return ERAS[index + 1] if index + 1 < len(ERAS) else None


def _era_at(ymd: _Ymd) -> Era | None:
    for era in reversed(ERAS):
        if ymd >= _ymd(era.start):
            return era
    return None


def _year_text(year: int, era: Era | None) -> str:
    if era is None:
        return f"{year}年"
    n = era.era_year(year)
    return f"{era.name}{'元' if n == 1 else n}年"


def era_of(d: date) -> Era:
    """Return the era of ``d``; raise :class:`InvalidDate` for dates before 明治."""
    era = _era_at(_ymd(d))
    if era is None:
        raise InvalidDate(
            f"{d.year}年{d.month}月{d.day}日は明治より前のため和暦で表せません。"
            "西暦で入力・表示してください。"
        )
    return era


def to_wareki(d: date) -> str:
    """Format ``d`` in 和暦, e.g. ``令和元年5月1日`` (元年 for the first year)."""
    return f"{_year_text(d.year, era_of(d))}{d.month}月{d.day}日"


def format_date_jp(d: date, *, western: bool = False) -> str:
    """Format ``d`` for display: 和暦, or ``2019年5月1日`` when ``western`` or before 明治."""
    if western or _era_at(_ymd(d)) is None:
        return f"{d.year}年{d.month}月{d.day}日"
    return to_wareki(d)


def _normalize(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).upper()


@dataclass(frozen=True)
class _Parsed:
    era: Era | None
    era_year: int | None
    year: int
    month: int
    day: int

    def label(self) -> str:
        if self.era is None or self.era_year is None:
            head = f"{self.year}年"
        else:
            head = f"{self.era.name}{'元' if self.era_year == 1 else self.era_year}年"
        return f"{head}{self.month}月{self.day}日"


def _era_year(token: str) -> int:
    return 1 if token == "元" else int(token)


def _parse_plain(text: str) -> _Parsed | None:
    compact = _normalize(text)
    for pattern in _PLAIN_PATTERNS:
        match = pattern.fullmatch(compact)
        if match is None:
            continue
        groups = match.groupdict()
        month, day = int(groups["m"]), int(groups["d"])
        if groups.get("era") is None:
            return _Parsed(None, None, int(groups["y"]), month, day)
        era = _ERA_BY_TOKEN[groups["era"]]
        era_year = _era_year(groups["y"])
        return _Parsed(era, era_year, era.western_year(era_year), month, day)
    return None


def _check_ranges(year: int | None, month: int | None, day: int | None) -> None:
    if year is not None and not 1 <= year <= 9999:
        raise InvalidDate("年が範囲外です。正しい年を入力してください。")
    if month is not None and not 1 <= month <= 12:
        raise InvalidDate(f"{month}月という月はありません。1から12の月を入力してください。")
    if day is not None and not 1 <= day <= 31:
        raise InvalidDate(f"{day}日という日はありません。1から31の日を入力してください。")


def _era_span(era: Era, *, allow_transition: bool) -> tuple[_Ymd, _Ymd | None]:
    nxt = _next_era(era)
    if nxt is None:
        return _ymd(era.start), None
    if allow_transition and era.name in _TRANSITION_ERAS:
        return _ymd(era.start), _ymd(nxt.start)
    return _ymd(era.start), _ymd(nxt.start - timedelta(days=1))


def _era_span_text(era: Era) -> str:
    nxt = _next_era(era)
    if nxt is None:
        return f"{era.name}は{to_wareki(era.start)}からです"
    last = nxt.start - timedelta(days=1)
    return f"{era.name}は{to_wareki(era.start)}から{to_wareki(last)}までです"


def _check_era(
    era: Era,
    era_year: int,
    parts: tuple[int, int | None, int | None],
    label: str,
    *,
    allow_transition: bool,
) -> None:
    """Check that the (possibly partial) date ``parts`` lies within ``era``."""
    if era_year < 1:
        raise InvalidDate(
            f"{era.name}0年という年はありません。元号の年は1（元年）以上で入力してください。"
        )
    year, month, day = parts
    first, last = _era_span(era, allow_transition=allow_transition)
    period_first = (year, month or 1, day or 1)
    period_last = (year, month or 12, day or 31)
    if period_last >= first and (last is None or period_first <= last):
        return
    actual = ""
    if month is not None and day is not None:
        try:
            actual = f"この日は{to_wareki(date(year, month, day))}です。"
        except ValueError:
            actual = ""
    raise InvalidDate(
        f"{label}は{era.name}の期間にありません（{_era_span_text(era)}）。{actual}"
        "元号と年を確認して入力し直してください。"
    )


def parse_date(text: str) -> date:
    """Parse a calendar date typed in 和暦 or 西暦.

    Accepted: ``令和元年5月1日``, ``令和1年5月1日``, ``R1.5.1``, ``r01/05/01``,
    ``H31.4.30``, ``S64-1-7``, ``R010501``, ``5010501`` (元号コード 1–5),
    ``2019-05-01``, ``2019/5/1``, ``20190501``, ``2019年5月1日``, in full or half
    width. Impossible dates and 和暦 dates outside their era raise :class:`InvalidDate`.
    """
    parsed = _parse_plain(text)
    if parsed is None:
        raise InvalidDate(f"入力された日付を読み取れません。{_HINT}")
    _check_ranges(parsed.year, parsed.month, parsed.day)
    try:
        result = date(parsed.year, parsed.month, parsed.day)
    except ValueError:
        raise InvalidDate(
            f"{parsed.label()}は暦にない日付です。月日を確認して入力し直してください。"
        ) from None
    if parsed.era is not None and parsed.era_year is not None:
        parts = (parsed.year, parsed.month, parsed.day)
        _check_era(parsed.era, parsed.era_year, parts, parsed.label(), allow_transition=False)
    return result


# ---------------------------------------------------------------- 不詳日 (j80) ----

_EY_RE = (
    r"(?:(?P<era>明治|大正|昭和|平成|令和|[明大昭平令MTSHR])(?P<ey>\d{1,3}|元)|(?P<wy>\d{4}))年"
)
_QUALIFIER_TEMPLATES = (
    "年月日不詳",
    "{ey} 月日不詳",
    "{ey}{m}月 日不詳",
    "{ey}頃",
    "{ey}{m}月頃",
    "{ey}{m}月{d}日頃",
    "推定{ey}{m}月{d}日",
    "推定{ey}{m}月",
    "{ey}{season}",
    "{ey}{m}月{period}",
    "{ey}{m}月{period}頃",
    "{ey}{m}月{d}日から{m2}月{d2}日頃までの間",
    "{ey}{m}月推定{d}日から{d2}日までの間",
    "{ey}{m}月{d}日頃から{d2}日頃までの間",
)
_FIELD_RE = {
    "ey": _EY_RE,
    "m": r"(?P<m>\d{1,2})",
    "d": r"(?P<d>\d{1,2})",
    "m2": r"(?P<m2>\d{1,2})",
    "d2": r"(?P<d2>\d{1,2})",
    "season": r"(?P<season>[春夏秋冬])",
    "period": r"(?P<period>上旬|中旬|下旬)",
}


def _template_pattern(template: str) -> re.Pattern[str]:
    pieces = re.split(r"\{(\w+)\}", template.replace(" ", ""))
    regex = "".join(
        _FIELD_RE[piece] if i % 2 else re.escape(piece) for i, piece in enumerate(pieces)
    )
    return re.compile(regex)


_QUALIFIER_FORMS = tuple((t, _template_pattern(t)) for t in _QUALIFIER_TEMPLATES)


@dataclass(frozen=True)
class _Qualifier:
    template: str
    era: Era | None
    year: int | None
    month: int | None
    day: int | None
    extras: tuple[tuple[str, str], ...]

    def render(self, era: Era | None, *, western: bool) -> str:
        ey = "" if self.year is None else _year_text(self.year, None if western else era)
        fields = dict(self.extras, m=str(self.month), d=str(self.day))
        return self.template.format(ey=ey, **fields)

    @property
    def canonical(self) -> str:
        return self.render(self.era, western=self.era is None)


@lru_cache(maxsize=4096)
def _parse_qualifier(text: str) -> _Qualifier | None:
    compact = _normalize(text)
    for template, pattern in _QUALIFIER_FORMS:
        match = pattern.fullmatch(compact)
        if match is not None:
            return _qualifier_from(template, match)
    return None


def _qualifier_from(template: str, match: re.Match[str]) -> _Qualifier:
    g = match.groupdict()
    era = _ERA_BY_TOKEN[g["era"]] if g.get("era") else None
    year: int | None = None
    if era is not None:
        year = era.western_year(_era_year(g["ey"]))
    elif g.get("wy"):
        year = int(g["wy"])
    month = int(g["m"]) if g.get("m") else None
    day = int(g["d"]) if g.get("d") else None
    _check_ranges(year, month, day)
    _check_ranges(
        None, int(g["m2"]) if g.get("m2") else None, int(g["d2"]) if g.get("d2") else None
    )
    if g.get("d2") and not g.get("m2") and day is not None and int(g["d2"]) <= day:
        raise InvalidDate("期間の終わりの日が始まりの日より前です。日付の順序を確認してください。")
    extras = tuple(
        (k, str(int(v)) if v.isdigit() else v)
        for k, v in g.items()
        if k in ("m2", "d2", "season", "period") and v is not None
    )
    qualifier = _Qualifier(template, era, year, month, day, extras)
    if era is not None and year is not None:
        _check_era(
            era, _era_year(g["ey"]), (year, month, day), qualifier.canonical, allow_transition=True
        )
    return qualifier


@dataclass(frozen=True)
class RegisterDate:
    """A date as the register may hold it (R-DATA-5, standard/j80.txt).

    ``year``/``month``/``day`` are the known parts (``None`` when unknown);
    ``era`` is kept only when the recorded era differs from the one the date
    implies (明治45年7月30日, or a year such as 令和元年頃); ``qualifier`` is the
    legal wording of a 不詳日 (``令和3年頃``, ``年月日不詳`` …). Days the calendar
    does not have (平成11年2月29日) are allowed. Ranges keep their first day.
    """

    year: int | None = None
    month: int | None = None
    day: int | None = None
    era: str | None = None
    qualifier: str | None = None

    def __post_init__(self) -> None:
        if (self.year is None and self.month is not None) or (
            self.month is None and self.day is not None
        ):
            raise InvalidDate("年が不明なら月日も、月が不明なら日も不明として入力してください。")
        _check_ranges(self.year, self.month, self.day)
        era = None
        if self.era is not None:
            era = _ERA_BY_NAME.get(self.era)
            if era is None:
                raise InvalidDate(
                    f"元号「{self.era}」は使えません。明治・大正・昭和・平成・令和から選んでください。"
                )
        if self.qualifier is not None:
            q = _parse_qualifier(self.qualifier)
            if q is None:
                raise InvalidDate(
                    f"「{self.qualifier}」は不詳日の表記として使えません。"
                    "「令和3年頃」「年月日不詳」など標準仕様の表記で入力してください。"
                )
            if (q.year, q.month, q.day) != (self.year, self.month, self.day):
                raise InvalidDate("不詳日の表記と年月日が一致しません。表記を確認してください。")
            if era is not None and q.era is not None and q.era != era:
                raise InvalidDate("不詳日の表記と元号が一致しません。表記を確認してください。")
            era = era or q.era
            object.__setattr__(self, "qualifier", q.canonical)
        if era is not None and self.year is not None:
            parts = (self.year, self.month, self.day)
            _check_era(era, era.era_year(self.year), parts, self._label(era), allow_transition=True)
        if era is None or self.year is None or era == self._implied_era():
            object.__setattr__(self, "era", None)
        else:
            object.__setattr__(self, "era", era.name)

    def _implied_era(self) -> Era | None:
        if self.year is None:
            return None
        return _era_at((self.year, self.month or 1, self.day or 1))

    def _era(self) -> Era | None:
        if self.era is not None:
            return _ERA_BY_NAME[self.era]
        return self._implied_era()

    def _label(self, era: Era | None, *, western: bool = False) -> str:
        if self.year is None:
            return "年月日不詳"
        ey = _year_text(self.year, None if western else era)
        if self.month is None:
            return f"{ey} 月日不詳"
        if self.day is None:
            return f"{ey}{self.month}月 日不詳"
        return f"{ey}{self.month}月{self.day}日"

    @classmethod
    def parse(cls, text: str) -> RegisterDate:
        """Parse anything :func:`parse_date` accepts, days the calendar lacks and 不詳日 forms."""
        q = _parse_qualifier(text)
        if q is not None:
            return cls(q.year, q.month, q.day, q.era.name if q.era else None, q.canonical)
        parsed = _parse_plain(text)
        if parsed is None:
            raise InvalidDate(
                f"入力された日付を読み取れません。{_HINT}"
                "不明な部分がある場合は「令和3年頃」「年月日不詳」などの表記で入力してください。"
            )
        _check_ranges(parsed.year, parsed.month, parsed.day)
        if parsed.era is not None and parsed.era_year is not None:
            parts = (parsed.year, parsed.month, parsed.day)
            _check_era(parsed.era, parsed.era_year, parts, parsed.label(), allow_transition=True)
        return cls(parsed.year, parsed.month, parsed.day, parsed.era.name if parsed.era else None)

    @classmethod
    def from_date(cls, d: date) -> RegisterDate:
        """Wrap an ordinary calendar date."""
        return cls(d.year, d.month, d.day)

    @classmethod
    def from_iso(
        cls, iso: str, *, era: str | None = None, qualifier: str | None = None
    ) -> RegisterDate:
        """Rebuild from the stored form of :meth:`iso` plus the stored era and qualifier."""
        match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", iso)
        if match is None:
            raise InvalidDate("保存形式の日付は「YYYY-MM-DD」（不明な部分は0）で指定してください。")
        year, month, day = (int(x) or None for x in match.groups())
        return cls(year, month, day, era, qualifier)

    def iso(self) -> str:
        """Return the sortable stored form ``YYYY-MM-DD``, ``00`` for unknown parts."""
        return f"{self.year or 0:04d}-{self.month or 0:02d}-{self.day or 0:02d}"

    def as_date(self) -> date | None:
        """Return the calendar date, or None when a part is unknown or the day does not exist."""
        if self.year is None or self.month is None or self.day is None:
            return None
        try:
            return date(self.year, self.month, self.day)
        except ValueError:
            return None

    @property
    def is_calendar_date(self) -> bool:
        """True when the date is complete and exists in the calendar."""
        return self.as_date() is not None

    def display(self, *, western: bool = False) -> str:
        """Return the text for screens and certificates: 和暦 (or 西暦), or the 不詳日 wording."""
        era = self._era()
        if self.qualifier is not None:
            q = _parse_qualifier(self.qualifier)
            if q is not None:
                return q.render(era, western=western)
        return self._label(era, western=western)

    def __str__(self) -> str:
        return self.display()
