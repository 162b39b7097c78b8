"""Person view and household view (R-SRCH-3, standard/j430.txt), each view audited.

Restricted items (個人番号, 住民票コード, 本籍・筆頭者, 在留資格等) leave this service
already masked unless the actor's role allows them (R-MASK-1, R-MASK-2); the 個人番号
is always masked here — revealing it for one person is a separate, logged action.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from madoguchi.app.context import ServiceContext
from madoguchi.app.domain.change_reason import REASON_NAMES
from madoguchi.app.domain.permissions import Action
from madoguchi.app.services.display import date_display, register_date_display
from madoguchi.app.services.masking import RestrictedItem, may_reveal, shown
from madoguchi.app.services.search import PersonSummary, summarize
from madoguchi.storage import register
from madoguchi.storage.audit import append_audit
from madoguchi.storage.models import ChangeHistory, Draft, Person
from madoguchi.storage.store import LocalStore


class NotFound(LookupError):
    """No person or household has that number."""


@dataclass(frozen=True)
class HistoryEntry:
    """One line of 異動履歴 as shown."""

    atena_no: str
    person_name: str
    change_reason: str
    change_date: str
    notified_on: str
    processed_at: str
    terminal_id: str
    staff_no: str
    summary: str
    # The approved draft that made this entry, which a 取消 names; None for entries older
    # than the review step (migrated or seeded history).
    draft_id: str | None = None


@dataclass(frozen=True)
class Field:
    """A labelled item of the person view; restricted items name their kind."""

    label: str
    value: str
    item: RestrictedItem | None = None
    revealable: bool = False


@dataclass(frozen=True)
class PersonDetail:
    """Everything the person view shows, already masked for the actor."""

    summary: PersonSummary
    fields: tuple[Field, ...]
    history: tuple[HistoryEntry, ...]


@dataclass(frozen=True)
class HouseholdView:
    """A household: its number, address, householder and every member ever in it."""

    household_no: str
    address: str
    householder: str
    members: tuple[PersonSummary, ...]
    history: tuple[HistoryEntry, ...]


def _approved_drafts(session: Session, entries: list[ChangeHistory]) -> dict[str, str]:
    """process_id → draft_id of the approved drafts that made ``entries``."""
    process_ids = sorted({h.process_id for h in entries})
    if not process_ids:
        return {}
    rows = session.execute(
        select(Draft.process_id, Draft.draft_id).where(
            Draft.status == "approved", Draft.process_id.in_(process_ids)
        )
    )
    return {process_id: draft_id for process_id, draft_id in rows if process_id}


def _history(
    session: Session,
    entries: list[ChangeHistory],
    names: dict[str, str],
    reasons: dict[str, str],
) -> tuple[HistoryEntry, ...]:
    drafts = _approved_drafts(session, entries)
    return tuple(
        HistoryEntry(
            atena_no=h.atena_no,
            person_name=names.get(h.atena_no, ""),
            change_reason=reasons.get(h.change_reason, h.change_reason),
            change_date=register_date_display(h.change_date, qualifier=h.change_date_qualifier),
            notified_on=date_display(h.notified_on),
            processed_at=h.processed_at.strftime("%Y-%m-%d %H:%M"),
            terminal_id=h.terminal_id,
            staff_no=h.staff_no,
            summary=h.summary,
            draft_id=drafts.get(h.process_id),
        )
        for h in entries
    )


class RegisterViewService:
    """Opens one person or one household from the local replica."""

    def __init__(self, store: LocalStore) -> None:
        self._store = store

    def person(
        self, ctx: ServiceContext, atena_no: str, *, purpose: str | None = None
    ) -> PersonDetail:
        """The person view of ``atena_no``; the view is written to the audit log."""
        ctx.actor.require(Action.VIEW_PERSON)
        with self._store.transaction() as session:
            person = register.load_person(session, atena_no)
            if person is None:
                raise NotFound(f"宛名番号 {atena_no} の住民は見つかりません。")
            append_audit(
                session,
                at=ctx.now(),
                terminal_id=ctx.terminal_id,
                staff_no=ctx.actor.staff_no,
                action="view_person",
                target_persons=[atena_no],
                purpose=purpose,
            )
            names = {person.atena_no: f"{person.family_name}　{person.given_name}"}
            return PersonDetail(
                summary=summarize(person),
                fields=tuple(self._fields(ctx, person)),
                history=_history(session, list(person.history), names, REASON_NAMES),
            )

    def household(self, ctx: ServiceContext, household_no: str) -> HouseholdView:
        """The household view: all members including removed ones, and their history."""
        ctx.actor.require(Action.VIEW_PERSON)
        with self._store.transaction() as session:
            loaded = register.load_household(session, household_no)
            if loaded is None:
                raise NotFound(f"世帯番号 {household_no} の世帯は見つかりません。")
            household, members = loaded
            append_audit(
                session,
                at=ctx.now(),
                terminal_id=ctx.terminal_id,
                staff_no=ctx.actor.staff_no,
                action="view_household",
                target_persons=[m.atena_no for m in members],
                detail={"household_no": household_no},
            )
            current = [m for m in members if m.status == "current"]
            ordered = current + [m for m in members if m.status != "current"]
            householder = next(
                (f"{m.family_name}　{m.given_name}" for m in current if m.relationship == "世帯主"),
                "",
            )
            names = {m.atena_no: f"{m.family_name}　{m.given_name}" for m in members}
            history = sorted(
                (h for m in members for h in m.history), key=lambda h: (h.processed_at, h.id)
            )
            return HouseholdView(
                household_no=household.household_no,
                address=household.address
                + (f"　{household.katagaki}" if household.katagaki else ""),
                householder=householder,
                members=tuple(summarize(m) for m in ordered),
                history=_history(session, history, names, REASON_NAMES),
            )

    def _fields(self, ctx: ServiceContext, p: Person) -> list[Field]:
        def restricted(label: str, item: RestrictedItem, value: str | None) -> Field:
            revealable = bool(value) and may_reveal(ctx, item)
            return Field(label, shown(ctx, item, value), item, revealable)

        western = p.is_foreign
        fields = [
            Field("宛名番号", p.atena_no),
            Field("世帯番号", p.household_no),
            restricted("個人番号", RestrictedItem.INDIVIDUAL_NUMBER, p.individual_number),
            restricted("住民票コード", RestrictedItem.RESIDENT_CODE, p.resident_code),
            Field("氏名", f"{p.family_name}　{p.given_name}"),
            Field("氏名の振り仮名", f"{p.family_name_kana}　{p.given_name_kana}"),
            Field("フリガナ（従来）", p.convenience_kana or ""),
            Field("旧氏", p.former_surname or ""),
            Field(
                "生年月日",
                register_date_display(
                    p.birth_date,
                    era=p.birth_date_era,
                    qualifier=p.birth_date_qualifier,
                    western=western,
                ),
            ),
            Field("性別", summarize(p).sex),
            Field("続柄", p.relationship),
            Field("住所", p.address + (f"　{p.katagaki}" if p.katagaki else "")),
            Field("住民となった日", register_date_display(p.became_resident_on)),
            Field("住所を定めた日", register_date_display(p.address_set_on)),
            Field("届出日", date_display(p.notified_on)),
            Field("前住所", p.previous_address or ""),
        ]
        if not p.is_foreign:
            fields += [
                restricted("本籍", RestrictedItem.HONSEKI, p.honseki),
                restricted("筆頭者", RestrictedItem.HONSEKI, p.hittosha),
            ]
        if p.status == "removed":
            fields += [
                Field("住民でなくなった日", register_date_display(p.removed_on)),
                Field(
                    "転出先住所", p.move_out_confirmed_address or p.move_out_planned_address or ""
                ),
            ]
        card = summarize(p).card_status
        if p.card_expires_on:
            card += f"（有効期限 {date_display(p.card_expires_on)}）"
        fields.append(Field("個人番号カード", card))
        if p.is_foreign:
            status = RestrictedItem.RESIDENCE_STATUS
            expiry = date_display(p.stay_expires_on, western=True)
            fields += [
                Field("国籍・地域", p.nationality or ""),
                Field("アルファベット氏名", p.alphabet_name or ""),
                Field("通称", p.alias_name or ""),
                Field("第30条の45区分", p.residence_category or ""),
                restricted("在留資格", status, p.residence_status),
                restricted("在留期間", status, p.period_of_stay),
                restricted("在留期間満了日", status, expiry),
                restricted("在留カード等番号", status, p.residence_card_no),
            ]
        return fields
