"""Tests for the 続柄 vocabulary (j110) and the household order (j1010)."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from madoguchi.app.domain.relationship import (
    BASE_TERMS,
    HOUSEHOLDER,
    MAX_GENERATIONS,
    RELATIONSHIP_CHOICES,
    HouseholdMember,
    InvalidRelationship,
    household_order,
    validate_relationship,
)

M = HouseholdMember


@pytest.mark.parametrize("term", [HOUSEHOLDER, "縁故者", "同居人", *BASE_TERMS])
def test_single_terms_are_valid(term: str) -> None:
    assert validate_relationship(term) == term


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("子の夫", "子の夫"),
        ("子の妻", "子の妻"),
        ("妻(未届)", "妻（未届）"),
        ("夫（未届け）", "夫（未届）"),
        ("子の妻(未届)", "子の妻（未届）"),
        (" 父の 母 ", "父の母"),
        ("世帯主の子", "子"),
        ("世帯主の父の兄の子", "父の兄の子"),
        ("子の子の子の子", "子の子の子の子"),
        ("妻の父の母の兄", "妻の父の母の兄"),
    ],
)
def test_normalised_terms(text: str, expected: str) -> None:
    assert validate_relationship(text) == expected


def test_choices_are_all_valid() -> None:
    assert HOUSEHOLDER in RELATIONSHIP_CHOICES
    for term in RELATIONSHIP_CHOICES:
        assert validate_relationship(term) == term


def test_five_generations_suggest_kin() -> None:
    with pytest.raises(InvalidRelationship) as info:
        validate_relationship("子の子の子の子の子")
    assert "縁故者" in str(info.value)
    assert "5世代" in str(info.value)


@pytest.mark.parametrize(
    ("text", "suggestion"),
    [
        ("祖父", "「父の父」"),
        ("祖母", "「父の母」"),
        ("孫", "「子の子」"),
        ("長男", "「子」"),
        ("二女", "「子」"),
        ("叔父", "「父の弟」"),
        ("甥", "「兄の子」"),
        ("妻の祖父", "「父の父」"),
        ("家事使用人", "「同居人」"),
    ],
)
def test_forbidden_terms_suggest_the_allowed_form(text: str, suggestion: str) -> None:
    with pytest.raises(InvalidRelationship) as info:
        validate_relationship(text)
    message = str(info.value)
    assert suggestion in message
    assert "使用できる続柄" in message


@pytest.mark.parametrize(
    "text", ["", "　", "友人", "世帯主の世帯主の子", "縁故者の子", "子の", "の子"]
)
def test_invalid_terms(text: str) -> None:
    with pytest.raises(InvalidRelationship):
        validate_relationship(text)


def test_error_is_value_error() -> None:
    assert issubclass(InvalidRelationship, ValueError)


@given(st.lists(st.sampled_from(BASE_TERMS), min_size=1, max_size=MAX_GENERATIONS))
def test_chains_up_to_four_generations_are_valid(terms: list[str]) -> None:
    chain = "の".join(terms)
    assert validate_relationship(chain) == chain


@given(st.lists(st.sampled_from(BASE_TERMS), min_size=MAX_GENERATIONS + 1, max_size=8))
def test_longer_chains_are_refused(terms: list[str]) -> None:
    with pytest.raises(InvalidRelationship, match="縁故者"):
        validate_relationship("の".join(terms))


@given(st.text(max_size=15))
def test_validate_raises_only_invalid_relationship(text: str) -> None:
    try:
        validate_relationship(text)
    except InvalidRelationship as error:
        assert str(error)


# ------------------------------------------------------------------ household order


def order(members: list[HouseholdMember]) -> list[str]:
    return [m.atena_no for m in household_order(members)]


def test_ranks_of_j1010() -> None:
    members = [
        M("20", "同居人", "1950-01-01"),
        M("19", "縁故者", "1960-01-01"),
        M("18", "妻の兄", "1970-01-01"),
        M("17", "妻の父", "1940-02-01"),
        M("16", "母", "1940-01-01"),
        M("15", "父", "1938-01-01", is_hittosha=True),
        M("14", "子の妻", "1992-01-01", family_of="02"),
        M("13", "子", "1995-01-01"),
        M("02", "子", "1990-01-01"),
        M("01", HOUSEHOLDER, "1965-01-01"),
        M("10", "妻", "1966-01-01"),
        M("11", "子の子", "2020-01-01", family_of="02"),
        M("12", "兄", "1963-01-01"),
        M("21", "父の母", "1915-01-01"),
        M("22", "姉", "1961-01-01"),
        M("23", "兄の子", "1990-05-05", family_of="12"),
        M("24", "父の兄の子", "1960-01-01"),
    ]
    assert order(members) == [
        "01",  # 1-1 世帯主
        "10",  # 1-2 配偶者
        "13",  # 1-3 子 without family
        "02",  # 2-1 子 with family
        "14",  # 2-2 its spouse
        "11",  # 2-3 its child
        "15",  # 3-1 父母 (筆頭者 first)
        "16",
        "22",  # 3-2 兄弟姉妹 (兄 has a family → rank 4)
        "21",  # 3-3 祖父母
        "17",  # 4: spouse's parents, siblings, then other relatives
        "18",
        "24",
        "12",  # relative's family: head, then members
        "23",
        "19",  # 4-2 縁故者
        "20",  # 4-3 同居人
    ]


def test_children_by_birth_then_atena_no() -> None:
    members = [
        M("300", "子", "2001-04-01"),
        M("200", "子", "2001-04-01"),
        M("100", "子", "2003-01-01"),
        M("001", HOUSEHOLDER, "1970-01-01"),
    ]
    assert order(members) == ["001", "200", "300", "100"]


def test_childrens_families_in_the_childrens_birth_order() -> None:
    members = [
        M("1", HOUSEHOLDER, "1940-01-01"),
        M("2", "子", "1970-01-01"),  # 長男
        M("3", "子", "1972-01-01"),  # 次男
        M("4", "子の妻", "1973-01-01", family_of="3"),
        M("5", "子の妻", "1971-01-01", family_of="2"),
        M("6", "子の子", "2000-01-01", family_of="3"),
        M("7", "子の子", "2001-01-01", family_of="2"),
    ]
    assert order(members) == ["1", "2", "5", "7", "3", "4", "6"]


def test_spouses_relatives_examples_of_j1010() -> None:
    # 例1: 妻の兄 before 妻の弟; 例2: twins ordered by 宛名番号.
    members = [
        M("12499967", "妻の姉", "1975-03-03"),
        M("12399945", "妻の兄", "1975-03-03"),
        M("10000001", "妻の弟", "1978-01-01"),
        M("10000000", HOUSEHOLDER, "1970-01-01"),
    ]
    assert order(members) == ["10000000", "12399945", "12499967", "10000001"]


def test_unlinked_child_family_members_follow_linked_ones() -> None:
    members = [
        M("1", HOUSEHOLDER, "1940-01-01"),
        M("2", "子の子", "2001-01-01"),
        M("3", "子の妻", "1975-01-01"),
        M("4", "子", "1970-01-01"),
    ]
    assert order(members) == ["1", "4", "3", "2"]


def test_parents_without_hittosha_by_birth() -> None:
    members = [
        M("1", HOUSEHOLDER, "1970-01-01"),
        M("3", "母", "1941-01-01"),
        M("2", "父", "1942-01-01"),
    ]
    assert order(members) == ["1", "3", "2"]


relationships = st.sampled_from(
    [
        "妻",
        "夫（未届）",
        "子",
        "子",
        "子の妻",
        "子の子",
        "子の子の子",
        "父",
        "母",
        "兄",
        "妹",
        "父の父",
        "妻の母",
        "妻の兄",
        "兄の子",
        "兄の妻",
        "縁故者",
        "同居人",
        "孫",  # legacy data: placed with other relatives, never rejected here
    ]
)


@st.composite
def households(draw: st.DrawFn) -> list[HouseholdMember]:
    size = draw(st.integers(min_value=0, max_value=10))
    atena = draw(st.lists(st.integers(1, 10**6), min_size=size + 1, max_size=size + 1, unique=True))
    births = st.dates().map(lambda d: d.isoformat()) | st.just("0000-00-00")
    members = [M(str(atena[0]), HOUSEHOLDER, draw(births))]
    for number in atena[1:]:
        family_of = draw(st.none() | st.sampled_from([str(a) for a in atena]))
        members.append(
            M(str(number), draw(relationships), draw(births), draw(st.booleans()), family_of)
        )
    return members


@given(households(), st.randoms(use_true_random=False))
def test_household_order_properties(members: list[HouseholdMember], rng: random.Random) -> None:
    ordered = household_order(members)
    assert Counter(ordered) == Counter(members)
    assert ordered[0].relationship == HOUSEHOLDER
    lodgers = [m for m in ordered if m.relationship == "同居人"]
    assert ordered[len(ordered) - len(lodgers) :] == lodgers
    shuffled = list(members)
    rng.shuffle(shuffled)
    assert household_order(shuffled) == ordered
