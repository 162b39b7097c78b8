"""How register values read on screen: dates by nationality, labels for codes.

R-DATA-2: Japanese residents' dates show in 和暦, foreign residents' birth dates and 満了日 in
西暦. The stored ISO-like text may be a legal oddity (R-DATA-5), which ``RegisterDate`` keeps.
"""

from __future__ import annotations

import datetime as dt

from madoguchi.app.domain.wareki import RegisterDate, format_date_jp

SEX_LABELS = {"1": "男", "2": "女"}
STATUS_LABELS = {"current": "住民", "removed": "除票"}
CARD_STATUS_LABELS = {
    "none": "未交付",
    "issued": "交付済",
    "expired": "有効期限切れ",
    "suspended": "一時停止",
    "returned": "返納",
}


def register_date_display(
    iso: str | None,
    *,
    era: str | None = None,
    qualifier: str | None = None,
    western: bool = False,
) -> str:
    """A stored register date as the counter reads it (和暦, or 西暦 when ``western``)."""
    if not iso:
        return ""
    date = RegisterDate.from_iso(iso, era=era, qualifier=qualifier)
    if western and qualifier is None:
        calendar_date = date.as_date()
        if calendar_date is not None:
            return format_date_jp(calendar_date, western=True)
    return date.display()


def date_display(value: dt.date | None, *, western: bool = False) -> str:
    """An administrative date (届出日, 満了日 …) in 和暦 or 西暦."""
    if value is None:
        return ""
    return format_date_jp(value, western=western)


def sex_label(code: str) -> str:
    """男 / 女 for the 住基 sex code."""
    return SEX_LABELS.get(code, "不明")


def status_label(status: str) -> str:
    """住民 / 除票."""
    return STATUS_LABELS.get(status, status)


def card_status_label(status: str) -> str:
    """The 個人番号カード state in words."""
    return CARD_STATUS_LABELS.get(status, status)
