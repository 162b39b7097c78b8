"""Foreign-resident households of the demo city (住基法 §30-45), and mixed households.

Workers and students alone, families on 家族滞在, long-settled 特別永住者 with 通称,
a Japanese husband with a wife on 日本人の配偶者等. Each foreign member carries the
第30条の45区分, 在留資格, 在留期間 and its 満了日, and a 在留カード (or 特別永住者証明書) number.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from datetime import date, timedelta

from madoguchi.app.demo_city.foreign_names import (
    ALIAS_SURNAMES,
    KOREA,
    NATIONALITIES,
    NORTH_KOREA_REGION,
    STATUS_PERIODS,
    Nationality,
)
from madoguchi.app.demo_city.names import NamePart
from madoguchi.app.demo_city.plan import (
    FOREIGN_RESIDENT_LAW,
    ForeignDetails,
    HouseholdPlan,
    Member,
    Sampler,
    add_months,
)
from madoguchi.app.demo_city.shapes import FEMALE, MALE, children_of, share_koseki, spouse_birth
from madoguchi.app.demo_city.timeline import adult_on, join, settle
from madoguchi.app.domain.relationship import HOUSEHOLDER

MID_LONG_TERM = "中長期在留者"
SPECIAL_PERMANENT = "特別永住者"
BORN_HERE = "出生による経過滞在者"
CITY = "架空県みどり市"

_STATUS_AGES: dict[str, tuple[int, int]] = {
    "技能実習": (19, 34),
    "特定技能": (20, 38),
    "留学": (19, 30),
    "技術・人文知識・国際業務": (23, 45),
    "技能": (25, 50),
    "教育": (24, 55),
    "経営・管理": (30, 62),
    "永住者": (30, 78),
    "定住者": (22, 60),
}
_FAMILY_STATUSES = frozenset(
    {"技術・人文知識・国際業務", "技能", "教育", "経営・管理", "永住者", "定住者"}
)
_NATIONALITY_CUM = [
    sum(n.weight for n in NATIONALITIES[: i + 1]) for i in range(len(NATIONALITIES))
]


def _months(period: str) -> int:
    """Months of a 在留期間 such as ``1年3月``."""
    years, _, rest = period.partition("年")
    return int(years) * 12 + (int(rest.rstrip("月")) if rest else 0)


def card_number(s: Sampler) -> str:
    """A synthetic 在留カード/特別永住者証明書 number: 2 letters, 8 digits, 2 letters."""
    rng, letters = s.rng, string.ascii_uppercase
    return (
        rng.choice(letters)
        + rng.choice(letters)
        + f"{rng.randrange(10**8):08d}"
        + rng.choice(letters)
        + rng.choice(letters)
    )


def _nationality(s: Sampler) -> Nationality:
    return NATIONALITIES[s.weighted(_NATIONALITY_CUM)]


def _status(s: Sampler, nationality: Nationality, allowed: frozenset[str] | None = None) -> str:
    choices = [(st, w) for st, w in nationality.statuses if allowed is None or st in allowed]
    if not choices:
        return "特定技能"
    return s.rng.choices([st for st, _ in choices], [w for _, w in choices])[0]


def grant(s: Sampler, details: ForeignDetails, status: str) -> None:
    """Give ``details`` a 在留資格, a current 在留期間 and a 在留カード number."""
    details.category, details.status = MID_LONG_TERM, status
    details.card_no = card_number(s)
    periods = STATUS_PERIODS.get(status, ())
    if not periods:
        details.period = details.expires_on = None
        return
    details.period = s.pick(periods)
    months = _months(details.period)
    granted = s.date_between(add_months(s.today, -months) + timedelta(days=1), s.today)
    details.expires_on = add_months(granted, months) - timedelta(days=1)


def foreign_member(
    s: Sampler,
    nationality: Nationality,
    sex: str,
    birth: date,
    relationship: str,
    family: NamePart | None = None,
) -> Member:
    """A foreign resident with a name of ``nationality`` and its alphabet form."""
    family = family or s.pick(nationality.family)
    given = s.pick(nationality.male if sex == MALE else nationality.female)
    romanized = nationality.romanized
    alphabet = f"{romanized.get(family.written, family.written)} "
    alphabet += romanized.get(given.written, given.written)
    details = ForeignDetails(nationality.name, alphabet, MID_LONG_TERM)
    return Member(family, given, sex, birth, relationship, foreign=details)


def _alias(s: Sampler, member: Member, family: NamePart, on: date) -> None:
    assert member.foreign is not None
    given = s.given(member.sex, member.birth.year)
    member.foreign.alias, member.foreign.alias_on = (family, given), on


def _arrival_for(s: Sampler, status: str, adult: date) -> date:
    if status in ("技能実習", "特定技能", "留学"):
        return s.recent_date(max(adult, s.today - timedelta(days=365 * 5)), bias=1.3)
    return s.recent_date(adult, bias=0.9)


def _abroad_from(s: Sampler, nationality: Nationality) -> str | None:
    return nationality.name if s.chance(0.7) else None


def foreign_single(s: Sampler) -> HouseholdPlan:
    """A worker, student or settled resident living alone."""
    nationality = _nationality(s)
    status = _status(s, nationality, frozenset(_STATUS_AGES))
    sex = s.pick((MALE, FEMALE))
    member = foreign_member(
        s, nationality, sex, s.birth_for_age(*_STATUS_AGES[status]), HOUSEHOLDER
    )
    assert member.foreign is not None
    grant(s, member.foreign, status)
    plan = HouseholdPlan([member], foreign=True)
    arrival = _arrival_for(s, status, adult_on(member, 18))
    settle(s, plan, arrival, abroad_from=_abroad_from(s, nationality), move_chance=0.15)
    if status == "永住者" and s.chance(0.1):
        _alias(s, member, s.surname(), s.date_between(member.entry or arrival, s.today))
    return plan


def foreign_family(s: Sampler) -> HouseholdPlan:
    """A foreign couple, often with children; the spouse's 続柄 is 縁故者 without papers."""
    nationality = _nationality(s)
    status = _status(s, nationality, _FAMILY_STATUSES)
    head = foreign_member(s, nationality, MALE, s.birth_for_age(26, 55), HOUSEHOLDER)
    relation = "縁故者" if s.chance(0.08) else "妻"
    wife = foreign_member(s, nationality, FEMALE, spouse_birth(s, head.birth), relation)
    members = [head, wife]
    if s.chance(0.75):
        kids = children_of(s, wife, s.rng.choices((1, 2, 3), (45, 40, 15))[0], head)
        members += [
            foreign_member(s, nationality, kid.sex, kid.birth, "子", head.family) for kid in kids
        ]
    plan = HouseholdPlan(members, foreign=True)
    for member in members:
        assert member.foreign is not None
        if member is head:
            grant(s, member.foreign, status)
        elif status in ("永住者", "定住者"):
            grant(s, member.foreign, status if member is not wife else "永住者の配偶者等")
        else:
            grant(s, member.foreign, "家族滞在")
    arrival = _arrival_for(s, status, adult_on(head, 22))
    settle(s, plan, arrival, abroad_from=_abroad_from(s, nationality), move_chance=0.2)
    for kid in members[2:]:
        assert kid.foreign is not None
        if (s.today - kid.birth).days < 60:  # not yet granted a status after birth
            kid.foreign.category, kid.foreign.status = BORN_HERE, None
            kid.foreign.period = kid.foreign.expires_on = kid.foreign.card_no = None
    return plan


def special_permanent(s: Sampler) -> HouseholdPlan:
    """A long-settled Korean family of 特別永住者, most with a 通称."""
    region = KOREA.name if s.chance(0.85) else NORTH_KOREA_REGION
    head = foreign_member(s, KOREA, MALE, s.birth_for_age(50, 92), HOUSEHOLDER)
    wife = foreign_member(s, KOREA, FEMALE, spouse_birth(s, head.birth), "妻")
    members = [head, wife]
    if s.chance(0.4):
        kids = children_of(s, wife, s.pick((1, 2)), head)
        members += [foreign_member(s, KOREA, k.sex, k.birth, "子", head.family) for k in kids]
    plan = HouseholdPlan(members, foreign=True)
    settle(s, plan, s.recent_date(adult_on(head, 25), bias=0.6))
    alias_family = s.pick(ALIAS_SURNAMES) if s.chance(0.7) else None
    for member in members:
        details = member.foreign
        assert details is not None and member.entry is not None
        details.nationality, details.category = region, SPECIAL_PERMANENT
        details.card_no = card_number(s)
        if alias_family is not None:
            recorded = max(member.entry, FOREIGN_RESIDENT_LAW)
            _alias(s, member, alias_family, recorded)
            if member is head and recorded < s.today - timedelta(days=800) and s.chance(0.15):
                changed = s.date_between(
                    recorded + timedelta(days=30), s.today - timedelta(days=400)
                )
                earlier = (s.pick(ALIAS_SURNAMES), s.given(MALE, member.birth.year))
                details.earlier_alias = (*earlier, recorded, changed)
                details.alias_on = changed
    return plan


def foreign_kin(s: Sampler) -> HouseholdPlan:
    """A worker with a relative whose kinship has no document: 縁故者 (standard/j110.txt)."""
    plan = foreign_single(s)
    head = plan.members[0]
    assert head.foreign is not None and head.entry is not None
    nationality = next(n for n in NATIONALITIES if n.name == head.foreign.nationality)
    relative = foreign_member(
        s, nationality, s.pick((MALE, FEMALE)), s.birth_for_age(19, 40), "縁故者"
    )
    assert relative.foreign is not None
    grant(s, relative.foreign, _status(s, nationality, frozenset(_STATUS_AGES) - {"永住者"}))
    plan.members.append(relative)
    join(s, relative, s.date_between(head.entry, s.today - timedelta(days=10)))
    if relative.entry_kind == "move_in" and s.chance(0.7):
        relative.entry_kind, relative.previous_address = "abroad", nationality.name
    return plan


def mixed(s: Sampler) -> HouseholdPlan:
    """A Japanese 世帯主, his foreign wife (日本人の配偶者等 or 永住者) and Japanese children."""
    family = s.surname()
    husband = s.person(MALE, s.birth_for_age(28, 62), HOUSEHOLDER, family)
    nationality = _nationality(s)
    wife = foreign_member(s, nationality, FEMALE, spouse_birth(s, husband.birth, -4.0), "妻")
    assert wife.foreign is not None
    grant(s, wife.foreign, "日本人の配偶者等" if s.chance(0.7) else "永住者")
    members = [husband, wife]
    kids: list[Member] = []
    if s.chance(0.6):
        kids = children_of(s, wife, s.pick((1, 2)), husband)
        members += kids
    plan = HouseholdPlan(members)
    lifetime = s.chance(0.3)
    arrival = s.recent_date(adult_on(husband, 25), bias=0.9)
    if lifetime and kids:  # he grew up here: the children were born here too
        arrival = min(arrival, kids[0].birth - timedelta(days=200))
    settle(s, plan, arrival, lifetime=lifetime)
    share_koseki(s, plan, husband, *kids)
    assert wife.entry is not None
    if s.chance(0.35):
        alias_given = NamePart(wife.given.kana, wife.given.kana)
        wife.foreign.alias = (family, alias_given)
        wife.foreign.alias_on = s.date_between(wife.entry, s.today)
    return plan


FOREIGN_SHAPES: tuple[tuple[Callable[[Sampler], HouseholdPlan], float], ...] = (
    (foreign_single, 55.0),
    (foreign_family, 25.0),
    (special_permanent, 8.0),
    (foreign_kin, 4.0),
)
"""Shapes of wholly foreign households and their relative frequency."""
