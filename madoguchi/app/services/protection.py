"""支援措置 and 発行抑止 management for the 支援措置責任者 (R-CERT-4, j160, j410, j440).

Measures name the 申出者, those who 併せて支援を求める and the 加害者 (a resident's 宛名番号,
or just a name and birth date); they run a year from the start (end computed, correctable),
may be extended from one month before the end, and stay in force until ended. 発行抑止 holds
stop a person's or household's certificates the same way. Every change is audited.
Releasing a blocked certificate request is in :mod:`madoguchi.app.services.protection_release`.

Every change also queues an op for the centre in the same transaction, carrying the row image
after it (and, for a change of an existing row, the ``row_version`` it was made from): a
measure registered at one window reaches every terminal (docs/SYNC.md). Two windows changing
the same measure or hold from the same version make a conflict at the centre, never a silent
overwrite.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from madoguchi.app.context import ServiceContext
from madoguchi.app.domain.permissions import Action
from madoguchi.app.domain.protection import (
    extension_opens_on,
    extension_period,
    period_alerts,
    support_period_end,
)
from madoguchi.app.domain.variants import name_key
from madoguchi.app.domain.wareki import format_date_jp
from madoguchi.storage.audit import append_audit
from madoguchi.storage.models import (
    IssuanceHold,
    Person,
    ProtectedPerson,
    ProtectionMeasure,
    ProtectionPerpetrator,
)
from madoguchi.storage.outbox import enqueue_op
from madoguchi.storage.store import LocalStore
from madoguchi.storage.sync.envelope import measure_image, row_image

__all__ = [
    "RESTRICTED_SERVICES",
    "HoldInput",
    "HoldView",
    "MeasureInput",
    "MeasureView",
    "PerpetratorInput",
    "ProtectionRefused",
    "ProtectionService",
    "protected_atena_nos",
]

RESTRICTED_SERVICES = {
    "copy": "住民票の写し等の交付",
    "inspection": "住民基本台帳の一部の写しの閲覧",
    "koseki_fuhyo": "戸籍の附票の写しの交付",
}
"""The work a measure stops (j160: 支援を求められている事務)."""


class ProtectionRefused(ValueError):
    """A protection change the rules do not allow; the message says why and what to do."""


@dataclass(frozen=True)
class PerpetratorInput:
    """The 加害者: a resident (``atena_no``) or a name with birth date (ISO) and notes."""

    name: str
    atena_no: str | None = None
    birth_date: str | None = None
    sex: str | None = None
    address: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class MeasureInput:
    """A new 支援措置 as the 申出書 states it (j160)."""

    applicant_atena_no: str
    starts_on: dt.date
    perpetrators: tuple[PerpetratorInput, ...]
    accompanying: tuple[tuple[str, str], ...] = ()  # (宛名番号, 申出者との関係)
    ends_on: dt.date | None = None  # None: one year from the start (j440)
    provisional: bool = False
    restricted: tuple[str, ...] = ("copy", "inspection", "koseki_fuhyo")
    contact: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class HoldInput:
    """A 発行抑止 on a person or a whole household (j410)."""

    reason: str
    starts_on: dt.date
    atena_no: str | None = None
    household_no: str | None = None
    ends_on: dt.date | None = None
    level: str = "error"  # error | alert


@dataclass(frozen=True)
class MeasureView:
    """A measure as the 支援措置責任者 reads it, with its period alerts."""

    measure_id: str
    provisional: bool
    starts_on: dt.date
    ends_on: dt.date
    extensions: int
    protected: tuple[tuple[str, str, str], ...]  # (宛名番号, 氏名, 申出者/併せて)
    perpetrators: tuple[str, ...]
    restricted: tuple[str, ...]
    ended_on: dt.date | None
    alerts: tuple[str, ...] = field(default=())

    @property
    def can_extend_from(self) -> dt.date:
        """The first day the measure may be extended (one month before its end)."""
        return extension_opens_on(self.ends_on)


@dataclass(frozen=True)
class HoldView:
    """A 発行抑止 in force, as the 支援措置責任者 lists it to lift it."""

    hold_id: str
    atena_no: str | None
    household_no: str | None
    level: str
    starts_on: dt.date
    ends_on: dt.date | None
    reason: str
    set_by: str


def protected_atena_nos(session: Session) -> set[str]:
    """Everyone under a 支援措置 that has not been ended (the auditor's flag, R-AUDIT-3)."""
    return set(
        session.scalars(
            select(ProtectedPerson.atena_no)
            .join(ProtectionMeasure, ProtectionMeasure.measure_id == ProtectedPerson.measure_id)
            .where(ProtectionMeasure.ended_on.is_(None))
        )
    )


def _name(session: Session, atena_no: str) -> str:
    person = session.get(Person, atena_no)
    return f"{person.family_name}　{person.given_name}" if person is not None else ""


class ProtectionService:
    """Registers, extends and ends 支援措置; sets and lifts 発行抑止."""

    def __init__(self, store: LocalStore) -> None:
        self._store = store

    def register_measure(self, ctx: ServiceContext, measure: MeasureInput) -> str:
        """Record a 支援措置 (or 仮支援措置); its id. The end defaults to a year on."""
        ctx.actor.require(Action.MANAGE_PROTECTION)
        if not measure.perpetrators or not all(p.name.strip() for p in measure.perpetrators):
            raise ProtectionRefused("加害者の氏名を入力してください（宛名番号が分かれば併せて）。")
        ends_on = measure.ends_on or support_period_end(measure.starts_on)
        if ends_on < measure.starts_on:
            raise ProtectionRefused("支援措置の終了年月日が開始年月日より前になっています。")
        unknown = [r for r in measure.restricted if r not in RESTRICTED_SERVICES]
        if unknown:
            raise ProtectionRefused(f"抑止する事務の指定が正しくありません: {', '.join(unknown)}")
        with self._store.transaction() as session:
            persons = [(measure.applicant_atena_no, "applicant", None)] + [
                (atena_no, "accompanying", relation) for atena_no, relation in measure.accompanying
            ]
            for atena_no, _role, _relation in persons:
                if session.get(Person, atena_no) is None:
                    raise ProtectionRefused(f"宛名番号 {atena_no} の住民は見つかりません。")
            row = ProtectionMeasure(
                measure_id=str(uuid.uuid4()),
                provisional=measure.provisional,
                starts_on=measure.starts_on,
                ends_on=ends_on,
                extensions=0,
                restricted=list(measure.restricted),
                contact=measure.contact,
                note=measure.note,
                registered_by=ctx.actor.staff_no,
                registered_at=ctx.now(),
            )
            session.add(row)
            session.flush()
            for atena_no, role, relation in persons:
                session.add(
                    ProtectedPerson(
                        measure_id=row.measure_id,
                        atena_no=atena_no,
                        role=role,
                        relation_to_applicant=relation,
                    )
                )
            for p in measure.perpetrators:
                session.add(
                    ProtectionPerpetrator(
                        measure_id=row.measure_id,
                        atena_no=p.atena_no,
                        name=p.name.strip(),
                        name_key=name_key(p.name),
                        birth_date=p.birth_date,
                        sex=p.sex,
                        address=p.address,
                        note=p.note,
                    )
                )
            session.flush()
            self._op(
                session,
                ctx,
                "register_measure",
                {"measure_id": row.measure_id, "measure": measure_image(session, row.measure_id)},
            )
            self._audit(
                session,
                ctx,
                "protection_measure",
                [a for a, _r, _x in persons],
                {"measure_id": row.measure_id, "ends_on": ends_on.isoformat()},
            )
            return row.measure_id

    def extend(self, ctx: ServiceContext, measure_id: str) -> dt.date:
        """Extend by one year from the day after the end; only from one month before it."""
        ctx.actor.require(Action.MANAGE_PROTECTION)
        with self._store.transaction() as session:
            row = self._measure(session, measure_id)
            opens = extension_opens_on(row.ends_on)
            if ctx.today() < opens:
                raise ProtectionRefused(
                    f"延長の処理は終了年月日の1か月前（{format_date_jp(opens)}）からできます。"
                )
            base = row.row_version
            _start, row.ends_on = extension_period(row.ends_on)
            row.extensions += 1
            row.row_version += 1
            self._measure_op(session, ctx, "extend_measure", row, base)
            self._audit(
                session,
                ctx,
                "protection_extend",
                self._persons(session, measure_id),
                {"measure_id": measure_id, "ends_on": row.ends_on.isoformat()},
            )
            return row.ends_on

    def end_measure(self, ctx: ServiceContext, measure_id: str, reason: str) -> None:
        """End a measure (申出による終了, 期間満了で延長なし…) with the reason."""
        ctx.actor.require(Action.MANAGE_PROTECTION)
        if len(reason.strip()) < 2:
            raise ProtectionRefused("支援措置を終了する理由を入力してください。")
        with self._store.transaction() as session:
            row = self._measure(session, measure_id)
            base = row.row_version
            row.ended_on, row.ended_by, row.end_reason = ctx.today(), ctx.actor.staff_no, reason
            row.row_version += 1
            self._measure_op(session, ctx, "end_measure", row, base)
            self._audit(
                session,
                ctx,
                "protection_end",
                self._persons(session, measure_id),
                {"measure_id": measure_id},
                purpose=reason,
            )

    def measures(self, ctx: ServiceContext, *, include_ended: bool = False) -> list[MeasureView]:
        """The measures with their persons, 加害者 and alerts; the reading is audited."""
        ctx.actor.require(Action.MANAGE_PROTECTION)
        statement = select(ProtectionMeasure).order_by(ProtectionMeasure.starts_on)
        if not include_ended:
            statement = statement.where(ProtectionMeasure.ended_on.is_(None))
        with self._store.transaction() as session:
            views = [self._view(session, row, ctx.today()) for row in session.scalars(statement)]
            targets = sorted({a for view in views for a, _n, _r in view.protected})
            self._audit(session, ctx, "protection_view", targets, {"count": len(views)})
            return views

    def set_hold(self, ctx: ServiceContext, hold: HoldInput) -> str:
        """Set a 発行抑止 on a person or a household; its id."""
        ctx.actor.require(Action.MANAGE_PROTECTION)
        if (hold.atena_no is None) == (hold.household_no is None):
            raise ProtectionRefused(
                "発行抑止は個人（宛名番号）か世帯（世帯番号）の一方に設定します。"
            )
        if hold.level not in ("error", "alert"):
            raise ProtectionRefused("抑止レベルは「エラー」か「アラート」を指定してください。")
        if len(hold.reason.strip()) < 2:
            raise ProtectionRefused("発行抑止の理由を入力してください。")
        with self._store.transaction() as session:
            row = IssuanceHold(
                hold_id=str(uuid.uuid4()),
                atena_no=hold.atena_no,
                household_no=hold.household_no,
                level=hold.level,
                starts_on=hold.starts_on,
                ends_on=hold.ends_on,
                reason=hold.reason.strip(),
                set_by=ctx.actor.staff_no,
                set_at=ctx.now(),
            )
            session.add(row)
            session.flush()
            self._op(session, ctx, "set_hold", {"hold_id": row.hold_id, "hold": row_image(row)})
            detail = {
                "hold_id": row.hold_id,
                "household_no": hold.household_no,
                "level": hold.level,
            }
            targets = [hold.atena_no] if hold.atena_no else []
            self._audit(session, ctx, "issuance_hold", targets, detail, purpose=row.reason)
            return row.hold_id

    def holds(self, ctx: ServiceContext) -> list[HoldView]:
        """The 発行抑止 not lifted, oldest first; the reading is audited."""
        ctx.actor.require(Action.MANAGE_PROTECTION)
        with self._store.transaction() as session:
            rows = session.scalars(
                select(IssuanceHold)
                .where(IssuanceHold.lifted_on.is_(None))
                .order_by(IssuanceHold.set_at)
            ).all()
            views = [
                HoldView(
                    r.hold_id,
                    r.atena_no,
                    r.household_no,
                    r.level,
                    r.starts_on,
                    r.ends_on,
                    r.reason,
                    r.set_by,
                )
                for r in rows
            ]
            targets = sorted({v.atena_no for v in views if v.atena_no})
            self._audit(session, ctx, "issuance_hold_view", targets, {"count": len(views)})
            return views

    def lift_hold(self, ctx: ServiceContext, hold_id: str, reason: str) -> None:
        """Lift a 発行抑止 (its end date alone never lifts it, j410)."""
        ctx.actor.require(Action.MANAGE_PROTECTION)
        with self._store.transaction() as session:
            row = session.get(IssuanceHold, hold_id)
            if row is None or row.lifted_on is not None:
                raise ProtectionRefused(
                    "指定された発行抑止は見つからないか、すでに解除されています。"
                )
            base = row.row_version
            row.lifted_on, row.lifted_by, row.lift_reason = ctx.today(), ctx.actor.staff_no, reason
            row.row_version += 1
            session.flush()
            self._op(
                session,
                ctx,
                "lift_hold",
                {"hold_id": hold_id, "base_version": base, "hold": row_image(row)},
            )
            targets = [row.atena_no] if row.atena_no else []
            self._audit(session, ctx, "issuance_hold_lift", targets, {"hold_id": hold_id}, reason)

    def protected_among(self, ctx: ServiceContext, atena_nos: Sequence[str]) -> frozenset[str]:
        """Which of ``atena_nos`` (rows a screen already shows) are under a measure in force."""
        ctx.actor.require(Action.VIEW_PERSON)
        if not atena_nos:
            return frozenset()
        with self._store.transaction() as session:
            return frozenset(
                session.scalars(
                    select(ProtectedPerson.atena_no)
                    .join(
                        ProtectionMeasure,
                        ProtectionMeasure.measure_id == ProtectedPerson.measure_id,
                    )
                    .where(
                        ProtectedPerson.atena_no.in_(list(atena_nos)),
                        ProtectionMeasure.ended_on.is_(None),
                    )
                )
            )

    def person_alerts(self, ctx: ServiceContext, atena_no: str) -> tuple[str, ...]:
        """What a screen showing ``atena_no`` must say (j380, j440): under a measure, ending…"""
        ctx.actor.require(Action.VIEW_PERSON)
        with self._store.transaction() as session:
            rows = session.scalars(
                select(ProtectionMeasure)
                .join(ProtectedPerson, ProtectedPerson.measure_id == ProtectionMeasure.measure_id)
                .where(ProtectedPerson.atena_no == atena_no, ProtectionMeasure.ended_on.is_(None))
            ).all()
            alerts: list[str] = []
            for row in rows:
                kind = "仮支援措置" if row.provisional else "支援措置"
                alerts.append(f"{kind}の対象者です（{format_date_jp(row.ends_on)}まで）。")
                alerts.extend(period_alerts(row.ends_on, ctx.today()))
            return tuple(dict.fromkeys(alerts))

    # ------------------------------------------------------------------ helpers
    @staticmethod
    def _measure(session: Session, measure_id: str) -> ProtectionMeasure:
        row = session.get(ProtectionMeasure, measure_id)
        if row is None or row.ended_on is not None:
            raise ProtectionRefused("指定された支援措置は見つからないか、すでに終了しています。")
        return row

    @staticmethod
    def _persons(session: Session, measure_id: str) -> list[str]:
        return list(
            session.scalars(
                select(ProtectedPerson.atena_no).where(ProtectedPerson.measure_id == measure_id)
            )
        )

    @staticmethod
    def _view(session: Session, row: ProtectionMeasure, today: dt.date) -> MeasureView:
        persons = session.scalars(
            select(ProtectedPerson).where(ProtectedPerson.measure_id == row.measure_id)
        ).all()
        perpetrators = session.scalars(
            select(ProtectionPerpetrator).where(ProtectionPerpetrator.measure_id == row.measure_id)
        ).all()
        return MeasureView(
            measure_id=row.measure_id,
            provisional=row.provisional,
            starts_on=row.starts_on,
            ends_on=row.ends_on,
            extensions=row.extensions,
            protected=tuple(
                (
                    p.atena_no,
                    _name(session, p.atena_no),
                    "申出者" if p.role == "applicant" else "併せて",
                )
                for p in persons
            ),
            perpetrators=tuple(
                p.name + (f"（{p.birth_date}）" if p.birth_date else "") for p in perpetrators
            ),
            restricted=tuple(RESTRICTED_SERVICES.get(r, r) for r in row.restricted),
            ended_on=row.ended_on,
            alerts=period_alerts(row.ends_on, today) if row.ended_on is None else (),
        )

    @staticmethod
    def _op(session: Session, ctx: ServiceContext, op_type: str, payload: dict[str, Any]) -> None:
        enqueue_op(
            session,
            op_type=op_type,
            payload=payload,
            created_at=ctx.now(),
            terminal_id=ctx.terminal_id,
            staff_no=ctx.actor.staff_no,
        )

    @classmethod
    def _measure_op(
        cls,
        session: Session,
        ctx: ServiceContext,
        op_type: str,
        row: ProtectionMeasure,
        base: int,
    ) -> None:
        """Queue an extension or an end: the measure after it and the version it was made from."""
        session.flush()
        payload = {
            "measure_id": row.measure_id,
            "base_version": base,
            "measure": measure_image(session, row.measure_id),
        }
        cls._op(session, ctx, op_type, payload)

    @staticmethod
    def _audit(
        session: Session,
        ctx: ServiceContext,
        action: str,
        targets: list[str],
        detail: Mapping[str, Any],
        purpose: str | None = None,
    ) -> None:
        append_audit(
            session,
            at=ctx.now(),
            terminal_id=ctx.terminal_id,
            staff_no=ctx.actor.staff_no,
            action=action,
            target_persons=targets,
            detail=dict(detail),
            purpose=purpose,
        )
