"""Person search (R-SRCH-1…4): criteria rules, kana and 異体字 tolerance, audit of every search.

The search needs an identifier (宛名番号, 住民票コード, 個人番号 — the last only for roles that may
use it) or at least two items other than sex. Anything broader is refused with the reason.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy.orm import Session

from madoguchi.app.context import ServiceContext
from madoguchi.app.domain.individual_number import IndividualNumber
from madoguchi.app.domain.kana import is_kana, search_key
from madoguchi.app.domain.permissions import Action
from madoguchi.app.domain.resident_code import ResidentCode
from madoguchi.app.domain.variants import name_key
from madoguchi.app.domain.wareki import InvalidDate, RegisterDate, parse_date
from madoguchi.app.services.display import (
    card_status_label,
    register_date_display,
    sex_label,
    status_label,
)
from madoguchi.storage import register
from madoguchi.storage.audit import append_audit
from madoguchi.storage.models import Person
from madoguchi.storage.register import NameCriterion, NameMatch, PersonQuery
from madoguchi.storage.store import LocalStore

RESULT_LIMIT = 100

TOO_FEW_ITEMS = (
    "検索条件が足りません。宛名番号・住民票コード・個人番号のいずれか、"
    "または性別以外の2項目以上（氏名＋生年月日、氏名＋住所など）を入力してください。"
)


class SearchRefused(ValueError):
    """The criteria do not meet the rules; the message gives the reason and what to add."""


@dataclass(frozen=True)
class SearchCriteria:
    """What the clerk typed, as text; the service normalises and checks it."""

    name: str = ""
    birth_date: str = ""
    address: str = ""
    sex: str = ""
    atena_no: str = ""
    resident_code: str = ""
    individual_number: str = ""
    include_removed: bool = True
    name_match: NameMatch = NameMatch.PREFIX


@dataclass(frozen=True)
class PersonSummary:
    """One person as a search result or household member row shows them."""

    atena_no: str
    household_no: str
    name: str
    kana: str
    birth_date: str
    sex: str
    address: str
    relationship: str
    status: str
    status_label: str
    is_foreign: bool
    alias_name: str | None
    card_status: str


@dataclass(frozen=True)
class SearchResult:
    """The persons found (at most RESULT_LIMIT) and whether more matched."""

    persons: tuple[PersonSummary, ...]
    truncated: bool


_DIGITS = re.compile(r"\d+")
_CHOME_NUMERALS = "〇一二三四五六七八九"


def _to_kanji_numeral(number: int) -> str:
    if number < 10:
        return _CHOME_NUMERALS[number]
    tens, ones = divmod(number, 10)
    return (
        ("" if tens == 1 else _CHOME_NUMERALS[tens])
        + "十"
        + (_CHOME_NUMERALS[ones] if ones else "")
    )


def split_address(text: str, municipality_prefixes: tuple[str, ...]) -> tuple[str, str | None]:
    """Split typed address text into a folded town key and a canonical 番地 prefix.

    ``本町1丁目3-12``, ``本町一丁目３番１２号`` and ``みどり市本町一丁目3番地12`` all give
    (``本町一丁目``'s key, ``3-12``).
    """
    text = unicodedata.normalize("NFKC", text).replace(" ", "")
    for prefix in municipality_prefixes:
        if text.startswith(prefix):
            text = text[len(prefix) :]
    text = re.sub(r"(\d+)丁目", lambda m: _to_kanji_numeral(int(m.group(1))) + "丁目", text)
    match = re.search(r"\d", text)
    town_part, rest = (text[: match.start()], text[match.start() :]) if match else (text, "")
    numbers = _DIGITS.findall(rest)
    return name_key(town_part), "-".join(numbers) if numbers else None


def _parse_birth_date(text: str) -> str:
    try:
        return parse_date(text).isoformat()
    except InvalidDate:
        # Legal oddities (平成11年2月29日, 年月日不詳 …) are searchable by their stored form.
        return RegisterDate.parse(text).iso()


def summarize(person: Person) -> PersonSummary:
    """The display row of a person."""
    return PersonSummary(
        atena_no=person.atena_no,
        household_no=person.household_no,
        name=f"{person.family_name}　{person.given_name}",
        kana=f"{person.family_name_kana}　{person.given_name_kana}",
        birth_date=register_date_display(
            person.birth_date,
            era=person.birth_date_era,
            qualifier=person.birth_date_qualifier,
            western=person.is_foreign,
        ),
        sex=sex_label(person.sex),
        address=person.address + (f"　{person.katagaki}" if person.katagaki else ""),
        relationship=person.relationship,
        status=person.status,
        status_label=status_label(person.status),
        is_foreign=person.is_foreign,
        alias_name=person.alias_name,
        card_status=card_status_label(person.card_status),
    )


class SearchService:
    """Person search on the local replica, audited."""

    def __init__(self, store: LocalStore) -> None:
        self._store = store
        self._municipality_prefixes: tuple[str, ...] | None = None

    def _prefixes(self, session: Session) -> tuple[str, ...]:
        if self._municipality_prefixes is None:
            towns = register.all_towns(session)
            names = {t.prefecture + t.municipality for t in towns} | {t.municipality for t in towns}
            names |= {t.prefecture for t in towns}
            self._municipality_prefixes = tuple(sorted(names, key=len, reverse=True))
        return self._municipality_prefixes

    def build_query(
        self, ctx: ServiceContext, criteria: SearchCriteria, session: Session
    ) -> PersonQuery:
        """Check the criteria against R-SRCH-1 and the actor's rights; normalise them."""
        ctx.actor.require(Action.SEARCH_PERSON)
        atena_no = unicodedata.normalize("NFKC", criteria.atena_no).strip() or None
        resident_code = (
            ResidentCode.parse(criteria.resident_code).value
            if criteria.resident_code.strip()
            else None
        )
        individual_number = None
        if criteria.individual_number.strip():
            ctx.actor.require(Action.SEARCH_BY_INDIVIDUAL_NUMBER)
            individual_number = IndividualNumber.parse(criteria.individual_number).value
        name = criteria.name.strip()
        items = sum(bool(x.strip()) for x in (name, criteria.birth_date, criteria.address))
        if not (atena_no or resident_code or individual_number) and items < 2:
            raise SearchRefused(TOO_FEW_ITEMS)
        name_criterion = None
        if name:
            whole = bool(re.search(r"[\s　]", name))
            if is_kana(name):
                name_criterion = NameCriterion(search_key(name), True, criteria.name_match, whole)
            else:
                name_criterion = NameCriterion(name_key(name), False, criteria.name_match, whole)
        town_codes = None
        banchi = None
        if criteria.address.strip():
            town_key, banchi = split_address(criteria.address, self._prefixes(session))
            town_codes = [t.code for t in register.find_towns(session, town_key)]
        return PersonQuery(
            name=name_criterion,
            birth_date=_parse_birth_date(criteria.birth_date)
            if criteria.birth_date.strip()
            else None,
            town_codes=town_codes,
            banchi_prefix=banchi,
            sex=criteria.sex or None,
            atena_no=atena_no,
            resident_code=resident_code,
            individual_number=individual_number,
            include_removed=criteria.include_removed,
        )

    def search(self, ctx: ServiceContext, criteria: SearchCriteria) -> SearchResult:
        """Run a search and write it to the audit log (criteria and count) in one transaction."""
        with self._store.transaction() as session:
            query = self.build_query(ctx, criteria, session)
            persons = register.search_persons(session, query, RESULT_LIMIT + 1)
            truncated = len(persons) > RESULT_LIMIT
            persons = persons[:RESULT_LIMIT]
            append_audit(
                session,
                at=ctx.now(),
                terminal_id=ctx.terminal_id,
                staff_no=ctx.actor.staff_no,
                action="search",
                target_persons=[p.atena_no for p in persons],
                detail={
                    "criteria": audit_criteria(criteria),
                    "count": len(persons),
                    "truncated": truncated,
                },
            )
            return SearchResult(tuple(summarize(p) for p in persons), truncated)


def audit_criteria(criteria: SearchCriteria) -> dict[str, str | bool]:
    """The criteria as the audit log keeps them: the 個人番号 itself is never written."""
    recorded: dict[str, str | bool] = {
        key: value
        for key, value in (
            ("name", criteria.name),
            ("birth_date", criteria.birth_date),
            ("address", criteria.address),
            ("sex", criteria.sex),
            ("atena_no", criteria.atena_no),
            ("resident_code", criteria.resident_code),
        )
        if value
    }
    if criteria.individual_number:
        recorded["individual_number"] = "（個人番号で検索）"
    recorded["include_removed"] = criteria.include_removed
    return recorded
