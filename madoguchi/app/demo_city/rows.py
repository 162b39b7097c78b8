"""Turn a household plan into table rows: households, persons, change_history, 個別事項, 通称履歴.

Row dicts use the column names of ``madoguchi.storage.models`` so they go straight into
``insert(Table)``. Derived search keys come from the domain functions (cached, since names
repeat); calendar dates are written in ``RegisterDate.iso()`` form, which for a calendar
date is exactly ``date.isoformat()``. The 世帯番号 of a household is the 宛名番号 of its
first member, as many municipalities do, so numbers stay unique and are never reused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from madoguchi.app.demo_city.columns import (
    alias_rows,
    display_banchi,
    foreign_columns,
    removal_columns,
)
from madoguchi.app.demo_city.entitlements import NO_CARD, card_of, individual_items
from madoguchi.app.demo_city.identifiers import Identifiers, Stamp
from madoguchi.app.demo_city.plan import Address, HouseholdPlan, Member, Sampler
from madoguchi.app.demo_city.towns import domain_town
from madoguchi.app.domain import change_reason as cr
from madoguchi.app.domain.address import format_address
from madoguchi.app.domain.kana import search_key
from madoguchi.app.domain.relationship import HouseholdMember, household_order
from madoguchi.app.domain.variants import has_gaiji, name_key

Row = dict[str, Any]
INDIVIDUAL_NUMBER_START = date(2015, 10, 5)
"""個人番号 were assigned to everyone registered on this day; earlier 除票 have none."""

_NOTICE_DAYS: dict[str, tuple[int, int]] = {
    cr.BIRTH.code: (0, 14),
    cr.DEATH.code: (0, 7),
    cr.MOVE_OUT_DOMESTIC.code: (-14, 0),
    cr.MOVE_OUT_ABROAD.code: (-14, 0),
    cr.EX_OFFICIO_ENTRY.code: (0, 0),
    cr.FORMER_SURNAME_ENTRY.code: (0, 0),
    cr.ALIAS_ENTRY.code: (0, 0),
    cr.ALIAS_REMOVAL.code: (0, 0),
}


@dataclass(slots=True)
class GeneratedHousehold:
    """The rows of one household, ready for bulk insertion in this order."""

    household: Row
    persons: list[Row]
    history: list[Row]
    individual_items: list[Row]
    alias_history: list[Row]


@dataclass(slots=True)
class _Event:
    on: date
    reason: cr.ChangeReason
    summary: str
    shared: bool = False  # one notification for the whole household (one 処理ID)
    stamp: Stamp | None = None
    notified: date | None = None


@dataclass
class RowBuilder:
    """Materializes plans; holds the caches of derived keys and display addresses."""

    s: Sampler
    ids: Identifiers
    _addresses: dict[tuple[str, str], str] = field(default_factory=dict)
    _kana_keys: dict[str, str] = field(default_factory=dict)
    _name_keys: dict[str, str] = field(default_factory=dict)
    _gaiji: dict[str, bool] = field(default_factory=dict)

    # ------------------------------------------------------------------ caches
    def display(self, address: Address) -> str:
        """The printed address without 方書, e.g. ``架空県みどり市本町一丁目3番12号``."""
        key = (address.town.code, address.banchi)
        text = self._addresses.get(key)
        if text is None:
            text = format_address(domain_town(address.town), display_banchi(address))
            self._addresses[key] = text
        return text

    def kana_key(self, text: str) -> str:
        """search_key, cached."""
        key = self._kana_keys.get(text)
        if key is None:
            key = self._kana_keys[text] = search_key(text)
        return key

    def name_key(self, text: str) -> str:
        """name_key, cached."""
        key = self._name_keys.get(text)
        if key is None:
            key = self._name_keys[text] = name_key(text)
        return key

    def has_gaiji(self, text: str) -> bool:
        """has_gaiji, cached."""
        flag = self._gaiji.get(text)
        if flag is None:
            flag = self._gaiji[text] = has_gaiji(text)
        return flag

    # ------------------------------------------------------------------ events
    def _events(self, plan: HouseholdPlan, member: Member) -> list[_Event]:
        assert member.entry is not None
        entry, removal = member.entry, member.removal
        at_entry = plan.address_on(entry)
        kind = member.entry_kind
        events: list[_Event]
        if kind == "birth":
            events = [_Event(entry, cr.BIRTH, f"出生: {at_entry.short()}")]
        elif kind == "abroad":
            summary = f"国外転入: {member.previous_address} → {at_entry.short()}"
            events = [_Event(entry, cr.MOVE_IN_FROM_ABROAD, summary, shared=True)]
        elif kind == "enactment":
            summary = "外国人住民票の作成（改正住民基本台帳法の施行）"
            events = [_Event(entry, cr.EX_OFFICIO_ENTRY, summary, shared=True)]
        else:
            summary = f"転入: {member.previous_address} → {at_entry.short()}"
            events = [_Event(entry, cr.MOVE_IN_DOMESTIC, summary, shared=True)]
        addresses = plan.addresses
        for index in range(1, len(addresses)):
            since, address = addresses[index]
            if entry < since and (removal is None or since < removal.on):
                summary = f"転居: {addresses[index - 1][1].short()} → {address.short()}"
                events.append(_Event(since, cr.MOVE_WITHIN, summary, shared=True))
        change = plan.householder_change
        if change is not None:
            on, old, new = change
            if entry <= on and (removal is None or removal.on > on):
                summary = (
                    f"世帯主変更: {plan.members[old].full_name} → {plan.members[new].full_name}"
                )
                events.append(_Event(on, cr.HOUSEHOLDER_CHANGE, summary, shared=True))
        if member.former_surname is not None and member.former_surname_on is not None:
            former = member.former_surname
            summary = f"旧氏の記載: {former.written}（{former.kana}）"
            events.append(_Event(member.former_surname_on, cr.FORMER_SURNAME_ENTRY, summary))
        foreign = member.foreign
        if foreign is not None:
            if foreign.earlier_alias is not None:
                family, given, recorded, removed = foreign.earlier_alias
                alias = f"{family.written}\u3000{given.written}"
                events.append(_Event(recorded, cr.ALIAS_ENTRY, f"通称の記載: {alias}"))
                events.append(_Event(removed, cr.ALIAS_REMOVAL, f"通称の削除: {alias}"))
            if foreign.alias is not None and foreign.alias_on is not None:
                alias = f"{foreign.alias[0].written}\u3000{foreign.alias[1].written}"
                events.append(_Event(foreign.alias_on, cr.ALIAS_ENTRY, f"通称の記載: {alias}"))
        if removal is not None:
            if removal.reason is cr.DEATH:
                summary = "死亡"
            elif removal.reason is cr.MOVE_OUT_ABROAD:
                summary = f"国外転出: → {removal.destination}"
            else:
                summary = f"転出: {plan.address_on(removal.on).short()} → {removal.destination}"
            events.append(_Event(removal.on, removal.reason, summary, shared=True))
        events.sort(key=lambda e: (e.on, e.reason.category != cr.ChangeCategory.ENTRY))
        return events

    def _stamp(self, event: _Event, shared: dict[tuple[str, date], _Event]) -> Stamp:
        """Stamp ``event``; one household notification shares its stamp (one 処理ID)."""
        if event.shared:
            first = shared.get((event.reason.code, event.on))
            if first is not None and first.stamp is not None:
                event.stamp, event.notified = first.stamp, first.notified
                return first.stamp
            shared[(event.reason.code, event.on)] = event
        low, high = _NOTICE_DAYS.get(event.reason.code, (0, 14))
        notified = min(event.on + timedelta(days=self.s.randint(low, high)), self.s.today)
        event.notified = notified
        event.stamp = self.ids.stamp(notified)
        return event.stamp

    # ------------------------------------------------------------------ rows
    def build(self, plan: HouseholdPlan) -> GeneratedHousehold:
        """All rows of ``plan``; 宛名番号 are issued in order of arrival."""
        members = plan.members
        by_arrival = sorted(range(len(members)), key=lambda i: (members[i].entry, i))
        atena = [""] * len(members)
        for index in by_arrival:
            atena[index] = self.ids.atena_no()
        household_no = atena[by_arrival[0]]
        shared: dict[tuple[str, date], _Event] = {}
        persons: list[Row] = []
        history: list[Row] = []
        aliases: list[Row] = []
        latest: Stamp | None = None
        for index in by_arrival:
            member = members[index]
            events = self._events(plan, member)
            newest: Stamp | None = None
            for event in events:
                stamp = self._stamp(event, shared)
                if newest is None or stamp.processed_at > newest.processed_at:
                    newest = stamp
                history.append(
                    {
                        "atena_no": atena[index],
                        "household_no": household_no,
                        "change_reason": event.reason.code,
                        "change_date": event.on.isoformat(),
                        "change_date_qualifier": None,
                        "notified_on": event.notified,
                        "processed_at": stamp.processed_at,
                        "process_id": stamp.process_id,
                        "terminal_id": stamp.terminal_id,
                        "staff_no": stamp.staff_no,
                        "summary": event.summary,
                    }
                )
            assert newest is not None
            if latest is None or newest.processed_at > latest.processed_at:
                latest = newest
            persons.append(self._person(plan, member, atena[index], household_no, events, newest))
            if member.foreign is not None:
                aliases += alias_rows(member, atena[index])
        self._order(plan, persons, atena)
        assert latest is not None
        address = plan.addresses[-1][1]
        household = {
            "household_no": household_no,
            "address_code": address.town.code,
            "address": self.display(address),
            "banchi": address.banchi,
            "katagaki": address.katagaki,
            "postal_code": address.town.postal_code,
            "removed": all(m.removal is not None for m in members),
            "processed_at": latest.processed_at,
            "process_id": latest.process_id,
            "terminal_id": latest.terminal_id,
            "staff_no": latest.staff_no,
            "row_version": 1,
        }
        items = individual_items(self.s, plan, atena)
        return GeneratedHousehold(household, persons, history, items, aliases)

    def _order(self, plan: HouseholdPlan, persons: list[Row], atena: list[str]) -> None:
        """Set household_order: current members in j1010 order, then the removed ones."""
        if len(persons) == 1:
            persons[0]["household_order"] = 1
            return
        rows = {row["atena_no"]: row for row in persons}
        groups: tuple[list[HouseholdMember], list[HouseholdMember]] = ([], [])
        for index, member in enumerate(plan.members):
            family_of = None if member.family_of is None else atena[member.family_of]
            groups[member.removal is not None].append(
                HouseholdMember(
                    atena[index],
                    member.relationship,
                    rows[atena[index]]["birth_date"],
                    member.is_hittosha,
                    family_of,
                )
            )
        ordered = household_order(groups[0]) + household_order(groups[1])
        for position, entry in enumerate(ordered, start=1):
            rows[entry.atena_no]["household_order"] = position

    def _person(
        self,
        plan: HouseholdPlan,
        member: Member,
        atena_no: str,
        household_no: str,
        events: list[_Event],
        stamp: Stamp,
    ) -> Row:
        s, removal = self.s, member.removal
        assert member.entry is not None
        last_day = s.today if removal is None else removal.on - timedelta(days=1)
        address = plan.address_on(max(last_day, member.entry))
        settled = events[0]
        for event in events:
            if event.reason in _ADDRESS_REASONS:
                settled = event
        legal_kana = member.legal_family_kana or member.family.kana
        family, given, given_kana = member.family.written, member.given.written, member.given.kana
        birth, former, koseki = member.birth_override, member.former_surname, member.koseki
        row: Row = {
            "atena_no": atena_no,
            "household_no": household_no,
            "individual_number": (
                self.ids.individual_number()
                if removal is None or removal.on >= INDIVIDUAL_NUMBER_START
                else None
            ),
            "resident_code": self.ids.resident_code(),
            "status": "current" if removal is None else "removed",
            "family_name": family,
            "given_name": given,
            "family_name_kana": legal_kana,
            "given_name_kana": given_kana,
            "furigana_source": "戸籍" if s.rng.random() < 0.95 else "申出",
            "convenience_kana": f"{member.family.kana}\u3000{given_kana}",
            "former_surname": former.written if former else None,
            "former_surname_kana": former.kana if former else None,
            "has_gaiji": self.has_gaiji(family) or self.has_gaiji(given),
            "birth_date": birth.iso() if birth else member.birth.isoformat(),
            "birth_date_era": birth.era if birth else None,
            "birth_date_qualifier": birth.qualifier if birth else None,
            "sex": member.sex,
            "relationship": member.relationship,
            "household_order": 0,
            "honseki": koseki[0] if koseki else None,
            "hittosha": koseki[1] if koseki else None,
            "became_resident_on": member.entry.isoformat(),
            "address_code": address.town.code,
            "banchi": address.banchi,
            "address": self.display(address),
            "katagaki": address.katagaki,
            "address_set_on": settled.on.isoformat(),
            "notified_on": settled.notified,
            "previous_address": member.previous_address,
            "move_out_planned_address": None,
            "move_out_planned_on": None,
            "move_out_confirmed_address": None,
            "move_out_confirmed_on": None,
            "removed_on": None,
            "removal_reason": None,
            "card_status": "none",
            "card_expires_on": None,
            "is_foreign": False,
            "nationality": None,
            "residence_category": None,
            "residence_status": None,
            "period_of_stay": None,
            "stay_expires_on": None,
            "residence_card_no": None,
            "alias_name": None,
            "alias_kana": None,
            "alphabet_name": None,
            "kana_key": self.kana_key(legal_kana + given_kana),
            "given_kana_key": self.kana_key(given_kana),
            # name_key folds character by character, so the full name's key is the family
            # key followed by the given key (the tests check it); two small caches suffice.
            "name_key": self.name_key(family) + (given_name_key := self.name_key(given)),
            "given_name_key": given_name_key,
            "processed_at": stamp.processed_at,
            "process_id": stamp.process_id,
            "terminal_id": stamp.terminal_id,
            "staff_no": stamp.staff_no,
            "row_version": 1,
        }
        if removal is None:
            card = card_of(s, member)
            if card is not NO_CARD:
                row["card_status"], row["card_expires_on"] = card.status, card.expires_on
        else:
            removal_columns(s, member, row)
        if member.foreign is not None:
            foreign_columns(s, member, row)
        return row


_ADDRESS_REASONS = frozenset(
    {cr.BIRTH, cr.MOVE_IN_DOMESTIC, cr.MOVE_IN_FROM_ABROAD, cr.EX_OFFICIO_ENTRY, cr.MOVE_WITHIN}
)
