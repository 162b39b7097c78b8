"""Households planted in every demo city, so that the hard cases are always there to try.

- サイトウ spelled 斉藤, 齊藤, 齋藤 and 斎藤, with pairs sharing a birth date across spellings
  (a search for サイトウ + that date returns several spellings);
- ハマダ as 浜田 and 濱田 (same given name and birth date), 髙橋 and 高橋;
- names stored with an ideographic variation selector (葛󠄀西, 辻󠄀);
- legal date oddities: births 「昭和20年頃」, 「年月日不詳」, 昭和25年2月29日 (no such day);
- 旧氏, a legal furigana that differs from the old convenience kana, 通称 with history;
- households with removed members and a whole household that moved out.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from madoguchi.app.demo_city.foreign import (
    SPECIAL_PERMANENT,
    card_number,
    foreign_member,
    grant,
)
from madoguchi.app.demo_city.foreign_names import KOREA, NATIONALITIES
from madoguchi.app.demo_city.names import IVS_1, NamePart
from madoguchi.app.demo_city.plan import (
    FOREIGN_RESIDENT_LAW,
    HouseholdPlan,
    Member,
    Removal,
    Sampler,
)
from madoguchi.app.demo_city.shapes import FEMALE, MALE, share_koseki
from madoguchi.app.demo_city.timeline import settle
from madoguchi.app.domain.change_reason import DEATH, MOVE_OUT_DOMESTIC
from madoguchi.app.domain.relationship import HOUSEHOLDER
from madoguchi.app.domain.wareki import RegisterDate

PlanFactory = Callable[[Sampler], HouseholdPlan]


SAITO_SHARED_BIRTH = "1975-04-12"
"""The birth date that 斉藤 健一 and 齋藤 健一 share (a サイトウ search finds both spellings)."""


def _m(family: str, given: str, sex: str, birth: str, relationship: str) -> Member:
    """A member from ``氏:カナ``, ``名:カナ`` and an ISO birth date or a register-date text."""
    family_written, family_kana = family.split(":")
    given_written, given_kana = given.split(":")
    override = None
    if len(birth) == 10 and birth[4] == "-":
        try:
            day = date.fromisoformat(birth)
        except ValueError:
            override = RegisterDate.from_iso(birth)
            day = date(int(birth[:4]), int(birth[5:7]), 28)
    else:
        override = RegisterDate.parse(birth)
        day = date((override.year or 1935), override.month or 7, override.day or 1)
    return Member(
        NamePart(family_written, family_kana),
        NamePart(given_written, given_kana),
        sex,
        day,
        relationship,
        birth_override=override,
    )


def _family(
    s: Sampler, members: list[Member], arrival: date, *, koseki: bool = True
) -> HouseholdPlan:
    plan = HouseholdPlan(members)
    settle(s, plan, arrival, move_chance=0.0)
    if koseki:
        share_koseki(s, plan, members[0], *members[1:])
    return plan


def _ago(s: Sampler, days: int) -> date:
    return s.today - timedelta(days=days)


def saito_family(s: Sampler) -> HouseholdPlan:
    """斉藤 健一 (1975-04-12) with wife and son."""
    return _family(
        s,
        [
            _m("斉藤:サイトウ", "健一:ケンイチ", MALE, SAITO_SHARED_BIRTH, HOUSEHOLDER),
            _m("斉藤:サイトウ", "美香:ミカ", FEMALE, "1977-08-03", "妻"),
            _m("斉藤:サイトウ", "蓮:レン", MALE, "2012-05-20", "子"),
        ],
        date(2008, 3, 28),
    )


def saito_single(s: Sampler) -> HouseholdPlan:
    """齋藤 健一, born the same day as 斉藤 健一."""
    return _family(
        s,
        [_m("齋藤:サイトウ", "健一:ケンイチ", MALE, SAITO_SHARED_BIRTH, HOUSEHOLDER)],
        _ago(s, 900),
    )


def saito_mother(s: Sampler) -> HouseholdPlan:
    """齊藤 美和 (1988-09-30) and her daughter."""
    return _family(
        s,
        [
            _m("齊藤:サイトウ", "美和:ミワ", FEMALE, "1988-09-30", HOUSEHOLDER),
            _m("齊藤:サイトウ", "陽葵:ヒマリ", FEMALE, "2019-03-03", "子"),
        ],
        date(2016, 10, 1),
    )


def saito_couple(s: Sampler) -> HouseholdPlan:
    """斉藤 由美 (1988-09-30, same day as 齊藤 美和) and her husband 斎藤 (another spelling)."""
    return _family(
        s,
        [
            _m("斎藤:サイトウ", "翔:ショウ", MALE, "1986-01-09", HOUSEHOLDER),
            _m("斉藤:サイトウ", "由美:ユミ", FEMALE, "1988-09-30", "妻"),
        ],
        _ago(s, 1500),
    )


def saito_widow(s: Sampler) -> HouseholdPlan:
    """齋藤 節子 (1942-01-15), widow of 齋藤 清 (除票, 死亡); 世帯主 since his death."""
    husband = _m("齋藤:サイトウ", "清:キヨシ", MALE, "1939-06-02", HOUSEHOLDER)
    wife = _m("齋藤:サイトウ", "節子:セツコ", FEMALE, "1942-01-15", HOUSEHOLDER)
    wife.earlier_relationship = "妻"
    plan = _family(s, [husband, wife], date(1968, 5, 1))
    death = _ago(s, 700)
    husband.removal = Removal(DEATH, death)
    plan.householder_change = (death, 0, 1)
    return plan


def saito_moved_out(s: Sampler) -> HouseholdPlan:
    """斉藤 節子 (1942-01-15, same day as 齋藤 節子), who moved out (除票)."""
    plan = _family(
        s, [_m("斉藤:サイトウ", "節子:セツコ", FEMALE, "1942-01-15", HOUSEHOLDER)], date(1990, 4, 1)
    )
    plan.members[0].removal = Removal(MOVE_OUT_DOMESTIC, _ago(s, 300), s.other_address())
    return plan


def hamada_family(s: Sampler) -> HouseholdPlan:
    """浜田 誠 with his wife; their son moved out (除票 in a current household)."""
    plan = _family(
        s,
        [
            _m("浜田:ハマダ", "誠:マコト", MALE, "1968-06-06", HOUSEHOLDER),
            _m("浜田:ハマダ", "恵:メグミ", FEMALE, "1970-02-14", "妻"),
            _m("浜田:ハマダ", "翔太:ショウタ", MALE, "1996-11-23", "子"),
        ],
        date(1995, 4, 1),
    )
    plan.members[2].removal = Removal(MOVE_OUT_DOMESTIC, _ago(s, 1200), s.other_address())
    return plan


def hamada_single(s: Sampler) -> HouseholdPlan:
    """濱田 誠, born the same day as 浜田 誠."""
    return _family(
        s, [_m("濱田:ハマダ", "誠:マコト", MALE, "1968-06-06", HOUSEHOLDER)], _ago(s, 2500)
    )


def takahashi_moved_out(s: Sampler) -> HouseholdPlan:
    """髙橋 family: the whole household moved out (removed household)."""
    plan = _family(
        s,
        [
            _m("髙橋:タカハシ", "大輔:ダイスケ", MALE, "1982-07-07", HOUSEHOLDER),
            _m("髙橋:タカハシ", "彩:アヤ", FEMALE, "1984-12-01", "妻"),
            _m("髙橋:タカハシ", "陽翔:ハルト", MALE, "2015-04-18", "子"),
        ],
        date(2013, 9, 1),
    )
    destination = s.other_address()
    for member in plan.members:
        member.removal = Removal(MOVE_OUT_DOMESTIC, _ago(s, 500), destination)
    return plan


def takahashi_current(s: Sampler) -> HouseholdPlan:
    """高橋 大輔, same birth date as 髙橋 大輔 (a different, current person)."""
    return _family(
        s, [_m("高橋:タカハシ", "大輔:ダイスケ", MALE, "1982-07-07", HOUSEHOLDER)], _ago(s, 4000)
    )


def ivs_names(s: Sampler) -> HouseholdPlan:
    """葛󠄀西 (葛 + U+E0100) couple; the IVS is part of the stored name."""
    return _family(
        s,
        [
            _m(f"葛{IVS_1}西:カサイ", "博:ヒロシ", MALE, "1955-10-10", HOUSEHOLDER),
            _m(f"葛{IVS_1}西:カサイ", "和子:カズコ", FEMALE, "1958-03-21", "妻"),
        ],
        date(1985, 6, 1),
    )


def ivs_single(s: Sampler) -> HouseholdPlan:
    """辻󠄀 美咲 (辻 + U+E0100)."""
    return _family(
        s, [_m(f"辻{IVS_1}:ツジ", "美咲:ミサキ", FEMALE, "1993-05-05", HOUSEHOLDER)], _ago(s, 600)
    )


def date_oddities(s: Sampler) -> HouseholdPlan:
    """Legal oddities: born 「昭和20年頃」, 昭和25年2月29日 (no such day), and 「年月日不詳」."""
    head = _m("高田:タカダ", "茂:シゲル", MALE, "昭和20年頃", HOUSEHOLDER)
    wife = _m("高田:タカダ", "トシ:トシ", FEMALE, "1950-02-29", "妻")
    kin = _m("木村:キムラ", "ハル:ハル", FEMALE, "年月日不詳", "縁故者")
    plan = _family(s, [head, wife, kin], date(1975, 4, 1), koseki=False)
    share_koseki(s, plan, head, wife)
    kin.koseki = (s.honseki(), f"木村\u3000{s.given(MALE, 1910).written}")
    return plan


def former_surname(s: Sampler) -> HouseholdPlan:
    """佐藤 美咲 with 旧氏 田中 recorded; her husband's legal furigana differs (河野)."""
    plan = _family(
        s,
        [
            _m("河野:コウノ", "聡:サトシ", MALE, "1987-02-02", HOUSEHOLDER),
            _m("河野:コウノ", "美咲:ミサキ", FEMALE, "1989-09-09", "妻"),
        ],
        _ago(s, 2000),
    )
    for member in plan.members:
        member.legal_family_kana = "カワノ"  # 戸籍の振り仮名 differs from the old フリガナ
    plan.members[1].former_surname = NamePart("田中", "タナカ")
    plan.members[1].former_surname_on = _ago(s, 800)
    return plan


def special_permanent_alias(s: Sampler) -> HouseholdPlan:
    """金 (KIM), 特別永住者, with 通称 金田 一郎 (earlier 金本 一郎, removed)."""
    head = foreign_member(s, KOREA, MALE, date(1950, 8, 15), HOUSEHOLDER, NamePart("金", "キム"))
    assert head.foreign is not None
    head.foreign.category, head.foreign.card_no = SPECIAL_PERMANENT, card_number(s)
    changed = date(2018, 6, 1)
    head.foreign.earlier_alias = (
        NamePart("金本", "カネモト"),
        NamePart("一郎", "イチロウ"),
        FOREIGN_RESIDENT_LAW,
        changed,
    )
    head.foreign.alias = (NamePart("金田", "カネダ"), NamePart("一郎", "イチロウ"))
    head.foreign.alias_on = changed
    plan = HouseholdPlan([head], foreign=True)
    settle(s, plan, date(1975, 1, 1), move_chance=0.0)
    return plan


def vietnamese_trainee(s: Sampler) -> HouseholdPlan:
    """NGUYEN VAN AN, 技能実習, came from abroad."""
    vietnam = next(n for n in NATIONALITIES if n.name == "ベトナム")
    member = foreign_member(s, vietnam, MALE, date(2001, 3, 15), HOUSEHOLDER, vietnam.family[0])
    member.given = NamePart("VAN AN", "ヴァンアン")
    assert member.foreign is not None
    member.foreign.alphabet_name = "NGUYEN VAN AN"
    grant(s, member.foreign, "技能実習")
    plan = HouseholdPlan([member], foreign=True)
    settle(s, plan, _ago(s, 400), abroad_from=vietnam.name, move_chance=0.0)
    return plan


PLANTED: tuple[PlanFactory, ...] = (
    saito_family,
    hamada_family,
    ivs_names,
    saito_single,
    date_oddities,
    saito_mother,
    hamada_single,
    special_permanent_alias,
    saito_couple,
    takahashi_moved_out,
    former_surname,
    saito_widow,
    ivs_single,
    vietnamese_trainee,
    takahashi_current,
    saito_moved_out,
)
"""Planted households, in the order they are spread through the city."""
