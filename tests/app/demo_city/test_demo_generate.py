"""The demo-city generator: reproducible, realistic in shape, valid by the domain rules."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from stdnum.jp import in_ as stdnum_in

from madoguchi.app.demo_city.generate import DemoCity
from madoguchi.app.demo_city.names import IVS_1
from madoguchi.app.demo_city.staff import staff_rows, terminal_rows
from madoguchi.app.domain.change_reason import CHANGE_REASONS, ChangeCategory
from madoguchi.app.domain.kana import search_key
from madoguchi.app.domain.permissions import Role
from madoguchi.app.domain.relationship import (
    HOUSEHOLDER,
    HouseholdMember,
    household_order,
    validate_relationship,
)
from madoguchi.app.domain.resident_code import ResidentCode
from madoguchi.app.domain.variants import has_gaiji, name_key
from madoguchi.app.domain.wareki import RegisterDate

TODAY = date(2026, 11, 1)
PERSONS = 2000
Row = dict[str, Any]


@dataclass
class City:
    households: list[Row] = field(default_factory=list)
    persons: list[Row] = field(default_factory=list)
    history: list[Row] = field(default_factory=list)
    items: list[Row] = field(default_factory=list)
    aliases: list[Row] = field(default_factory=list)

    @property
    def current(self) -> list[Row]:
        return [p for p in self.persons if p["status"] == "current"]

    def members(self) -> dict[str, list[Row]]:
        by_household: dict[str, list[Row]] = defaultdict(list)
        for person in self.persons:
            by_household[person["household_no"]].append(person)
        return by_household


def collect(city: DemoCity) -> City:
    rows = City()
    for household in city.households():
        rows.households.append(household.household)
        rows.persons += household.persons
        rows.history += household.history
        rows.items += household.individual_items
        rows.aliases += household.alias_history
    return rows


@pytest.fixture(scope="module")
def city() -> City:
    return collect(DemoCity(persons=PERSONS))


def test_same_seed_gives_the_same_rows_and_another_seed_does_not(city: City) -> None:
    again = collect(DemoCity(persons=PERSONS))
    assert again == city
    other = collect(DemoCity(persons=PERSONS, seed=7))
    assert other.persons != city.persons
    assert {p["individual_number"] for p in other.persons}.isdisjoint(
        {p["individual_number"] for p in city.persons} - {None}
    )


def test_exactly_the_requested_persons_with_fresh_sequential_numbers(city: City) -> None:
    assert len(city.persons) == PERSONS
    assert sorted(p["atena_no"] for p in city.persons) == [f"{n:010d}" for n in range(1, 2001)]
    household_nos = [h["household_no"] for h in city.households]
    assert len(set(household_nos)) == len(household_nos)
    for number, members in city.members().items():
        assert number == min(m["atena_no"] for m in members)  # 世帯番号 = first 宛名番号
        assert re.fullmatch(r"\d{10}", number)


def test_segments_add_up_to_the_city_and_keep_numbers_in_sequence() -> None:
    cut = DemoCity(persons=1000, segment_persons=300)
    assert [s.persons for s in cut.segments()] == [300, 300, 300, 100]
    rows = collect(cut)
    assert sorted(p["atena_no"] for p in rows.persons) == [f"{n:010d}" for n in range(1, 1001)]


def test_individual_numbers_are_valid_unique_and_present_for_residents(city: City) -> None:
    numbers = [p["individual_number"] for p in city.persons if p["individual_number"]]
    assert all(stdnum_in.is_valid(n) for n in numbers)
    assert len(set(numbers)) == len(numbers)
    assert all(p["individual_number"] for p in city.current)
    removed = [p for p in city.persons if p["status"] == "removed"]
    assert sum(bool(p["individual_number"]) for p in removed) >= 0.8 * len(removed)
    for person in removed:  # none for records closed before 個人番号 existed
        if person["individual_number"] is None:
            assert person["removed_on"] < "2015-10-05"


def test_resident_codes_are_valid_unique_and_everyone_has_one(city: City) -> None:
    codes = [p["resident_code"] for p in city.persons]
    assert all(ResidentCode.is_valid(c) for c in codes)
    assert len(set(codes)) == len(codes)


def test_shares_of_foreign_residents_removed_records_and_single_households(city: City) -> None:
    foreign = sum(p["is_foreign"] for p in city.persons) / PERSONS
    removed = sum(p["status"] == "removed" for p in city.persons) / PERSONS
    assert 0.015 <= foreign <= 0.05
    assert 0.11 <= removed <= 0.19
    sizes = Counter(
        sum(m["status"] == "current" for m in members) for members in city.members().values()
    )
    current_households = sum(n for size, n in sizes.items() if size > 0)
    assert 0.28 <= sizes[1] / current_households <= 0.42
    assert sizes[3] and sizes[4] and sizes[5]


def test_every_relationship_is_a_valid_j110_term(city: City) -> None:
    terms = Counter(p["relationship"] for p in city.persons)
    for term in terms:
        assert validate_relationship(term) == term
    for expected in ("世帯主", "妻", "子", "子の妻", "子の子", "父", "母", "同居人", "縁故者"):
        assert terms[expected], expected


def test_each_current_household_has_exactly_one_current_householder(city: City) -> None:
    flags = {h["household_no"]: h["removed"] for h in city.households}
    for number, members in city.members().items():
        current = [m for m in members if m["status"] == "current"]
        assert flags[number] == (not current)
        if current:
            assert [m["relationship"] for m in current].count(HOUSEHOLDER) == 1
        else:
            assert [m["relationship"] for m in members].count(HOUSEHOLDER) >= 1


def test_household_order_follows_the_standard_with_removed_members_last(city: City) -> None:
    for members in city.members().values():
        ordered = sorted(members, key=lambda m: m["household_order"])
        assert [m["household_order"] for m in ordered] == list(range(1, len(members) + 1))
        current = [m for m in ordered if m["status"] == "current"]
        assert ordered[: len(current)] == current
        if current:
            assert current[0]["relationship"] == HOUSEHOLDER
        plain = [
            HouseholdMember(m["atena_no"], m["relationship"], m["birth_date"]) for m in current
        ]
        expected = [m.atena_no for m in household_order(plain)]
        if not any(m["relationship"] in ("子の妻", "子の子", "父", "母") for m in current):
            assert [m["atena_no"] for m in current] == expected


def test_saito_spellings_share_birth_dates_across_variants(city: City) -> None:
    saito = [p for p in city.persons if p["family_name_kana"] == "サイトウ"]
    assert {"斉藤", "齊藤", "齋藤"} <= {p["family_name"] for p in saito}
    spellings_by_date: dict[str, set[str]] = defaultdict(set)
    for person in saito:
        spellings_by_date[person["birth_date"]].add(person["family_name"])
    assert sum(len(spellings) >= 2 for spellings in spellings_by_date.values()) >= 2
    key = search_key("サイトウ")
    assert all(p["kana_key"].startswith(key) for p in saito)


def test_hamada_and_takahashi_variants_and_ivs_names_are_kept(city: City) -> None:
    families = {p["family_name"] for p in city.persons}
    assert {"浜田", "濱田", "髙橋", "高橋"} <= families
    ivs = [p for p in city.persons if IVS_1 in p["family_name"]]
    assert {p["family_name"] for p in ivs} >= {f"葛{IVS_1}西", f"辻{IVS_1}"}
    for person in ivs:
        assert person["name_key"] == name_key(person["family_name"] + person["given_name"])
        assert IVS_1 not in person["name_key"]


def test_derived_keys_and_gaiji_flags_come_from_the_domain_functions(city: City) -> None:
    for p in city.persons:
        assert p["kana_key"] == search_key(p["family_name_kana"] + p["given_name_kana"])
        assert p["given_kana_key"] == search_key(p["given_name_kana"])
        assert p["name_key"] == name_key(p["family_name"] + p["given_name"])
        assert p["given_name_key"] == name_key(p["given_name"])
        assert p["has_gaiji"] == has_gaiji(p["family_name"] + p["given_name"])


def test_legal_date_oddities_are_stored_as_the_register_keeps_them(city: City) -> None:
    births = {(p["birth_date"], p["birth_date_qualifier"]) for p in city.persons}
    assert ("0000-00-00", "年月日不詳") in births
    assert ("1945-00-00", "昭和20年頃") in births
    assert ("1950-02-29", None) in births
    for birth, qualifier in births:
        RegisterDate.from_iso(birth, qualifier=qualifier)  # all readable back
    ordinary = next(p for p in city.persons if p["birth_date_qualifier"] is None)
    day = date.fromisoformat(ordinary["birth_date"])
    assert RegisterDate.from_date(day).iso() == ordinary["birth_date"]


def test_japanese_and_foreign_residents_carry_their_own_items(city: City) -> None:
    card = re.compile(r"[A-Z]{2}\d{8}[A-Z]{2}")
    categories = Counter()
    for p in city.persons:
        if p["is_foreign"]:
            categories[p["residence_category"]] += 1
            assert p["honseki"] is None and p["hittosha"] is None
            assert p["nationality"] and p["alphabet_name"]
            if p["residence_category"] in ("中長期在留者", "特別永住者"):
                assert card.fullmatch(p["residence_card_no"])
            if p["residence_category"] == "特別永住者":
                assert p["residence_status"] is None and p["stay_expires_on"] is None
            if p["period_of_stay"] and p["status"] == "current":
                assert p["stay_expires_on"] >= TODAY
        else:
            assert p["honseki"] and p["hittosha"]
            assert p["furigana_source"] in ("戸籍", "申出")
            assert p["residence_card_no"] is None
    assert categories["中長期在留者"] > categories["特別永住者"] > 0
    aliased = {p["atena_no"] for p in city.persons if p["alias_name"]}
    assert aliased and aliased <= {a["atena_no"] for a in city.aliases}
    assert any(a["removed_on"] for a in city.aliases)  # a 通称 that was replaced
    assert any(p["former_surname"] for p in city.persons)
    assert any(
        p["family_name_kana"] + "\u3000" + p["given_name_kana"] != p["convenience_kana"]
        for p in city.persons
    )


def test_removed_records_say_when_why_and_where_to(city: City) -> None:
    reasons = Counter()
    for p in city.persons:
        if p["status"] == "current":
            assert p["removed_on"] is None and p["removal_reason"] is None
            continue
        reasons[p["removal_reason"]] += 1
        assert "2014-06-20" <= p["removed_on"] <= TODAY.isoformat()
        assert p["became_resident_on"] <= p["removed_on"]
        assert p["card_status"] == "none"
        if p["removal_reason"] in ("B01", "B02"):
            assert p["move_out_planned_address"] and p["move_out_planned_on"]
    assert set(reasons) == {"B01", "B02", "B03"}
    assert any(p["move_out_confirmed_address"] for p in city.persons)


def test_every_person_has_a_coherent_change_history(city: City) -> None:
    codes = {r.code: r for r in CHANGE_REASONS}
    history: dict[str, list[Row]] = defaultdict(list)
    for entry in city.history:
        history[entry["atena_no"]].append(entry)
        assert entry["change_reason"] in codes and entry["summary"]
        assert entry["processed_at"].date() <= TODAY
        assert entry["terminal_id"] in ("DEMO-T01", "DEMO-T02")
    seen = Counter(e["change_reason"] for e in city.history)
    for code in ("A01", "A02", "A03", "C01", "C13", "B01", "B03", "C14", "C17"):
        assert seen[code], code
    for p in city.persons:
        entries = history[p["atena_no"]]
        assert codes[entries[0]["change_reason"]].category is ChangeCategory.ENTRY
        assert entries[0]["change_date"] == p["became_resident_on"]
        if p["status"] == "removed":
            assert entries[-1]["change_reason"] == p["removal_reason"]
        dates = [e["change_date"] for e in entries]
        assert dates == sorted(dates)
    moves = [e for e in city.history if e["change_reason"] == "C01"]
    assert all(re.fullmatch(r"転居: \S+ → \S+", e["summary"]) for e in moves)


def test_cards_and_individual_items(city: City) -> None:
    cards = Counter(p["card_status"] for p in city.current)
    assert set(cards) <= {"none", "issued", "expired", "suspended"}
    assert 0.65 <= cards["issued"] / len(city.current) <= 0.85
    for p in city.current:
        if p["card_status"] == "issued":
            assert p["card_expires_on"] >= TODAY
    kinds = Counter(item["kind"] for item in city.items)
    assert {"選挙人名簿", "国保", "後期高齢", "介護", "国年", "児童手当"} <= set(kinds)
    current = {p["atena_no"]: p for p in city.current}
    for item in city.items:
        person = current[item["atena_no"]]
        if item["kind"] == "選挙人名簿":
            assert not person["is_foreign"] and person["birth_date"] <= "2008-11-01"


def test_the_city_is_fictional() -> None:
    towns = DemoCity.town_rows()
    assert 100 <= len(towns) <= 150
    assert all(re.fullmatch(r"99201\d{6}", t["code"]) for t in towns)
    assert all(re.fullmatch(r"909\d{4}", t["postal_code"]) for t in towns)
    assert {t["prefecture"] + t["municipality"] for t in towns} == {"架空県みどり市"}
    assert {"本町", "中央", "緑が丘", "若葉台", "桜木町"} <= {t["town_name"] for t in towns}
    meta = {m["key"]: m["value"] for m in DemoCity(persons=100).meta_rows()}
    assert meta["municipality_code"] == "99201" and meta["data_as_of"] == "2026-11-01"


def test_demo_staff_cover_every_role_and_both_terminals() -> None:
    staff = staff_rows()
    roles = Counter(role for s in staff for role in s["roles"])
    assert roles[Role.CLERK.value] >= 2 and roles[Role.SUPERVISOR.value] >= 2
    for role in Role:
        assert roles[role.value] >= 1
    assert all(re.fullmatch(r"S\d{4}", s["staff_no"]) for s in staff)
    assert {t["terminal_id"] for t in terminal_rows()} == {"DEMO-T01", "DEMO-T02"}


def test_too_small_a_city_is_refused() -> None:
    with pytest.raises(ValueError, match="at least"):
        DemoCity(persons=10)
