"""Read queries on the register replica: person search, one person, one household.

The queries take keys that the application layer has already normalised (kana search keys,
異体字-folded name keys, ISO dates, town codes); this module only knows the schema and which
index serves which shape of search.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import ColumnElement, Select, and_, func, select, union
from sqlalchemy.orm import InstrumentedAttribute, Session, load_only, selectinload

from madoguchi.storage.models import ChangeHistory, Household, Person, RefTown

_TOP = chr(0x10FFFF)


class NameMatch(StrEnum):
    """How a name criterion compares with the stored key."""

    PREFIX = "prefix"
    EXACT = "exact"
    CONTAINS = "contains"


@dataclass(frozen=True)
class NameCriterion:
    """A name to look for, as a key of one kind (kana or kanji) and how to compare it.

    ``whole_name`` means the key covers family and given name together (the user typed a
    space or asked for the full name); otherwise it may match the start of the full name or
    the given name alone (名のみの検索, standard/j330.txt).
    """

    key: str
    kana: bool
    match: NameMatch = NameMatch.PREFIX
    whole_name: bool = False


@dataclass(frozen=True)
class PersonQuery:
    """Normalised search criteria; at least one field besides ``sex`` is set by the caller."""

    name: NameCriterion | None = None
    birth_date: str | None = None
    town_codes: Sequence[str] | None = None
    banchi_prefix: str | None = None
    sex: str | None = None
    atena_no: str | None = None
    resident_code: str | None = None
    individual_number: str | None = None
    include_removed: bool = True


def _key_condition(
    column: InstrumentedAttribute[str], key: str, match: NameMatch
) -> ColumnElement[bool]:
    if match is NameMatch.EXACT:
        return column == key
    if match is NameMatch.CONTAINS:
        return func.instr(column, key) > 0
    # A range keeps the index usable where LIKE would not (LIKE is case-folding in SQLite).
    return and_(column >= key, column < key + _TOP)


def _name_keys(name: NameCriterion) -> list[InstrumentedAttribute[str]]:
    full, given = (
        (Person.kana_key, Person.given_kana_key)
        if name.kana
        else (Person.name_key, Person.given_name_key)
    )
    return [full] if name.whole_name else [full, given]


def person_search_statement(query: PersonQuery, limit: int) -> Select[Person]:
    """The SELECT for ``query``, in a stable order, at most ``limit`` rows.

    A name that may be the start of the full name or the given name alone becomes a UNION of
    two branches, so each branch can use its own composite index ((birth_date | address_code,
    key)); an OR across the two keys would make SQLite scan the whole town.
    """
    conditions: list[ColumnElement[bool]] = []
    if query.atena_no is not None:
        conditions.append(Person.atena_no == query.atena_no)
    if query.resident_code is not None:
        conditions.append(Person.resident_code == query.resident_code)
    if query.individual_number is not None:
        conditions.append(Person.individual_number == query.individual_number)
    if query.birth_date is not None:
        conditions.append(Person.birth_date == query.birth_date)
    if query.town_codes is not None:
        conditions.append(Person.address_code.in_(list(query.town_codes)))
    if query.banchi_prefix is not None:
        # "3-1" matches 3-1 and 3-1-5 but not 3-12: one range on the canonical form.
        conditions.append(
            and_(
                Person.banchi >= query.banchi_prefix,
                Person.banchi < query.banchi_prefix + "-" + _TOP,
            )
        )
    if query.sex is not None:
        conditions.append(Person.sex == query.sex)
    if not query.include_removed:
        conditions.append(Person.status == "current")
    if query.name is not None:
        name = query.name
        branches = [
            select(Person.atena_no).where(*conditions, _key_condition(key, name.key, name.match))
            for key in _name_keys(name)
        ]
        conditions = [Person.atena_no.in_(union(*branches) if len(branches) > 1 else branches[0])]
    return (
        select(Person)
        .where(*conditions)
        .order_by(Person.status, Person.kana_key, Person.birth_date, Person.atena_no)
        .limit(limit)
    )


SUMMARY_COLUMNS = (
    Person.atena_no,
    Person.household_no,
    Person.family_name,
    Person.given_name,
    Person.family_name_kana,
    Person.given_name_kana,
    Person.birth_date,
    Person.birth_date_era,
    Person.birth_date_qualifier,
    Person.sex,
    Person.address,
    Person.katagaki,
    Person.relationship,
    Person.status,
    Person.is_foreign,
    Person.alias_name,
    Person.card_status,
)
"""The columns a result row shows; a search loads only these (a person has ~60)."""


def search_persons(session: Session, query: PersonQuery, limit: int) -> list[Person]:
    """Persons matching ``query``, at most ``limit`` of them, with the summary columns loaded."""
    statement = person_search_statement(query, limit).options(load_only(*SUMMARY_COLUMNS))
    return list(session.scalars(statement))


def find_towns(session: Session, name_key: str) -> list[RefTown]:
    """Towns of the address master whose folded name contains ``name_key``."""
    return list(
        session.scalars(
            select(RefTown).where(func.instr(RefTown.name_key, name_key) > 0).order_by(RefTown.code)
        )
    )


def all_towns(session: Session) -> list[RefTown]:
    """The whole address master, in code order (a few hundred rows)."""
    return list(session.scalars(select(RefTown).order_by(RefTown.code)))


def load_person(session: Session, atena_no: str) -> Person | None:
    """One person with their history, or None."""
    return session.scalars(
        select(Person).where(Person.atena_no == atena_no).options(selectinload(Person.history))
    ).one_or_none()


def load_household(session: Session, household_no: str) -> tuple[Household, list[Person]] | None:
    """A household and every member who ever belonged to it (current and removed)."""
    household = session.get(Household, household_no)
    if household is None:
        return None
    members = list(
        session.scalars(
            select(Person)
            .where(Person.household_no == household_no)
            .options(selectinload(Person.history))
            .order_by(Person.household_order, Person.atena_no)
        )
    )
    return household, members


def history_of(session: Session, atena_nos: Sequence[str]) -> list[ChangeHistory]:
    """The change history of the given persons, oldest first."""
    return list(
        session.scalars(
            select(ChangeHistory)
            .where(ChangeHistory.atena_no.in_(list(atena_nos)))
            .order_by(ChangeHistory.atena_no, ChangeHistory.id)
        )
    )
