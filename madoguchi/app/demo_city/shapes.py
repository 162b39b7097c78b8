"""Japanese household shapes of the demo city, with their usual frequencies.

Each shape builds a HouseholdPlan: members with valid 続柄 (standard/j110.txt), 戸籍
(本籍 and 筆頭者) the way families share them, arrival and birth dates, and the events
that make a household's history: members who died or moved out (除票), a 世帯主 who
handed over to a child (世帯主変更), a widow who became 世帯主.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from madoguchi.app.demo_city.names import NamePart
from madoguchi.app.demo_city.plan import YEAR_DAYS, HouseholdPlan, Member, Sampler
from madoguchi.app.demo_city.timeline import adult_on, died, join, leave, settle
from madoguchi.app.domain.change_reason import MOVE_OUT_DOMESTIC
from madoguchi.app.domain.relationship import HOUSEHOLDER

MALE, FEMALE = "1", "2"
FORMER_SURNAME_LAW = date(2019, 11, 5)
"""旧氏 can be recorded from this day (令和元年11月5日)."""


def spouse_birth(s: Sampler, other: date, older_by: float = 2.0) -> date:
    """A spouse's birth date around ``older_by`` years after ``other``'s."""
    offset = s.rng.gauss(older_by, 3.0)
    day = date.fromordinal(other.toordinal() + int(offset * 365.2425) + s.randint(-180, 180))
    return min(day, s.today - timedelta(days=365 * 18))


def _arrival(s: Sampler, formed: date, *, bias: float = 1.0) -> date:
    """When a household formed on ``formed`` came to the city."""
    return s.recent_date(min(formed, s.today - timedelta(days=20)), bias=bias)


def share_koseki(s: Sampler, plan: HouseholdPlan, hittosha: Member, *members: Member) -> None:
    """Put ``hittosha`` and ``members`` in one 戸籍 with ``hittosha`` as 筆頭者."""
    koseki = (s.honseki(plan.addresses[-1][1] if plan.addresses else None), hittosha.full_name)
    hittosha.koseki, hittosha.is_hittosha = koseki, True
    for member in members:
        member.koseki = koseki


def _parents_koseki(s: Sampler, member: Member) -> None:
    """``member`` is still in the 戸籍 of a father who does not live here."""
    member.koseki = (s.honseki(), s.father_name(member.family, member.birth))


def _maybe_former_surname(s: Sampler, wife: Member, husband: Member) -> None:
    if s.age(wife.birth) < 70 and s.chance(0.04):
        wife.former_surname = s.other_surname(husband.family)
        wife.former_surname_on = s.date_between(
            max(FORMER_SURNAME_LAW, wife.entry or s.today), s.today
        )


def children_of(s: Sampler, mother: Member, count: int, family: Member) -> list[Member]:
    """Up to ``count`` children of ``mother`` (at least one), oldest first; about 2% twins."""
    last = s.today.toordinal() - 20
    ordinal = mother.birth.toordinal() + int(s.rng.uniform(22, 34) * YEAR_DAYS)
    if ordinal > last:
        ordinal = s.randint(min(mother.birth.toordinal() + int(18 * YEAR_DAYS), last), last)
    kids: list[Member] = []
    while True:
        birth = date.fromordinal(ordinal)
        kids.append(s.person(s.pick((MALE, FEMALE)), birth, "子", family.family))
        if len(kids) == count:
            return kids
        if not s.chance(0.02):  # twins share the birth date (their order follows 宛名番号)
            ordinal += int(s.rng.uniform(1.2, 6.0) * YEAR_DAYS)
        if ordinal > last:
            return kids


def _kids_move_out(s: Sampler, kids: list[Member]) -> None:
    for kid in kids:
        if s.age(kid.birth) >= 19 and s.chance(0.3):
            leave(s, kid, MOVE_OUT_DOMESTIC, not_before=adult_on(kid, 18), bias=1.2)


# ----------------------------------------------------------------------------- shapes
def single(s: Sampler) -> HouseholdPlan:
    """One person: young workers and students, middle-aged, and many elderly (often widowed)."""
    r = s.rng.random()
    if r < 0.34:
        sex, birth = s.pick((MALE, FEMALE)), s.birth_for_age(19, 39)
        head = s.person(sex, birth, HOUSEHOLDER, s.surname())
        plan = HouseholdPlan([head])
        settle(s, plan, _arrival(s, adult_on(head, 18), bias=1.6), lifetime=s.chance(0.2))
        if s.chance(0.8):
            _parents_koseki(s, head)
        else:
            share_koseki(s, plan, head)
        return plan
    if r < 0.57:
        sex, birth = s.pick((MALE, FEMALE)), s.birth_for_age(40, 64)
        head = s.person(sex, birth, HOUSEHOLDER, s.surname())
        plan = HouseholdPlan([head])
        settle(s, plan, _arrival(s, adult_on(head, 22), bias=1.2), lifetime=s.chance(0.25))
        if s.chance(0.5):
            share_koseki(s, plan, head)
        else:
            _parents_koseki(s, head)
        return plan
    sex = FEMALE if s.chance(0.66) else MALE
    head = s.person(sex, s.birth_for_age(65, 98), HOUSEHOLDER, s.surname())
    if sex == FEMALE and s.chance(0.55):
        return _widowed(s, head)
    plan = HouseholdPlan([head])
    settle(s, plan, _arrival(s, adult_on(head, 25), bias=0.7), lifetime=s.chance(0.35))
    share_koseki(s, plan, head)
    return plan


def _widowed(s: Sampler, wife: Member) -> HouseholdPlan:
    """A widow: her late husband (removed, was 世帯主) and she, 世帯主 since his death."""
    husband = s.person(MALE, spouse_birth(s, wife.birth, -3.0), HOUSEHOLDER, wife.family)
    wife.relationship, wife.earlier_relationship = HOUSEHOLDER, "妻"
    plan = HouseholdPlan([husband, wife])
    settle(s, plan, _arrival(s, adult_on(wife, 25), bias=0.7), lifetime=s.chance(0.3))
    share_koseki(s, plan, husband, wife)
    if died(s, husband, bias=1.5):
        assert husband.removal is not None
        plan.householder_change = (husband.removal.on, 0, 1)
    else:
        wife.relationship, wife.earlier_relationship = "妻", None
    return plan


def couple(s: Sampler) -> HouseholdPlan:
    """A married couple without children at home; mostly elderly, some young."""
    r = s.rng.random()
    ages, bias = ((65, 92), 0.7) if r < 0.66 else ((24, 40), 1.6) if r < 0.9 else ((41, 64), 1.0)
    husband_birth = s.birth_for_age(*ages)
    family = s.surname()
    wife = s.person(FEMALE, spouse_birth(s, husband_birth), "妻", family)
    husband = s.person(MALE, husband_birth, HOUSEHOLDER, family)
    if s.chance(0.05):  # the wife is 世帯主 and the husband took her name
        husband.relationship, wife.relationship = "夫", HOUSEHOLDER
        plan = HouseholdPlan([wife, husband])
        settle(s, plan, _arrival(s, adult_on(husband, 26), bias=bias), lifetime=s.chance(0.3))
        share_koseki(s, plan, wife, husband)
        return plan
    plan = HouseholdPlan([husband, wife])
    settle(s, plan, _arrival(s, adult_on(husband, 26), bias=bias), lifetime=s.chance(0.3))
    share_koseki(s, plan, husband, wife)
    _maybe_former_surname(s, wife, husband)
    return plan


def couple_children(s: Sampler) -> HouseholdPlan:
    """Married parents and one to four children (about 2% twins)."""
    husband_birth = s.birth_for_age(28, 60)
    family = s.surname()
    husband = s.person(MALE, husband_birth, HOUSEHOLDER, family)
    wife = s.person(FEMALE, spouse_birth(s, husband_birth), "妻", family)
    count = s.rng.choices((1, 2, 3, 4), (30, 45, 20, 5))[0]
    kids = children_of(s, wife, count, husband)
    plan = HouseholdPlan([husband, wife, *kids])
    married = date.fromordinal(kids[0].birth.toordinal() - s.randint(200, 1100))
    lifetime = s.chance(0.25)  # he grew up here and set up home when they married
    settle(s, plan, married if lifetime else _arrival(s, married, bias=0.9), lifetime=lifetime)
    share_koseki(s, plan, husband, wife, *kids)
    _maybe_former_surname(s, wife, husband)
    _kids_move_out(s, kids)
    return plan


def single_parent(s: Sampler) -> HouseholdPlan:
    """A mother (or father) with children; sometimes the former 世帯主 moved out."""
    family = s.surname()
    if s.chance(0.85):
        parent = s.person(FEMALE, s.birth_for_age(25, 56), HOUSEHOLDER, family)
        kids = children_of(s, parent, s.rng.choices((1, 2, 3), (50, 38, 12))[0], parent)
        if s.chance(0.3):
            return _divorced(s, parent, kids)
        plan = HouseholdPlan([parent, *kids])
        settle(s, plan, _arrival(s, kids[0].birth, bias=1.1))
        share_koseki(s, plan, parent, *kids)
    else:
        parent = s.person(MALE, s.birth_for_age(30, 58), HOUSEHOLDER, family)
        mother = s.person(FEMALE, spouse_birth(s, parent.birth), "妻", family)
        kids = children_of(s, mother, s.rng.choices((1, 2), (60, 40))[0], parent)
        plan = HouseholdPlan([parent, *kids])
        settle(s, plan, _arrival(s, kids[0].birth, bias=1.0))
        share_koseki(s, plan, parent, *kids)
    _kids_move_out(s, kids)
    return plan


def _divorced(s: Sampler, mother: Member, kids: list[Member]) -> HouseholdPlan:
    """The father (first 世帯主) moved out; the mother has been 世帯主 since."""
    father = s.person(MALE, spouse_birth(s, mother.birth, -2.0), HOUSEHOLDER, mother.family)
    mother.relationship, mother.earlier_relationship = HOUSEHOLDER, "妻"
    plan = HouseholdPlan([father, mother, *kids])
    settle(s, plan, _arrival(s, kids[0].birth, bias=1.0))
    share_koseki(s, plan, father, *kids)  # the children stay in their father's 戸籍
    share_koseki(s, plan, mother)  # she formed her own 戸籍 (婚氏続称)
    if leave(s, father, MOVE_OUT_DOMESTIC, not_before=kids[-1].birth, bias=1.2):
        assert father.removal is not None
        plan.householder_change = (father.removal.on, 0, 1)
    else:
        mother.relationship, mother.earlier_relationship = "妻", None
    return plan


def three_generations(s: Sampler) -> HouseholdPlan:
    """Grandparents, a married child with spouse and children; sometimes great-grandparents."""
    family = s.surname()
    if s.chance(0.5):
        return _handed_over(s, family)
    head = s.person(MALE, s.birth_for_age(56, 74), HOUSEHOLDER, family)
    wife = s.person(FEMALE, spouse_birth(s, head.birth), "妻", family)
    latest = min(s.years_after(wife.birth, 36), s.years_after(s.today, -27))
    son = s.person(MALE, s.date_between(s.years_after(wife.birth, 22), latest), "子", family)
    son_wife = s.person(FEMALE, spouse_birth(s, son.birth), "子の妻", family)
    grandkids = children_of(s, son_wife, s.rng.choices((1, 2, 3), (40, 45, 15))[0], son)
    for kid in grandkids:
        kid.relationship, kid.family_of = "子の子", 2
    son_wife.family_of = 2
    members = [head, wife, son, son_wife, *grandkids]
    elder = None
    if s.chance(0.45):
        elder = s.person(s.pick((MALE, FEMALE)), s.birth_for_age(82, 99), "父", family)
        elder.relationship = "父" if elder.sex == MALE else "母"
        members.append(elder)
    plan = HouseholdPlan(members)
    settle(s, plan, _arrival(s, adult_on(head, 27), bias=0.6), lifetime=s.chance(0.35))
    _married_in(s, plan, son_wife, grandkids[0])
    share_koseki(s, plan, head, wife)
    share_koseki(s, plan, son, son_wife, *grandkids)
    if elder is not None:
        elder.koseki = (s.honseki(plan.addresses[-1][1]), s.father_name(family, head.birth))
        elder.is_hittosha = elder.sex == MALE
        if elder.is_hittosha:
            elder.koseki = (elder.koseki[0], elder.full_name)
        if s.chance(0.4):
            died(s, elder, bias=1.4)
    return plan


def _married_in(s: Sampler, plan: HouseholdPlan, spouse: Member, first_child: Member) -> None:
    """``spouse`` married into the household before ``first_child`` was born."""
    married = date.fromordinal(first_child.birth.toordinal() - s.randint(200, 900))
    if spouse.entry is not None and married > spouse.entry:
        join(s, spouse, married)


def _handed_over(s: Sampler, family: NamePart) -> HouseholdPlan:
    """The son became 世帯主 (世帯主変更); his parents are now 父 and 母."""
    head = s.person(MALE, s.birth_for_age(34, 56), HOUSEHOLDER, family)
    wife = s.person(FEMALE, spouse_birth(s, head.birth), "妻", family)
    kids = children_of(s, wife, s.rng.choices((1, 2, 3), (35, 45, 20))[0], head)
    father = s.person(MALE, spouse_birth(s, head.birth, -30.0), "父", family)
    mother = s.person(FEMALE, spouse_birth(s, father.birth, 2.0), "母", family)
    head.earlier_relationship, wife.earlier_relationship = "子", "子の妻"
    father.earlier_relationship, mother.earlier_relationship = HOUSEHOLDER, "妻"
    for kid in kids:
        kid.earlier_relationship = "子の子"
    plan = HouseholdPlan([father, mother, head, wife, *kids])
    settle(s, plan, _arrival(s, adult_on(father, 27), bias=0.5), lifetime=s.chance(0.35))
    _married_in(s, plan, wife, kids[0])
    assert wife.entry is not None
    share_koseki(s, plan, father, mother)
    share_koseki(s, plan, head, wife, *kids)
    handed = s.date_between(max(wife.entry, adult_on(head, 30)), s.today - timedelta(days=30))
    if s.chance(0.35) and died(s, father, bias=1.2):
        assert father.removal is not None
        handed = father.removal.on  # took over when his father died, who stays 世帯主
        father.relationship = HOUSEHOLDER
    plan.householder_change = (handed, 0, 2)
    for member in plan.members:
        if member.entry is not None and member.entry > handed:
            member.earlier_relationship = None  # joined after the change: no earlier 続柄
    return plan


def couple_with_parent(s: Sampler) -> HouseholdPlan:
    """A middle-aged couple living with a parent (父/母, or 妻の母)."""
    family = s.surname()
    head = s.person(MALE, s.birth_for_age(45, 68), HOUSEHOLDER, family)
    wife = s.person(FEMALE, spouse_birth(s, head.birth), "妻", family)
    if s.chance(0.25):
        parent = s.person(FEMALE, s.birth_for_age(78, 99), "妻の母", s.other_surname(family))
    else:
        sex = FEMALE if s.chance(0.7) else MALE
        parent = s.person(sex, s.birth_for_age(78, 99), "母" if sex == FEMALE else "父", family)
    plan = HouseholdPlan([head, wife, parent])
    settle(s, plan, _arrival(s, adult_on(head, 27), bias=0.7), lifetime=s.chance(0.3))
    if plan.addresses[-1][0] < s.today - timedelta(days=400) and s.chance(0.5):
        join(s, parent, s.date_between(plan.addresses[-1][0], s.today - timedelta(days=60)))
    share_koseki(s, plan, head, wife)
    if parent.sex == MALE:
        share_koseki(s, plan, parent)
    else:
        _parents_koseki(s, parent)
    if s.chance(0.3):
        died(s, parent, bias=1.3)
    return plan


def siblings(s: Sampler) -> HouseholdPlan:
    """Two unmarried siblings (兄・姉・弟・妹)."""
    family = s.surname()
    head = s.person(s.pick((MALE, FEMALE)), s.birth_for_age(40, 78), HOUSEHOLDER, family)
    sex = s.pick((MALE, FEMALE))
    birth = spouse_birth(s, head.birth, s.pick((-4.0, 4.0)))
    older = birth < head.birth
    term = ("兄" if older else "弟") if sex == MALE else ("姉" if older else "妹")
    sibling = s.person(sex, birth, term, family)
    plan = HouseholdPlan([head, sibling])
    settle(s, plan, _arrival(s, adult_on(head, 30), bias=0.8), lifetime=s.chance(0.4))
    father = s.father_name(family, head.birth)
    koseki = (s.honseki(plan.addresses[-1][1]), father)
    head.koseki = sibling.koseki = koseki
    return plan


def lodgers(s: Sampler) -> HouseholdPlan:
    """A share house: the 世帯主 and one or two 同居人 with other surnames."""
    family = s.surname()
    head = s.person(s.pick((MALE, FEMALE)), s.birth_for_age(20, 42), HOUSEHOLDER, family)
    members = [head]
    for _ in range(s.pick((1, 1, 2))):
        members.append(
            s.person(head.sex, s.birth_for_age(20, 42), "同居人", s.other_surname(family))
        )
    plan = HouseholdPlan(members)
    settle(s, plan, _arrival(s, adult_on(head, 19), bias=1.8))
    for member in members:
        _parents_koseki(s, member)
    for lodger in members[1:]:
        if plan.addresses[0][0] < s.today - timedelta(days=120) and s.chance(0.3):
            leave(s, lodger, MOVE_OUT_DOMESTIC, bias=1.2)
    return plan


def kin(s: Sampler) -> HouseholdPlan:
    """An older householder with a 縁故者, or grandparents raising a grandchild (子の子)."""
    family = s.surname()
    head = s.person(MALE, s.birth_for_age(60, 86), HOUSEHOLDER, family)
    wife = s.person(FEMALE, spouse_birth(s, head.birth), "妻", family)
    if s.chance(0.5):
        grandchild_birth = s.date_between(
            s.years_after(wife.birth, 50), s.years_after(wife.birth, 70)
        )
        other = s.person(s.pick((MALE, FEMALE)), grandchild_birth, "子の子", family)
        plan = HouseholdPlan([head, wife, other])
        settle(s, plan, _arrival(s, adult_on(head, 28), bias=0.7), lifetime=s.chance(0.3))
        if other.birth < plan.addresses[0][0]:
            join(s, other, s.date_between(plan.addresses[0][0], s.today))
        share_koseki(s, plan, head, wife)
        _parents_koseki(s, other)
        return plan
    relative = s.person(s.pick((MALE, FEMALE)), s.birth_for_age(20, 55), "縁故者", s.surname())
    plan = HouseholdPlan([head, wife, relative])
    settle(s, plan, _arrival(s, adult_on(head, 28), bias=0.7))
    join(s, relative, s.date_between(plan.addresses[0][0], s.today - timedelta(days=20)))
    share_koseki(s, plan, head, wife)
    _parents_koseki(s, relative)
    return plan


def unmarried_couple(s: Sampler) -> HouseholdPlan:
    """A couple without a marriage registration: 妻（未届） or 夫（未届）, maybe her child."""
    man = s.person(MALE, s.birth_for_age(25, 60), HOUSEHOLDER, s.surname())
    woman = s.person(FEMALE, spouse_birth(s, man.birth), "妻（未届）", s.other_surname(man.family))
    members = [man, woman]
    if s.chance(0.15):
        man.relationship, woman.relationship = "夫（未届）", HOUSEHOLDER
        members = [woman, man]
    elif s.chance(0.3):
        child = children_of(s, woman, 1, woman)[0]
        child.relationship = "妻（未届）の子"  # not acknowledged by the householder
        members.append(child)
    plan = HouseholdPlan(members)
    settle(s, plan, _arrival(s, adult_on(man, 24), bias=1.3))
    share_koseki(s, plan, man)
    share_koseki(s, plan, woman, *members[2:])
    return plan


JAPANESE_SHAPES: tuple[tuple[Callable[[Sampler], HouseholdPlan], float], ...] = (
    (single, 34.0),
    (couple, 20.0),
    (couple_children, 20.5),
    (single_parent, 7.0),
    (three_generations, 5.5),
    (couple_with_parent, 4.0),
    (siblings, 1.2),
    (lodgers, 1.5),
    (kin, 1.0),
    (unmarried_couple, 1.2),
)
"""Japanese household shapes and their relative frequency (households, not persons)."""
