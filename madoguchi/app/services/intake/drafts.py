"""The maker's side of drafts (仮登録): list, open, withdraw, the late-notification list, and
the data of the 住民異動届 confirmation sheet (R-INTAKE-6, standard/j540.txt)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from madoguchi.app.context import ServiceContext
from madoguchi.app.domain.intake import (
    KIND_LABELS,
    NOTIFIER_LABELS,
    VARIANT_LABELS,
    IntakeForm,
    IntakeKind,
    NotifierKind,
    Variant,
    form_from_json,
)
from madoguchi.app.domain.permissions import Action
from madoguchi.app.domain.wareki import format_date_jp
from madoguchi.app.services.intake.base import (
    OPEN_STATUSES,
    DraftNotEditable,
    record_draft_closing,
)
from madoguchi.app.services.intake.household import destination_address
from madoguchi.storage.audit import append_audit
from madoguchi.storage.models import (
    Draft,
    Person,
    RefIdentityDocument,
    StoreMeta,
)
from madoguchi.storage.store import LocalStore

STATUS_LABELS = {
    "draft": "審査待ち",
    "rejected": "差戻し",
    "withdrawn": "取下げ",
    "approved": "決裁済み",
}
MASKED_NUMBER = "●●●● ●●●● ●●●●"


@dataclass(frozen=True)
class DraftListItem:
    """One line of the maker's list of drafts."""

    draft_id: str
    kind_label: str
    summary: str
    status: str
    status_label: str
    updated_at: dt.datetime
    late: bool


@dataclass(frozen=True)
class DraftView:
    """A draft opened for editing or reading."""

    draft_id: str
    revision: int
    status: str
    status_reason: str | None
    maker_staff_no: str
    form: IntakeForm
    confirmed_alerts: tuple[str, ...]
    late: bool


@dataclass(frozen=True)
class LateNotification:
    """A notification filed more than 14 days after the move (簡易裁判所への通知の対象)."""

    draft_id: str
    variant_label: str
    names: str
    moved_on: dt.date
    notified_on: dt.date
    days_late: int
    status_label: str


def _item(draft: Draft) -> DraftListItem:
    return DraftListItem(
        draft.draft_id,
        KIND_LABELS[IntakeKind(draft.kind)],
        draft.summary,
        draft.status,
        STATUS_LABELS.get(draft.status, draft.status),
        draft.updated_at,
        draft.late,
    )


class DraftService:
    """Drafts as their maker sees them. Nothing here touches the register."""

    def __init__(self, store: LocalStore) -> None:
        self._store = store

    def mine(self, ctx: ServiceContext, *, include_closed: bool = False) -> list[DraftListItem]:
        """The actor's drafts, newest first (open ones only unless ``include_closed``)."""
        ctx.actor.require(Action.INTAKE)
        with self._store.transaction() as session:
            query = select(Draft).where(Draft.maker_staff_no == ctx.actor.staff_no)
            if not include_closed:
                query = query.where(Draft.status.in_(OPEN_STATUSES))
            drafts = session.scalars(query.order_by(Draft.updated_at.desc()))
            return [_item(d) for d in drafts]

    def open(self, ctx: ServiceContext, draft_id: str) -> DraftView:
        """One of the actor's drafts, with its form as saved."""
        ctx.actor.require(Action.INTAKE)
        with self._store.transaction() as session:
            draft = session.get(Draft, draft_id)
            if draft is None or draft.maker_staff_no != ctx.actor.staff_no:
                raise DraftNotEditable("仮登録が見つかりません。一覧から選び直してください。")
            append_audit(
                session,
                at=ctx.now(),
                terminal_id=ctx.terminal_id,
                staff_no=ctx.actor.staff_no,
                action="intake_draft_opened",
                target_persons=list(draft.target_persons),
                detail={"draft_id": draft_id},
            )
            return DraftView(
                draft.draft_id,
                draft.revision,
                draft.status,
                draft.status_reason,
                draft.maker_staff_no,
                form_from_json(draft.form),
                tuple(a["key"] for a in draft.confirmed_alerts),
                draft.late,
            )

    def withdraw(self, ctx: ServiceContext, draft_id: str, reason: str) -> None:
        """The maker withdraws an open draft (取下げ) with a reason; it stays on record."""
        ctx.actor.require(Action.INTAKE)
        if not reason.strip():
            raise ValueError("取下げの理由を入力してください。")
        with self._store.transaction() as session:
            draft = session.get(Draft, draft_id)
            if draft is None or draft.maker_staff_no != ctx.actor.staff_no:
                raise DraftNotEditable("仮登録が見つかりません。一覧から選び直してください。")
            if draft.status not in OPEN_STATUSES:
                raise DraftNotEditable("この仮登録はすでに取下げ済みまたは決裁済みです。")
            now = ctx.now()
            draft.status = "withdrawn"
            draft.status_reason = reason.strip()
            draft.updated_at = now
            draft.row_version += 1
            record_draft_closing(
                session,
                ctx,
                draft,
                action="intake_draft_withdrawn",
                op_type="withdraw_draft",
                reason=reason.strip(),
                at=now,
            )

    def late_notifications(
        self, ctx: ServiceContext, since: dt.date, until: dt.date
    ) -> list[LateNotification]:
        """Late notifications filed in [since, until], for the 簡易裁判所 report (R-INTAKE-2)."""
        ctx.actor.require(Action.INTAKE)
        with self._store.transaction() as session:
            drafts = session.scalars(
                select(Draft)
                .where(
                    Draft.late.is_(True),
                    Draft.status != "withdrawn",
                    Draft.notified_on >= since,
                    Draft.notified_on <= until,
                )
                .order_by(Draft.notified_on, Draft.created_at)
            )
            entries = []
            for draft in drafts:
                form = form_from_json(draft.form)
                assert form.moved_on is not None
                entries.append(
                    LateNotification(
                        draft.draft_id,
                        VARIANT_LABELS[form.variant],
                        "、".join(m.name for m in form.movers),
                        form.moved_on,
                        form.notified_on,
                        (form.notified_on - form.moved_on).days,
                        STATUS_LABELS.get(draft.status, draft.status),
                    )
                )
            append_audit(
                session,
                at=ctx.now(),
                terminal_id=ctx.terminal_id,
                staff_no=ctx.actor.staff_no,
                action="late_notification_list",
                detail={
                    "since": since.isoformat(),
                    "until": until.isoformat(),
                    "count": len(entries),
                },
            )
            return entries

    def confirmation_sheet(self, ctx: ServiceContext, draft_id: str) -> bytes:
        """The draft's confirmation sheet as a PDF, printed by the actor now (audited)."""
        facts = self.sheet_data(ctx, draft_id)
        staff = f"{ctx.actor.staff_no} {ctx.actor.name}"
        return confirmation_sheet_pdf(facts, printed_at=ctx.now(), staff=staff)

    def sheet_data(self, ctx: ServiceContext, draft_id: str) -> SheetFacts:
        """What the 住民異動届 confirmation sheet of a draft shows (the 個人番号 masked)."""
        ctx.actor.require(Action.INTAKE)
        with self._store.transaction() as session:
            draft = session.get(Draft, draft_id)
            if draft is None:
                raise DraftNotEditable("仮登録が見つかりません。一覧から選び直してください。")
            form = form_from_json(draft.form)
            facts = _sheet_facts(session, draft, form)
            append_audit(
                session,
                at=ctx.now(),
                terminal_id=ctx.terminal_id,
                staff_no=ctx.actor.staff_no,
                action="intake_sheet_printed",
                target_persons=list(draft.target_persons),
                detail={"draft_id": draft_id, "individual_number_printed": False},
            )
            return facts


@dataclass(frozen=True)
class SheetPersonFacts:
    """One person on the sheet."""

    name: str
    kana: str
    birth_date: str
    sex: str
    relationship: str


@dataclass(frozen=True)
class SheetFacts:
    """Everything the sheet prints, already formatted, no 個人番号."""

    municipality: str
    title: str
    variant_label: str
    draft_id: str
    moved_on: str
    notified_on: str
    new_address: str
    previous_address: str
    previous_address_label: str
    householder: str
    persons: tuple[SheetPersonFacts, ...]
    notifier: str
    documents: tuple[str, ...]
    alerts: tuple[str, ...]
    staff_no: str


def _date(text: str | dt.date | None) -> str:
    if not text:
        return ""
    value = text if isinstance(text, dt.date) else dt.date.fromisoformat(text)
    return format_date_jp(value)


def _sheet_facts(session: Session, draft: Draft, form: IntakeForm) -> SheetFacts:
    municipality = session.get(StoreMeta, "municipality_name")
    people = []
    registered = {
        p.atena_no: p
        for p in session.scalars(
            select(Person).where(
                Person.atena_no.in_([m.atena_no for m in form.movers if m.atena_no])
            )
        )
    }
    for mover in form.movers:
        person = registered.get(mover.atena_no or "")
        name = mover.name or (f"{person.family_name}　{person.given_name}" if person else "")
        kana = f"{mover.family_name_kana}　{mover.given_name_kana}".strip("　") or (
            f"{person.family_name_kana}　{person.given_name_kana}" if person else ""
        )
        birth = mover.birth_date or (person.birth_date if person else "")
        sex = mover.sex or (person.sex if person else "")
        relationship = form.relationship_changes.get(mover.atena_no or "", mover.relationship) or (
            person.relationship if person else ""
        )
        people.append(
            SheetPersonFacts(
                name, kana, _date(birth), {"1": "男", "2": "女"}.get(sex, ""), relationship
            )
        )
    new_address, previous, label = _addresses(session, form, registered)
    householder = next((p.name for p in people if p.relationship == "世帯主"), "")
    check = form.identity_check
    notifier = ""
    documents: tuple[str, ...] = ()
    if check is not None:
        notifier = f"{NOTIFIER_LABELS[check.notifier_kind]}　{check.notifier_name}"
        if check.notifier_kind == NotifierKind.AGENT:
            notifier += "（委任状あり）" if check.power_of_attorney else "（委任状なし）"
        names = {
            d.code: d.name
            for d in session.scalars(
                select(RefIdentityDocument).where(RefIdentityDocument.code.in_(check.documents))
            )
        }
        documents = tuple(names.get(code, code) for code in check.documents)
    return SheetFacts(
        municipality=municipality.value if municipality else "",
        title=f"住民異動届（{KIND_LABELS[form.kind]}）確認票",
        variant_label=VARIANT_LABELS[form.variant],
        draft_id=draft.draft_id,
        moved_on=_date(form.moved_on),
        notified_on=_date(form.notified_on),
        new_address=new_address,
        previous_address=previous,
        previous_address_label=label,
        householder=householder,
        persons=tuple(people),
        notifier=notifier,
        documents=documents,
        alerts=tuple(str(a["message"]) for a in draft.confirmed_alerts),
        staff_no=draft.maker_staff_no,
    )


def _addresses(
    session: Session, form: IntakeForm, registered: dict[str, Person]
) -> tuple[str, str, str]:
    current = next(iter(registered.values()), None)
    current_address = (
        current.address + (f"　{current.katagaki}" if current.katagaki else "") if current else ""
    )
    destination = form.destination
    new_address = destination_address(session, destination) if destination else ""
    if form.kind == IntakeKind.MOVE_IN:
        return new_address, form.previous_address or "", "転入前住所"
    if form.kind == IntakeKind.MOVE_OUT:
        return current_address, form.moving_to_address or "", "転出先住所"
    if form.variant == Variant.MOVE_WITHIN:
        return new_address, current_address, "旧住所"
    return new_address or current_address, current_address, "住所"


def confirmation_sheet_pdf(facts: SheetFacts, *, printed_at: dt.datetime, staff: str) -> bytes:
    """The 住民異動届 confirmation sheet of a draft as a PDF (R-INTAKE-6, standard j540)."""
    from madoguchi.app.services.documents.notification_sheet import (
        NotificationSheet,
        SheetPerson,
        render_notification_sheet,
    )

    sheet = NotificationSheet(
        municipality=facts.municipality,
        title=facts.title,
        variant_label=facts.variant_label,
        draft_id=facts.draft_id,
        moved_on=facts.moved_on,
        notified_on=facts.notified_on,
        new_address=facts.new_address,
        previous_address=facts.previous_address,
        previous_address_label=facts.previous_address_label,
        householder=facts.householder,
        persons=tuple(
            SheetPerson(p.name, p.kana, p.birth_date, p.sex, p.relationship, MASKED_NUMBER)
            for p in facts.persons
        ),
        notifier=facts.notifier,
        documents=facts.documents,
        alerts=facts.alerts,
        printed_at=f"{format_date_jp(printed_at.date())} {printed_at:%H:%M}",
        staff=staff,
    )
    return render_notification_sheet(sheet)


def masked_number() -> str:
    """What the sheet prints in the 個人番号 column: never the number (R-MASK-1)."""
    return MASKED_NUMBER
