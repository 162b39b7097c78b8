"""Applying an approved notification to the register (決裁 → 本登録, R-REVIEW-2).

Only approval calls this, inside the approval's transaction. Every person whose row changes
gets a history entry with its 異動事由, dates and the processing stamps (R-DATA-4), and the
before/after snapshots that the interface records and a later cancellation read. Nothing is
deleted: a person who leaves becomes a 除票 (R-DATA-3); a household left empty is marked removed.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from madoguchi.app.domain.change_reason import HOUSEHOLDER_CHANGE
from madoguchi.app.domain.intake import (
    VARIANT_REASON,
    IntakeForm,
    IntakeKind,
    Mover,
    Variant,
)
from madoguchi.app.domain.kana import search_key
from madoguchi.app.domain.relationship import HOUSEHOLDER
from madoguchi.app.domain.variants import has_gaiji, name_key
from madoguchi.app.services.intake.household import banchi_text, residents_with_numbers
from madoguchi.app.services.review.changes import RegisteredChange
from madoguchi.app.services.review.recorder import ApplyError, Recorder, Stamp
from madoguchi.storage.models import (
    Household,
    MoveInReservation,
    Person,
    ReceivedMoveOutCertificate,
    RefTown,
    Terminal,
)

NUMBER_LANES = 100


def _next_number(session: Session, column: object, width: int, lane: int | None) -> str:
    """The next 宛名番号 or 世帯番号: above every number this store knows and, on a terminal
    that syncs with the centre, in its own lane (number % 100 == lane), so that two windows
    approving move-ins before they have synced never pick the same number."""
    number = int(session.scalar(select(func.max(column))) or 0) + 1
    if lane is not None:
        number += (lane - number) % NUMBER_LANES
    return str(number).zfill(width)


def number_lane(session: Session, terminal_id: str) -> int | None:
    """The centre's lane of ``terminal_id`` (None on a store that never synced)."""
    terminal = session.get(Terminal, terminal_id)
    return None if terminal is None else terminal.number_lane


def _address_columns(session: Session, address_code: str, banchi: str) -> dict[str, str]:
    town = session.get(RefTown, address_code)
    if town is None:
        raise ApplyError(f"町字コード {address_code} が住所辞書にありません。")
    text = f"{town.prefecture}{town.municipality}{town.town_name}{town.chome or ''}"
    return {
        "address_code": address_code,
        "banchi": banchi,
        "address": text + banchi_text(banchi, has_blocks=town.chome is not None),
        "postal_code": town.postal_code,
    }


def set_name_keys(person: Person) -> None:
    person.kana_key = search_key(person.family_name_kana + person.given_name_kana)
    person.given_kana_key = search_key(person.given_name_kana)
    person.given_name_key = name_key(person.given_name)
    person.name_key = name_key(person.family_name) + person.given_name_key
    person.has_gaiji = has_gaiji(person.family_name + person.given_name)


def _live_at(person: Person, household: Household, on: str, *, set_address_date: bool) -> None:
    person.household_no = household.household_no
    person.address_code = household.address_code
    person.banchi = household.banchi
    person.address = household.address
    person.katagaki = household.katagaki
    if set_address_date:
        person.address_set_on = on


def _members(session: Session, household_no: str) -> list[Person]:
    return list(
        session.scalars(
            select(Person).where(Person.household_no == household_no, Person.status == "current")
        )
    )


class Applier:
    """Applies one notification form; one instance per approval."""

    def __init__(self, session: Session, stamp: Stamp, form: IntakeForm, draft_id: str) -> None:
        self.session = session
        self.form = form
        self._draft_id = draft_id
        self.record = Recorder(session, stamp)
        self.lane = number_lane(session, stamp.terminal_id)
        self.date = (
            form.moved_on.isoformat() if form.moved_on else stamp.processed_at.date().isoformat()
        )
        self.notified = form.notified_on.isoformat()
        self.reason = VARIANT_REASON[form.variant].code

    # -- households -------------------------------------------------------------------------

    def new_household(self, like: Household | None = None) -> Household:
        """A new household at the form's destination (or at ``like``'s address)."""
        number = _next_number(self.session, Household.household_no, 10, self.lane)
        self.record.touch_household(None, number)
        if like is not None:
            columns = {
                "address_code": like.address_code,
                "banchi": like.banchi,
                "address": like.address,
                "postal_code": like.postal_code,
            }
            katagaki = like.katagaki
        else:
            destination = self.form.destination
            assert destination is not None and destination.address_code
            columns = _address_columns(self.session, destination.address_code, destination.banchi)
            katagaki = destination.katagaki or None
        household = Household(household_no=number, katagaki=katagaki, removed=False, **columns)
        household.row_version = 0
        self.session.add(household)
        self.record.household_changed(household)
        return household

    def existing_household(self, household_no: str) -> Household:
        """An existing household the movers join."""
        household = self.session.get(Household, household_no)
        if household is None or household.removed:
            raise ApplyError(f"世帯番号 {household_no} の世帯がありません。")
        self.record.touch_household(household, household_no)
        return household

    def after_leaving(self, household: Household) -> None:
        """standard j490: empty → removed; one member left without 世帯主 → that member is."""
        self.record.touch_household(household, household.household_no)
        remaining = _members(self.session, household.household_no)
        if not remaining:
            household.removed = True
            self.record.household_changed(household)
            return
        if len(remaining) == 1 and remaining[0].relationship != HOUSEHOLDER:
            sole = remaining[0]
            self.record.touch_person(sole, sole.atena_no)
            sole.relationship = HOUSEHOLDER
            self.record.changed(sole, HOUSEHOLDER_CHANGE.code, self.date, None)

    # -- persons ------------------------------------------------------------------------------

    def relationship_of(self, mover: Mover) -> str:
        """The 続柄 after the move: an explicit change wins over the mover's own."""
        return self.form.relationship_changes.get(mover.atena_no or "", mover.relationship)

    def registered(self, mover: Mover) -> Person:
        """The current resident a mover names."""
        person = self.session.get(Person, mover.atena_no) if mover.atena_no else None
        if person is None or person.status != "current":
            raise ApplyError(f"{mover.name} は現在の住民ではありません。")
        self.record.touch_person(person, person.atena_no)
        return person

    def enter(self, mover: Mover, household: Household) -> Person:
        """A newcomer or a returning former resident (inheriting the 宛名番号, standard j600)."""
        order = len(_members(self.session, household.household_no)) + 1
        former = residents_with_numbers(self.session, mover, status="removed")
        if residents_with_numbers(self.session, mover, status="current"):
            raise ApplyError(f"{mover.name} はすでに住民です。")
        if former:
            person = former[0]
            self.record.touch_person(person, person.atena_no)
        else:
            atena_no = _next_number(self.session, Person.atena_no, 10, self.lane)
            self.record.touch_person(None, atena_no)
            person = Person(atena_no=atena_no, row_version=0, card_status="none")
            self.session.add(person)
        person.status = "current"
        for name in (
            "family_name",
            "given_name",
            "family_name_kana",
            "given_name_kana",
            "birth_date",
            "sex",
            "honseki",
            "hittosha",
            "nationality",
            "residence_status",
            "period_of_stay",
            "residence_card_no",
        ):
            value = getattr(mover, name)
            if value not in (None, ""):
                setattr(person, name, value)
        if mover.individual_number:
            person.individual_number = mover.individual_number
        if mover.resident_code:
            person.resident_code = mover.resident_code
        person.is_foreign = mover.is_foreign
        if mover.stay_expires_on:
            person.stay_expires_on = dt.date.fromisoformat(mover.stay_expires_on)
        person.relationship = self.relationship_of(mover)
        person.household_order = order
        person.became_resident_on = self.date
        person.notified_on = self.form.notified_on
        person.previous_address = self.form.previous_address
        person.removed_on = None
        person.removal_reason = None
        person.move_out_planned_address = None
        person.move_out_planned_on = None
        person.move_out_confirmed_address = None
        person.move_out_confirmed_on = None
        _live_at(person, household, self.date, set_address_date=True)
        set_name_keys(person)
        self.record.changed(person, self.reason, self.date, self.notified)
        return person

    # -- kinds --------------------------------------------------------------------------------

    def move_in(self) -> None:
        """転入: into a new household at the destination, or into an existing one."""
        destination = self.form.destination
        assert destination is not None
        if destination.household_no:
            household = self.existing_household(destination.household_no)
        else:
            household = self.new_household()
        for mover in self.form.movers:
            self.enter(mover, household)
        if self.form.move_out_certificate_id:
            certificate = self.session.get(
                ReceivedMoveOutCertificate, self.form.move_out_certificate_id
            )
            if certificate is not None:
                certificate.used_by_draft_id = self._draft_id
        if self.form.reservation_id:
            reservation = self.session.get(MoveInReservation, self.form.reservation_id)
            if reservation is not None:
                reservation.used_by_draft_id = self._draft_id

    def move_out(self) -> None:
        """転出: each mover becomes a 除票 on the (planned) 異動日."""
        households = set()
        for mover in self.form.movers:
            person = self.registered(mover)
            households.add(person.household_no)
            person.status = "removed"
            person.removed_on = self.date
            person.removal_reason = self.reason
            person.move_out_planned_address = self.form.moving_to_address
            person.move_out_planned_on = self.form.moved_on
            person.notified_on = self.form.notified_on
            self.record.changed(person, self.reason, self.date, self.notified)
        self.session.flush()
        for household_no in households:
            household = self.session.get(Household, household_no)
            assert household is not None
            self.after_leaving(household)

    def move_within(self) -> None:
        """転居: the whole household moves, or the movers go to a new or existing household."""
        persons = [self.registered(m) for m in self.form.movers]
        source = self.session.get(Household, persons[0].household_no)
        assert source is not None
        destination = self.form.destination
        assert destination is not None
        whole = {p.atena_no for p in persons} == {
            p.atena_no for p in _members(self.session, source.household_no)
        }
        if destination.household_no:
            target = self.existing_household(destination.household_no)
        elif whole:
            self.record.touch_household(source, source.household_no)
            assert destination.address_code
            for key, value in _address_columns(
                self.session, destination.address_code, destination.banchi
            ).items():
                setattr(source, key, value)
            source.katagaki = destination.katagaki or None
            self.record.household_changed(source)
            target = source
        else:
            target = self.new_household()
        for person, mover in zip(persons, self.form.movers, strict=True):
            person.previous_address = person.address + (
                f"　{person.katagaki}" if person.katagaki else ""
            )
            if target is not source:
                person.relationship = self.relationship_of(mover)
            _live_at(person, target, self.date, set_address_date=True)
            person.notified_on = self.form.notified_on
            self.record.changed(person, self.reason, self.date, self.notified)
        self.session.flush()
        if target is not source:
            self.after_leaving(source)

    def household_change(self) -> None:
        """世帯分離・世帯合併・世帯主変更・世帯構成変更: the address stays."""
        variant = self.form.variant
        persons = [self.registered(m) for m in self.form.movers]
        source = self.session.get(Household, persons[0].household_no) if persons else None
        assert source is not None
        if variant in (Variant.HOUSEHOLD_SPLIT, Variant.HOUSEHOLD_MERGE):
            if variant == Variant.HOUSEHOLD_SPLIT:
                target = self.new_household(like=source)
            else:
                assert self.form.destination and self.form.destination.household_no
                target = self.existing_household(self.form.destination.household_no)
            for person, mover in zip(persons, self.form.movers, strict=True):
                person.relationship = self.relationship_of(mover)
                _live_at(person, target, self.date, set_address_date=False)
                self.record.changed(person, self.reason, self.date, self.notified)
            self.session.flush()
            self.after_leaving(source)
            return
        members = {m.atena_no: m for m in _members(self.session, source.household_no)}
        changes = dict(self.form.relationship_changes)
        if variant == Variant.HOUSEHOLDER_CHANGE and self.form.new_householder_atena_no:
            changes.setdefault(self.form.new_householder_atena_no, HOUSEHOLDER)
        for atena_no, relationship in changes.items():
            member = members.get(atena_no)
            if member is None or member.relationship == relationship:
                continue
            self.record.touch_person(member, atena_no)
            member.relationship = relationship
            self.record.changed(member, self.reason, self.date, self.notified)


def apply_form(
    session: Session, draft_id: str, kind: IntakeKind, form: IntakeForm, stamp: Stamp, summary: str
) -> RegisteredChange:
    """Apply ``form`` (a draft being approved) and describe what changed."""
    applier = Applier(session, stamp, form, draft_id)
    if kind == IntakeKind.MOVE_IN:
        applier.move_in()
    elif kind == IntakeKind.MOVE_OUT:
        applier.move_out()
    elif kind == IntakeKind.MOVE_WITHIN:
        applier.move_within()
    else:
        applier.household_change()
    persons, households_after = applier.record.finish(summary)
    return RegisteredChange(
        draft_id=draft_id,
        kind=kind.value,
        variant=form.variant.value,
        processed_at=stamp.processed_at,
        process_id=stamp.process_id,
        terminal_id=stamp.terminal_id,
        staff_no=stamp.staff_no,
        persons=persons,
        households_before=applier.record.households_before,
        households_after=households_after,
        former_address=form.previous_address,
        moving_to_address=form.moving_to_address,
        move_out_certificate_id=form.move_out_certificate_id,
    )
