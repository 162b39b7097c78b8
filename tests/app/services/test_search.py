"""Person search through the real service and an encrypted demo store (R-SRCH-1…4)."""

from __future__ import annotations

from collections import defaultdict

import pytest
from sqlalchemy import select

from madoguchi.app.domain.permissions import PermissionDenied, Role
from madoguchi.app.domain.wareki import InvalidDate, RegisterDate
from madoguchi.app.services.search import SearchCriteria, SearchRefused, SearchService
from madoguchi.storage.audit import audit_entries
from madoguchi.storage.models import Person, RefTown
from madoguchi.storage.store import LocalStore
from tests.helpers.stores import context


def wareki(person: Person) -> str:
    return RegisterDate.from_iso(person.birth_date).display()


def persons(store: LocalStore, *conditions: object) -> list[Person]:
    with store.transaction() as session:
        return list(session.scalars(select(Person).where(*conditions)))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "criteria",
    [
        SearchCriteria(name="サイトウ"),
        SearchCriteria(name="サイトウ", sex="1"),
        SearchCriteria(birth_date="昭和50年1月1日", sex="2"),
        SearchCriteria(address="本町一丁目"),
        SearchCriteria(),
    ],
    ids=["name-only", "name+sex", "birth+sex", "address-only", "empty"],
)
def test_fewer_than_two_items_is_refused_with_the_reason(
    demo_store: LocalStore, criteria: SearchCriteria
) -> None:
    with pytest.raises(SearchRefused) as info:
        SearchService(demo_store).search(context(), criteria)
    assert "2項目以上" in str(info.value)
    assert "宛名番号" in str(info.value)


def test_saito_with_a_birth_date_finds_every_spelling(demo_store: LocalStore) -> None:
    saitos = persons(demo_store, Person.family_name_kana == "サイトウ")
    by_birth: dict[str, set[str]] = defaultdict(set)
    for p in saitos:
        by_birth[p.birth_date].add(p.family_name)
    birth, spellings = max(by_birth.items(), key=lambda item: len(item[1]))
    assert len(spellings) >= 2, (
        "the demo city plants サイトウ of several spellings sharing a birth date"
    )
    result = SearchService(demo_store).search(
        context(),
        SearchCriteria(name="サイトウ", birth_date=RegisterDate.from_iso(birth).display()),
    )
    found = {p.name.split("　")[0] for p in result.persons}
    assert spellings <= found
    assert found <= {"斉藤", "齊藤", "齋藤", "斎藤"}


def test_kana_search_ignores_voicing_small_kana_and_long_vowels(demo_store: LocalStore) -> None:
    service = SearchService(demo_store)
    person = persons(demo_store, Person.family_name_kana == "サイトウ")[0]
    birth = wareki(person)
    for typed in ("サイトウ", "さいとう", "ｻｲﾄｳ", "サイトオ", "サイトー"):
        result = service.search(context(), SearchCriteria(name=typed, birth_date=birth))
        assert person.atena_no in {p.atena_no for p in result.persons}, typed


def test_hamada_finds_both_spellings(demo_store: LocalStore) -> None:
    hamadas = persons(demo_store, Person.family_name_kana == "ハマダ")
    assert {p.family_name for p in hamadas} >= {"浜田", "濱田"}
    service = SearchService(demo_store)
    for p in hamadas:
        result = service.search(context(), SearchCriteria(name="ハマダ", birth_date=wareki(p)))
        assert p.atena_no in {r.atena_no for r in result.persons}
        # The kanji form of either spelling finds the other (異体字 folding).
        other = "濱田" if p.family_name == "浜田" else "浜田"
        result = service.search(context(), SearchCriteria(name=other, birth_date=wareki(p)))
        assert p.atena_no in {r.atena_no for r in result.persons}


def test_given_name_alone_with_address(demo_store: LocalStore) -> None:
    person = persons(demo_store, Person.status == "current")[7]
    with demo_store.transaction() as session:
        town = session.get(RefTown, person.address_code)
        assert town is not None
        address = town.town_name + (town.chome or "")
    result = SearchService(demo_store).search(
        context(), SearchCriteria(name=person.given_name_kana, address=address)
    )
    assert person.atena_no in {p.atena_no for p in result.persons}


def test_address_written_with_digits_matches_kanji_chome(demo_store: LocalStore) -> None:
    with demo_store.transaction() as session:
        town = session.scalars(select(RefTown).where(RefTown.chome == "一丁目")).first()
        assert town is not None
        person = session.scalars(select(Person).where(Person.address_code == town.code)).first()
        assert person is not None
    service = SearchService(demo_store)
    kanji = service.search(
        context(), SearchCriteria(name=person.family_name_kana, address=town.town_name + "一丁目")
    )
    digits = service.search(
        context(), SearchCriteria(name=person.family_name_kana, address=town.town_name + "１丁目")
    )
    assert person.atena_no in {p.atena_no for p in kanji.persons}
    assert [p.atena_no for p in kanji.persons] == [p.atena_no for p in digits.persons]


def test_removed_persons_appear_marked_and_can_be_excluded(demo_store: LocalStore) -> None:
    removed = persons(demo_store, Person.status == "removed")[0]
    service = SearchService(demo_store)
    result = service.search(context(), SearchCriteria(atena_no=removed.atena_no))
    assert [(p.atena_no, p.status_label) for p in result.persons] == [(removed.atena_no, "除票")]
    result = service.search(
        context(), SearchCriteria(atena_no=removed.atena_no, include_removed=False)
    )
    assert result.persons == ()


def test_individual_number_search_is_for_entitled_roles_only(demo_store: LocalStore) -> None:
    person = persons(demo_store, Person.individual_number.is_not(None))[0]
    assert person.individual_number is not None
    service = SearchService(demo_store)
    with pytest.raises(PermissionDenied):
        service.search(
            context(Role.CLERK), SearchCriteria(individual_number=person.individual_number)
        )
    result = service.search(
        context(Role.SUPERVISOR), SearchCriteria(individual_number=person.individual_number)
    )
    assert [p.atena_no for p in result.persons] == [person.atena_no]


def test_every_search_is_audited_without_the_individual_number(demo_store: LocalStore) -> None:
    person = persons(demo_store, Person.individual_number.is_not(None))[1]
    assert person.individual_number is not None
    SearchService(demo_store).search(
        context(Role.SUPERVISOR, staff_no="A0042"),
        SearchCriteria(individual_number=person.individual_number),
    )
    with demo_store.transaction() as session:
        entry = [e for e in audit_entries(session, action="search") if e.staff_no == "A0042"][-1]
        assert entry.detail["count"] == 1
        assert entry.target_persons == [person.atena_no]
        assert entry.terminal_id == "TEST-T01"
        assert person.individual_number not in str(entry.detail)


def test_a_bad_birth_date_is_a_clear_error(demo_store: LocalStore) -> None:
    with pytest.raises(InvalidDate):
        SearchService(demo_store).search(
            context(), SearchCriteria(name="サトウ", birth_date="平成31年5月1日")
        )


def test_an_invalid_individual_number_is_a_clear_error(demo_store: LocalStore) -> None:
    with pytest.raises(ValueError, match="個人番号"):
        SearchService(demo_store).search(
            context(Role.SUPERVISOR), SearchCriteria(individual_number="123456789012")
        )


def test_contractor_cannot_search_without_the_right(demo_store: LocalStore) -> None:
    with pytest.raises(PermissionDenied):
        SearchService(demo_store).search(context(Role.AUDITOR), SearchCriteria(atena_no="1"))
