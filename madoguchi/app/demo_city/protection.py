"""支援措置, 発行抑止 and certificate settings of the demo city (deterministic).

So the demo shows a certificate blocked for a protected person, a 加害者 refused, the alert
of a measure ending within a month, a 仮支援措置 and a 発行抑止 — on households chosen by a
fixed rule from the generated city (the last ones by number, never the planted cases). The
認証者 table has a former mayor, the mayor and a week when the deputy mayor signs. All names
are invented.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from madoguchi.app.demo_city.towns import MUNICIPALITY, PREFECTURE
from madoguchi.app.domain.certificates import DEFAULT_FEE, CertificateKind
from madoguchi.app.domain.protection import support_period_end
from madoguchi.app.domain.relationship import HOUSEHOLDER
from madoguchi.app.domain.variants import name_key
from madoguchi.app.services.certificates.settings import (
    SETTINGS_KEY,
    CertificateSettings,
    Certifier,
    save_settings,
)
from madoguchi.storage.models import (
    IssuanceHold,
    Person,
    ProtectedPerson,
    ProtectionMeasure,
    ProtectionPerpetrator,
    StoreMeta,
)

__all__ = ["DEMO_OFFICER", "demo_certificate_settings", "install_protection"]

DEMO_OFFICER = "S0007"
"""The demo 支援措置責任者 who registered the demo measures."""

_NAMESPACE = uuid.UUID("6f1d0c52-3c0e-4b7a-9d0e-5a8c2f6b1e01")
CITY = PREFECTURE + MUNICIPALITY


def demo_certificate_settings(today: dt.date) -> CertificateSettings:
    """The demo 認証者 table (a deputy signs next week) and the default fees."""
    mayor = f"{CITY}長"
    return CertificateSettings(
        certifiers=(
            Certifier(mayor, "青葉　健二", dt.date(2015, 5, 1), dt.date(2023, 4, 30)),
            Certifier(mayor, "緑川　一郎", dt.date(2023, 5, 1)),
            Certifier(
                f"{mayor}職務代理者　副市長",
                "森山　花子",
                today + dt.timedelta(days=7),
                today + dt.timedelta(days=11),
                acting=True,
            ),
        ),
        fees={kind: DEFAULT_FEE for kind in CertificateKind},
    )


def _households(session: Session, size: int) -> list[str]:
    """Current households of ``size`` members with one 世帯主, last numbers first."""
    counts = (
        select(Person.household_no)
        .where(Person.status == "current")
        .group_by(Person.household_no)
        .having(func.count() == size)
        .having(func.sum(Person.relationship == HOUSEHOLDER) == 1)
        .order_by(Person.household_no.desc())
    )
    return list(session.scalars(counts))


def _members(session: Session, household_no: str) -> list[Person]:
    return list(
        session.scalars(
            select(Person)
            .where(Person.household_no == household_no, Person.status == "current")
            .order_by(Person.household_order, Person.atena_no)
        )
    )


def _measure(
    session: Session,
    key: str,
    protected: Sequence[Person],
    starts_on: dt.date,
    perpetrator: tuple[str, str | None, str | None],
    *,
    provisional: bool = False,
    today: dt.date,
) -> None:
    measure_id = str(uuid.uuid5(_NAMESPACE, key))
    session.add(
        ProtectionMeasure(
            measure_id=measure_id,
            provisional=provisional,
            starts_on=starts_on,
            ends_on=support_period_end(starts_on),
            extensions=0,
            restricted=["copy", "inspection", "koseki_fuhyo"],
            contact="デモ用（連絡先は登録していません）",
            note="デモ用の支援措置",
            registered_by=DEMO_OFFICER,
            registered_at=dt.datetime.combine(min(starts_on, today), dt.time(9, 30)),
        )
    )
    session.flush()
    for index, person in enumerate(protected):
        session.add(
            ProtectedPerson(
                measure_id=measure_id,
                atena_no=person.atena_no,
                role="applicant" if index == 0 else "accompanying",
                relation_to_applicant=None if index == 0 else person.relationship,
            )
        )
    name, atena_no, birth = perpetrator
    session.add(
        ProtectionPerpetrator(
            measure_id=measure_id,
            atena_no=atena_no,
            name=name,
            name_key=name_key(name),
            birth_date=birth,
            note="デモ用",
        )
    )


def install_protection(session: Session, today: dt.date) -> int:
    """Add the demo measures, holds and certificate settings (once); measures added."""
    if session.get(StoreMeta, SETTINGS_KEY) is None:
        save_settings(session, demo_certificate_settings(today))
    if session.scalar(select(func.count()).select_from(ProtectionMeasure)):
        return 0
    families = _households(session, 3)
    singles = _households(session, 1)
    couples = _households(session, 2)
    if len(families) < 2 or len(singles) < 3 or len(couples) < 2:
        return 0  # a city too small for the demo cases
    added = 0
    # A parent and children, protected from a 加害者 who is not a resident (name + birth date).
    family = _members(session, families[0])
    _measure(
        session,
        "measure-1",
        family,
        today - dt.timedelta(days=200),
        ("山根　剛志", None, "1979-05-05"),
        today=today,
    )
    added += 1
    # A single resident whose measure ends within a month; the 加害者 is another resident.
    protected, perpetrator = _members(session, singles[0])[0], _members(session, singles[1])[0]
    named = (f"{perpetrator.family_name}　{perpetrator.given_name}", perpetrator.atena_no, None)
    ends = today + dt.timedelta(days=20)
    start = dt.date(ends.year - 1, ends.month, min(ends.day, 28)) + dt.timedelta(days=1)
    _measure(session, "measure-2", [protected], start, named, today=today)
    added += 1
    # A 仮支援措置 opened a few days ago while the need is being checked.
    provisional = _members(session, couples[0])
    _measure(
        session,
        "measure-3",
        provisional[:1],
        today - dt.timedelta(days=4),
        ("川端　誠", None, None),
        provisional=True,
        today=today,
    )
    added += 1
    held = _members(session, singles[2])[0]
    household = _members(session, couples[1])[0].household_no
    for key, atena_no, household_no, level, reason in (
        ("hold-1", held.atena_no, None, "error", "成年後見に関する確認中のため発行を抑止"),
        ("hold-2", None, household, "alert", "世帯の住所確認中（発行時に注意）"),
    ):
        session.add(
            IssuanceHold(
                hold_id=str(uuid.uuid5(_NAMESPACE, key)),
                atena_no=atena_no,
                household_no=household_no,
                level=level,
                starts_on=today - dt.timedelta(days=30),
                reason=reason,
                set_by=DEMO_OFFICER,
                set_at=dt.datetime.combine(today - dt.timedelta(days=30), dt.time(10, 0)),
            )
        )
    return added
