"""The intake service every kind shares: check, then save a draft (仮登録) — never the register.

``check`` judges a form against the rules and the register as the local replica has it now;
``save`` refuses on any error, asks for every unconfirmed alert, and otherwise writes one
draft with the base versions of what it touches, its audit entry and the outbox op, in one
transaction. The register itself is changed only by approval (R-REVIEW, issue 6).
"""

from __future__ import annotations

import datetime as dt
import uuid
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from madoguchi.app.context import ServiceContext
from madoguchi.app.domain import intake_rules as rules
from madoguchi.app.domain.intake import (
    KIND_LABELS,
    VARIANT_KIND,
    VARIANT_LABELS,
    IntakeForm,
    IntakeKind,
    form_to_json,
)
from madoguchi.app.domain.intake_rules import Finding, Level, date_findings, is_late
from madoguchi.app.domain.permissions import Action
from madoguchi.app.services.intake.checks import duplicate_findings, identity_findings
from madoguchi.storage.audit import append_audit
from madoguchi.storage.models import Draft, Household, Person, RefIdentityDocument
from madoguchi.storage.outbox import enqueue_op
from madoguchi.storage.store import LocalStore

OPEN_STATUSES = ("draft", "rejected")


class IntakeRefused(Exception):
    """The form has errors; nothing was saved. ``findings`` holds every error and alert."""

    def __init__(self, findings: list[Finding]) -> None:
        self.findings = findings
        errors = [f for f in findings if f.level == Level.ERROR]
        super().__init__("\n".join(f.message for f in errors))


class AlertsNotConfirmed(Exception):
    """Alerts the operator has not confirmed; nothing was saved."""

    def __init__(self, alerts: list[Finding]) -> None:
        self.alerts = alerts
        super().__init__("\n".join(f.message for f in alerts))


class WrongKind(ValueError):
    """A form of another kind was given to this kind's service."""


@dataclass(frozen=True)
class CheckResult:
    """What the rules say about a form."""

    findings: tuple[Finding, ...]
    late: bool
    ex_officio: bool

    @property
    def errors(self) -> tuple[Finding, ...]:
        """The findings that block saving."""
        return tuple(f for f in self.findings if f.level == Level.ERROR)

    @property
    def alerts(self) -> tuple[Finding, ...]:
        """The findings that need a confirmation."""
        return tuple(f for f in self.findings if f.level == Level.ALERT)


@dataclass(frozen=True)
class DraftSaved:
    """A saved draft: its id, revision and what it was saved with."""

    draft_id: str
    revision: int
    late: bool
    ex_officio: bool
    confirmed_alerts: tuple[str, ...]


@dataclass
class Touched:
    """The persons and households a form touches, for base versions and open-draft checks."""

    persons: dict[str, Person]
    households: dict[str, Household]


class IntakeService(ABC):
    """One kind of notification (転入, 転出, 転居, 世帯変更)."""

    kind: ClassVar[IntakeKind]

    def __init__(self, store: LocalStore) -> None:
        self._store = store

    def check(
        self, ctx: ServiceContext, form: IntakeForm, *, draft_id: str | None = None
    ) -> CheckResult:
        """Judge ``form`` now (as a revision of ``draft_id`` if given); nothing is written."""
        ctx.actor.require(Action.INTAKE)
        self._require_kind(form)
        with self._store.transaction() as session:
            return self.evaluate(session, ctx, form, exclude_draft=draft_id)[0]

    def save(
        self,
        ctx: ServiceContext,
        form: IntakeForm,
        *,
        confirmed: frozenset[str] | set[str] = frozenset(),
        draft_id: str | None = None,
    ) -> DraftSaved:
        """Save ``form`` as a new draft (or a new revision of the maker's ``draft_id``).

        ``confirmed`` holds the keys (``Finding.key``) of the alerts the operator confirmed.
        """
        ctx.actor.require(Action.INTAKE)
        self._require_kind(form)
        with self._store.transaction() as session:
            result, touched = self.evaluate(session, ctx, form, exclude_draft=draft_id)
            if result.errors:
                raise IntakeRefused(list(result.findings))
            open_alerts = [a for a in result.alerts if a.key not in confirmed]
            if open_alerts:
                raise AlertsNotConfirmed(open_alerts)
            draft = self._write_draft(session, ctx, form, result, touched, draft_id)
            return DraftSaved(
                draft.draft_id,
                draft.revision,
                draft.late,
                draft.ex_officio,
                tuple(a.key for a in result.alerts),
            )

    def _require_kind(self, form: IntakeForm) -> None:
        if VARIANT_KIND[form.variant] != self.kind:
            raise WrongKind(
                f"{VARIANT_LABELS[form.variant]}は{KIND_LABELS[self.kind]}ではありません。"
            )

    def evaluate(
        self,
        session: Session,
        ctx: ServiceContext,
        form: IntakeForm,
        *,
        exclude_draft: str | None = None,
    ) -> tuple[CheckResult, Touched]:
        """The rules on ``form`` within ``session``, and what it touches (review uses it)."""
        findings = date_findings(form, ctx.today())
        photo_codes = set(
            session.scalars(
                select(RefIdentityDocument.code).where(RefIdentityDocument.has_photo.is_(True))
            )
        )
        findings += identity_findings(form.identity_check, photo_codes)
        if not form.movers:
            findings.append(Finding(rules.NO_MOVERS))
        findings += duplicate_findings(form)
        touched = Touched({}, {})
        findings += self.kind_findings(session, form, touched)
        findings += self._open_draft_findings(session, touched, exclude_draft)
        late = is_late(form)
        return (
            CheckResult(tuple(findings), late, late and self.kind == IntakeKind.MOVE_OUT),
            touched,
        )

    @abstractmethod
    def kind_findings(self, session: Session, form: IntakeForm, touched: Touched) -> list[Finding]:
        """The rules of this kind; record every person and household the form touches."""

    def _open_draft_findings(
        self, session: Session, touched: Touched, exclude_draft: str | None
    ) -> list[Finding]:
        if not touched.persons:
            return []
        findings = []
        for draft in session.scalars(select(Draft).where(Draft.status.in_(OPEN_STATUSES))):
            if draft.draft_id == exclude_draft:
                continue
            for atena_no in set(draft.target_persons) & set(touched.persons):
                person = touched.persons[atena_no]
                findings.append(
                    Finding(
                        rules.OPEN_DRAFT_EXISTS,
                        f"{person.family_name}　{person.given_name}",
                        draft.summary,
                    )
                )
        return findings

    def _write_draft(
        self,
        session: Session,
        ctx: ServiceContext,
        form: IntakeForm,
        result: CheckResult,
        touched: Touched,
        draft_id: str | None,
    ) -> Draft:
        now = ctx.now()
        draft = session.get(Draft, draft_id) if draft_id else None
        if draft_id is not None:
            draft = _editable(draft, ctx)
        if draft is None:
            draft = Draft(
                draft_id=str(uuid.uuid4()),
                kind=self.kind.value,
                maker_staff_no=ctx.actor.staff_no,
                terminal_id=ctx.terminal_id,
                office=ctx.actor.office,
                created_at=now,
                revision=1,
                row_version=1,
            )
            session.add(draft)
        else:
            draft.revision += 1
            draft.row_version += 1
        draft.variant = form.variant.value
        draft.status = "draft"
        draft.status_reason = None
        draft.updated_at = now
        draft.moved_on = form.moved_on
        draft.notified_on = form.notified_on
        draft.late = result.late
        draft.ex_officio = result.ex_officio
        draft.summary = _summary(form)
        draft.target_persons = sorted(touched.persons)
        draft.form = form_to_json(form)
        draft.base_versions = {
            "persons": {k: p.row_version for k, p in sorted(touched.persons.items())},
            "households": {k: h.row_version for k, h in sorted(touched.households.items())},
        }
        draft.confirmed_alerts = [
            {"key": a.key, "code": a.rule.code, "message": a.message} for a in result.alerts
        ]
        session.flush()
        append_audit(
            session,
            at=now,
            terminal_id=ctx.terminal_id,
            staff_no=ctx.actor.staff_no,
            action="intake_draft_saved",
            target_persons=draft.target_persons,
            detail={
                "draft_id": draft.draft_id,
                "revision": draft.revision,
                "variant": draft.variant,
                "late": draft.late,
                "alerts_confirmed": [a.rule.code for a in result.alerts],
            },
        )
        enqueue_op(
            session,
            op_type="submit_draft",
            payload={
                "draft_id": draft.draft_id,
                "revision": draft.revision,
                "kind": draft.kind,
                "variant": draft.variant,
                "base_versions": draft.base_versions,
            },
            created_at=now,
            terminal_id=ctx.terminal_id,
            staff_no=ctx.actor.staff_no,
        )
        return draft


def record_draft_closing(
    session: Session,
    ctx: ServiceContext,
    draft: Draft,
    *,
    action: str,
    op_type: str,
    reason: str,
    at: dt.datetime,
) -> None:
    """Audit a draft leaving the queue (withdrawn, rejected) and queue its op for the centre."""
    append_audit(
        session,
        at=at,
        terminal_id=ctx.terminal_id,
        staff_no=ctx.actor.staff_no,
        action=action,
        target_persons=list(draft.target_persons),
        detail={"draft_id": draft.draft_id, "reason": reason},
    )
    enqueue_op(
        session,
        op_type=op_type,
        payload={"draft_id": draft.draft_id, "reason": reason},
        created_at=at,
        terminal_id=ctx.terminal_id,
        staff_no=ctx.actor.staff_no,
    )


class DraftNotEditable(Exception):
    """The draft is not the actor's, or is no longer open."""


def _editable(draft: Draft | None, ctx: ServiceContext) -> Draft:
    if draft is None:
        raise DraftNotEditable("仮登録が見つかりません。一覧から選び直してください。")
    if draft.maker_staff_no != ctx.actor.staff_no:
        raise DraftNotEditable(
            "他の職員が作成した仮登録は修正できません。作成者に依頼してください。"
        )
    if draft.status not in OPEN_STATUSES:
        raise DraftNotEditable(
            "この仮登録は取下げ済みまたは決裁済みのため修正できません。新しく受け付けてください。"
        )
    return draft


def _summary(form: IntakeForm) -> str:
    names = "、".join(m.name for m in form.movers[:3] if m.name)
    more = f" 他{len(form.movers) - 3}名" if len(form.movers) > 3 else ""
    moved = form.moved_on.isoformat() if form.moved_on else "異動日未入力"
    return f"{VARIANT_LABELS[form.variant]} {names}{more}（{moved}）"


def today_of(ctx: ServiceContext) -> dt.date:
    """The context's date (kept for kinds that need it in their rules)."""
    return ctx.today()
