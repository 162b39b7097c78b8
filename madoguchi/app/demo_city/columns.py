"""Column helpers for person rows: 除票 items, foreign-resident items, 通称履歴 rows, 番地."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from madoguchi.app.demo_city.plan import Address, Member, Sampler
from madoguchi.app.demo_city.towns import MUNICIPALITY, PREFECTURE
from madoguchi.app.domain import change_reason as cr

Row = dict[str, Any]
CITY_NAME = PREFECTURE + MUNICIPALITY


def display_banchi(address: Address) -> str:
    """``3-12`` → ``3番12号`` (住居表示); ``1234-5`` → ``1234番地5`` in a 大字."""
    first, _, rest = address.banchi.partition("-")
    if address.town.has_blocks:
        return f"{first}番{rest}号" if rest else f"{first}番"
    return f"{first}番地{rest}"


def removal_columns(s: Sampler, member: Member, row: Row) -> None:
    """Set the 除票 items of ``row``: date, reason, planned and confirmed destination."""
    removal = member.removal
    if removal is None:
        return
    row["removed_on"] = removal.on.isoformat()
    row["removal_reason"] = removal.reason.code
    if removal.reason is cr.DEATH:
        return
    row["move_out_planned_address"] = removal.destination
    row["move_out_planned_on"] = removal.on
    confirmed = removal.on + timedelta(days=s.randint(3, 40))
    if removal.reason is cr.MOVE_OUT_DOMESTIC and confirmed <= s.today:
        destination = removal.destination or ""
        if s.chance(0.1):  # settled somewhere else than announced (転出確定住所 differs)
            destination = destination.rsplit("番", 1)[0] + f"番{s.randint(1, 25)}号"
        row["move_out_confirmed_address"] = destination
        row["move_out_confirmed_on"] = confirmed


def foreign_columns(s: Sampler, member: Member, row: Row) -> None:
    """Set the 住基法 §30-45 items of ``row`` for a foreign resident."""
    foreign = member.foreign
    if foreign is None:
        return
    expires = foreign.expires_on
    if expires is not None and member.removal is not None:
        # The permit that was current when the person left, not one valid today.
        expires = member.removal.on + (expires - s.today)
    alias = foreign.alias
    row["is_foreign"] = True
    row["nationality"] = foreign.nationality
    row["residence_category"] = foreign.category
    row["residence_status"] = foreign.status
    row["period_of_stay"] = foreign.period
    row["stay_expires_on"] = expires
    row["residence_card_no"] = foreign.card_no
    row["alphabet_name"] = foreign.alphabet_name
    row["furigana_source"] = None
    if alias is not None:
        row["alias_name"] = f"{alias[0].written}\u3000{alias[1].written}"
        row["alias_kana"] = f"{alias[0].kana}\u3000{alias[1].kana}"


def alias_rows(member: Member, atena_no: str) -> list[Row]:
    """通称履歴 rows of ``member`` (an earlier, removed 通称 first)."""
    foreign = member.foreign
    if foreign is None:
        return []
    rows: list[Row] = []
    if foreign.earlier_alias is not None:
        family, given, recorded, removed = foreign.earlier_alias
        rows.append(
            _alias_row(
                atena_no, family.written, given.written, family.kana, given.kana, recorded, removed
            )
        )
    if foreign.alias is not None and foreign.alias_on is not None:
        family, given = foreign.alias
        rows.append(
            _alias_row(
                atena_no,
                family.written,
                given.written,
                family.kana,
                given.kana,
                foreign.alias_on,
                None,
            )
        )
    return rows


def _alias_row(
    atena_no: str,
    family: str,
    given: str,
    family_kana: str,
    given_kana: str,
    recorded: date,
    removed: date | None,
) -> Row:
    return {
        "atena_no": atena_no,
        "alias_name": f"{family}\u3000{given}",
        "alias_kana": f"{family_kana}\u3000{given_kana}",
        "recorded_on": recorded,
        "recorded_by_municipality": CITY_NAME,
        "removed_on": removed,
    }
