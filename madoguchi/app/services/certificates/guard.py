"""支援措置 and 発行抑止 at the counter (R-CERT-4, standard/j410, j440).

Before anything of a certificate is shown: a request by a 加害者 named in a measure that
protects anyone of the household is refused outright, and a protected person or an error-level
発行抑止 on the certificate blocks it until a 支援措置責任者 has released this one request.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from madoguchi.app.domain.certificates import CertificateRefused
from madoguchi.app.domain.protection import Perpetrator, is_perpetrator, period_alerts
from madoguchi.app.services.certificates.request import CertificateRequest
from madoguchi.app.services.certificates.subjects import Subjects
from madoguchi.storage.models import (
    IssuanceHold,
    Person,
    ProtectedPerson,
    ProtectionMeasure,
    ProtectionPerpetrator,
    ProtectionRelease,
)

__all__ = [
    "IssuanceBlocked",
    "PerpetratorRefused",
    "Screening",
    "check_release",
    "in_force_measures",
    "screen",
]


class PerpetratorRefused(CertificateRefused):
    """The requester (or the agent's principal) is the 加害者 of a measure: always refused."""


class IssuanceBlocked(CertificateRefused):
    """A 支援措置 or 発行抑止 blocks the request until a 支援措置責任者 releases it."""

    def __init__(self, message: str, atena_nos: tuple[str, ...]) -> None:
        super().__init__(message)
        self.atena_nos = atena_nos


@dataclass(frozen=True)
class Screening:
    """What the guard found: who blocks issuance, and the alerts to show."""

    blocking: tuple[str, ...]
    reasons: tuple[str, ...]
    alerts: tuple[str, ...]


def in_force_measures(
    session: Session, atena_nos: Iterable[str], today: dt.date
) -> list[tuple[ProtectedPerson, ProtectionMeasure]]:
    """The measures in force that protect any of ``atena_nos`` (started, not ended)."""
    wanted = list(atena_nos)
    if not wanted:
        return []
    rows = session.execute(
        select(ProtectedPerson, ProtectionMeasure)
        .join(ProtectionMeasure, ProtectionMeasure.measure_id == ProtectedPerson.measure_id)
        .where(
            ProtectedPerson.atena_no.in_(wanted),
            ProtectionMeasure.ended_on.is_(None),
            ProtectionMeasure.starts_on <= today,
        )
    ).all()
    return [(person, measure) for person, measure in rows]


def _check_perpetrator(
    session: Session, request: CertificateRequest, household: list[str], today: dt.date
) -> None:
    measure_ids = {m.measure_id for _p, m in in_force_measures(session, household, today)}
    if not measure_ids:
        return
    requester = request.requester
    candidates = [(requester.atena_no, requester.name, requester.birth_date)]
    if requester.principal_atena_no or requester.principal_name:
        principal = (
            session.get(Person, requester.principal_atena_no)
            if requester.principal_atena_no
            else None
        )
        candidates.append(
            (
                requester.principal_atena_no,
                requester.principal_name
                or (f"{principal.family_name}　{principal.given_name}" if principal else ""),
                principal.birth_date if principal else None,
            )
        )
    for row in session.scalars(
        select(ProtectionPerpetrator).where(ProtectionPerpetrator.measure_id.in_(measure_ids))
    ):
        named = Perpetrator(row.name, row.atena_no, row.birth_date)
        for atena_no, name, birth in candidates:
            if is_perpetrator(named, atena_no=atena_no, name=name, birth_date=birth):
                raise PerpetratorRefused(
                    "この請求は支援措置により交付できません。請求者が支援措置の加害者として"
                    "登録されています（解除の対象になりません）。支援措置責任者に報告してください。"
                )


def screen(
    session: Session, request: CertificateRequest, subjects: Subjects, today: dt.date
) -> Screening:
    """Refuse a 加害者 outright; list who blocks issuance and the alerts (nothing raised)."""
    household = [
        p.atena_no
        for p in session.scalars(
            select(Person).where(Person.household_no == subjects.household.household_no)
        )
    ]
    _check_perpetrator(session, request, sorted(set(household) | set(subjects.atena_nos)), today)
    blocking: dict[str, None] = {}
    reasons: list[str] = []
    alerts: list[str] = []
    for person, measure in in_force_measures(session, subjects.atena_nos, today):
        blocking[person.atena_no] = None
        kind = "仮支援措置" if measure.provisional else "支援措置"
        reasons.append(f"{kind}の対象者が含まれています")
        alerts.extend(period_alerts(measure.ends_on, today))
    holds = session.scalars(
        select(IssuanceHold).where(
            or_(
                IssuanceHold.atena_no.in_(subjects.atena_nos),
                IssuanceHold.household_no == subjects.household.household_no,
            ),
            IssuanceHold.lifted_on.is_(None),
            IssuanceHold.starts_on <= today,
        )
    )
    for hold in holds:
        if hold.level == "error":
            for atena_no in [hold.atena_no] if hold.atena_no else subjects.atena_nos:
                blocking[atena_no] = None
            reasons.append("発行抑止が設定されています")
        else:
            alerts.append(f"発行抑止（注意）: {hold.reason}")
    return Screening(tuple(blocking), tuple(dict.fromkeys(reasons)), tuple(dict.fromkeys(alerts)))


def check_release(
    session: Session,
    request: CertificateRequest,
    screening: Screening,
    release_id: str | None,
    now: dt.datetime,
) -> ProtectionRelease | None:
    """The release that lets this blocked request through, or IssuanceBlocked."""
    if not screening.blocking:
        return None
    reasons = "、".join(screening.reasons)
    message = (
        f"{reasons}。このままでは交付できません。支援措置責任者に審査（一時解除）を依頼し、"
        "解除されてから交付してください。"
    )
    if release_id is None:
        raise IssuanceBlocked(message, screening.blocking)
    release = session.get(ProtectionRelease, release_id)
    if release is None or release.request_digest != request.digest():
        raise IssuanceBlocked(
            "指定された一時解除はこの請求のものではありません。請求内容を変えた場合は、"
            "あらためて審査を依頼してください。",
            screening.blocking,
        )
    if release.status == "pending":
        raise IssuanceBlocked("支援措置責任者の審査がまだ終わっていません。", screening.blocking)
    if release.status == "refused":
        raise IssuanceBlocked(
            f"支援措置責任者が交付を認めませんでした（{release.decision_reason or ''}）。",
            screening.blocking,
        )
    if release.status == "used":
        raise IssuanceBlocked(
            "この一時解除はすでに使われています（一時解除は1回の交付に限ります）。",
            screening.blocking,
        )
    if release.valid_until is None or now > release.valid_until:
        raise IssuanceBlocked(
            "一時解除の有効時間が過ぎたため、抑止状態に戻りました。あらためて審査を依頼してください。",
            screening.blocking,
        )
    return release
