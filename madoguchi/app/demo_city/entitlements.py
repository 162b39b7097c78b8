"""個人番号カード status and 個別事項 (選挙, 国保, 後期高齢, 介護, 国年, 児童手当) of a household.

Only current residents get them. A card is valid until the 10th birthday after issue (the
5th for those under 18 at issue) and, for a foreign resident with a 在留期間, no longer than
that; cards that ran out were mostly renewed, some are shown as expired.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from madoguchi.app.demo_city.plan import YEAR_DAYS, HouseholdPlan, Member, Sampler, add_months
from madoguchi.app.domain.relationship import HOUSEHOLDER

CARD_START = date(2016, 1, 12)
"""First 個人番号カード were handed out in January 2016."""


@dataclass(frozen=True, slots=True)
class Card:
    """A card status and its expiry (None when no card)."""

    status: str
    expires_on: date | None


NO_CARD = Card("none", None)


def _birthday_after(birth: date, issued: date, count: int) -> date:
    """The ``count``-th birthday of ``birth`` after ``issued``."""
    month, day = birth.month, min(birth.day, 28) if birth.month == 2 else birth.day
    year = issued.year + count - (1 if (month, day) > (issued.month, issued.day) else 0)
    return date(year, month, day)


def _expiry(member: Member, issued: date) -> date:
    adult = issued >= date.fromordinal(member.birth.toordinal() + int(18 * YEAR_DAYS))
    expires = _birthday_after(member.birth, issued, 10 if adult else 5)
    foreign = member.foreign
    if foreign is not None and foreign.expires_on is not None:
        expires = min(expires, foreign.expires_on)
    return expires


def card_of(s: Sampler, member: Member) -> Card:
    """The card status of a current resident: about three in four hold a valid card."""
    rng, today = s.rng, s.today
    if rng.random() >= 0.79:
        return NO_CARD
    start = max(CARD_START, member.birth + timedelta(days=30))
    if start >= today:
        return NO_CARD
    issued = s.recent_date(start, bias=0.8)
    expires = _expiry(member, issued)
    if expires < today:
        if rng.random() < 0.2:
            return Card("expired", expires)
        renewed = s.date_between(max(issued, expires - timedelta(days=90)), today)
        expires = max(_expiry(member, renewed), today + timedelta(days=1))
    if rng.random() < 0.006:
        return Card("suspended", expires)
    return Card("issued", expires)


_DAYS_18, _DAYS_20, _DAYS_60 = int(18 * YEAR_DAYS), int(20 * YEAR_DAYS), int(60 * YEAR_DAYS)
_DAYS_65, _DAYS_75 = int(65 * YEAR_DAYS), int(75 * YEAR_DAYS)


def individual_items(s: Sampler, plan: HouseholdPlan, atena: list[str]) -> list[dict[str, object]]:
    """個別事項 rows for the current members of ``plan`` (``atena`` by member index)."""
    random, today = s.rng.random, s.today
    members = plan.members
    current = [i for i, m in enumerate(members) if m.removal is None and m.entry is not None]
    if not current:
        return []
    head = next((i for i in current if members[i].relationship == HOUSEHOLDER), current[0])
    head_age = s.age(members[head].birth)
    kokuho = random() < (0.75 if head_age >= 65 else 0.5 if plan.foreign else 0.22)
    settled_before = add_months(today, -3)  # 選挙人名簿: resident for three months
    today_ordinal = today.toordinal()
    rows: list[dict[str, object]] = []
    eldest_child: date | None = None
    for index in current:
        member = members[index]
        entry = member.entry
        assert entry is not None
        born = member.birth.toordinal()
        days = today_ordinal - born
        atena_no = atena[index]
        if days >= _DAYS_18 and member.foreign is None and entry <= settled_before:
            since = max(add_months(entry, 3), date.fromordinal(born + _DAYS_18))
            rows.append(
                {"atena_no": atena_no, "kind": "選挙人名簿", "status": "登録", "since": since}
            )
        if days >= _DAYS_75:
            since = max(date.fromordinal(born + _DAYS_75), entry)
            rows.append(
                {"atena_no": atena_no, "kind": "後期高齢", "status": "被保険者", "since": since}
            )
        elif kokuho:
            rows.append(
                {"atena_no": atena_no, "kind": "国保", "status": "被保険者", "since": entry}
            )
        if days >= _DAYS_65:
            since = max(date.fromordinal(born + _DAYS_65), entry)
            rows.append(
                {"atena_no": atena_no, "kind": "介護", "status": "第1号被保険者", "since": since}
            )
        elif _DAYS_20 <= days < _DAYS_60:
            since = max(date.fromordinal(born + _DAYS_20), entry)
            if kokuho:
                rows.append(
                    {
                        "atena_no": atena_no,
                        "kind": "国年",
                        "status": "第1号被保険者",
                        "since": since,
                    }
                )
            elif member.relationship in ("妻", "妻（未届）") and random() < 0.4:
                rows.append(
                    {
                        "atena_no": atena_no,
                        "kind": "国年",
                        "status": "第3号被保険者",
                        "since": since,
                    }
                )
        elif days < _DAYS_18 and (eldest_child is None or member.birth < eldest_child):
            eldest_child = member.birth
    if eldest_child is not None:
        recipient = _allowance_recipient(plan, current, head)
        start = add_months(eldest_child.replace(day=1), 1)
        since = max(start, members[recipient].entry or start)
        rows.append(
            {"atena_no": atena[recipient], "kind": "児童手当", "status": "受給中", "since": since}
        )
    return rows


def _allowance_recipient(plan: HouseholdPlan, current: list[int], head: int) -> int:
    """The parent who receives 児童手当: a 子 with children of their own, else the 世帯主."""
    for index in current:
        member = plan.members[index]
        if member.relationship == "子" and any(plan.members[i].family_of == index for i in current):
            return index
    return head
