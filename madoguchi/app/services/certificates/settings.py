"""Certificate settings: 認証者 by date (standard/j310), fees per kind (R-CERT-7), printer.

Kept in the store's facts under ``certificate_settings`` as JSON, so the centre can change
them with the rest of the reference data; missing parts take the defaults here. The 認証者
table holds the 市区町村長 and any 職務代理者 with the period each signs: on a day inside a
職務代理者 period the deputy signs, otherwise the 市区町村長 whose period covers the day.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from madoguchi.app.domain.certificates import CertificateKind, CertificateRefused
from madoguchi.storage.models import StoreMeta

__all__ = [
    "SETTINGS_KEY",
    "CertificateSettings",
    "Certifier",
    "load_settings",
    "save_settings",
]

SETTINGS_KEY = "certificate_settings"


@dataclass(frozen=True)
class Certifier:
    """One line of the 認証者 table (j310): title with the prefecture (j1050), name, period."""

    title: str  # e.g. "架空県みどり市長" or "架空県みどり市長職務代理者　副市長"
    name: str
    valid_from: dt.date
    valid_until: dt.date | None = None
    acting: bool = False  # 職務代理者

    def covers(self, day: dt.date) -> bool:
        """Whether this 認証者 signs on ``day`` as far as the period goes."""
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)

    @property
    def signature(self) -> str:
        """Title and name as printed."""
        return f"{self.title}　{self.name}"


@dataclass(frozen=True)
class CertificateSettings:
    """What a municipality configures for its certificates."""

    certifiers: tuple[Certifier, ...] = ()
    fees: Mapping[CertificateKind, int] = field(default_factory=dict)
    printer_id: str = "PRN01"
    release_minutes: int = 30
    furigana: bool = True
    seal_text: str = ""

    def certifier_on(self, day: dt.date) -> Certifier:
        """Who signs on ``day``: a 職務代理者 in their period, else the 市区町村長.

        Raises CertificateRefused when nobody is set for the day: a certificate is never
        signed with a blank name (j310).
        """
        covering = [c for c in self.certifiers if c.covers(day)]
        for wanted in (True, False):
            chosen = [c for c in covering if c.acting is wanted]
            if chosen:
                return max(chosen, key=lambda c: c.valid_from)
        raise CertificateRefused(
            "この日付の認証者（市区町村長または職務代理者）が設定されていません。"
            "システム管理者に認証者の設定を依頼してください。"
        )

    def to_json(self) -> dict[str, Any]:
        """The settings as JSON (dates as ISO text)."""
        return {
            "certifiers": [
                {
                    "title": c.title,
                    "name": c.name,
                    "valid_from": c.valid_from.isoformat(),
                    "valid_until": c.valid_until.isoformat() if c.valid_until else None,
                    "acting": c.acting,
                }
                for c in self.certifiers
            ],
            "fees": {kind.value: fee for kind, fee in self.fees.items()},
            "printer_id": self.printer_id,
            "release_minutes": self.release_minutes,
            "furigana": self.furigana,
            "seal_text": self.seal_text,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CertificateSettings:
        """Read back :meth:`to_json`; missing keys take the defaults."""
        default = cls()
        certifiers = tuple(
            Certifier(
                title=c["title"],
                name=c["name"],
                valid_from=dt.date.fromisoformat(c["valid_from"]),
                valid_until=dt.date.fromisoformat(c["valid_until"])
                if c.get("valid_until")
                else None,
                acting=bool(c.get("acting")),
            )
            for c in data.get("certifiers", [])
        )
        fees = {CertificateKind(kind): int(fee) for kind, fee in data.get("fees", {}).items()}
        return cls(
            certifiers=certifiers,
            fees=fees,
            printer_id=str(data.get("printer_id", default.printer_id)),
            release_minutes=int(data.get("release_minutes", default.release_minutes)),
            furigana=bool(data.get("furigana", default.furigana)),
            seal_text=str(data.get("seal_text", default.seal_text)),
        )


def load_settings(session: Session) -> CertificateSettings:
    """The settings in the store's facts, or the defaults."""
    row = session.get(StoreMeta, SETTINGS_KEY)
    if row is None:
        return CertificateSettings()
    return CertificateSettings.from_json(json.loads(row.value))


def save_settings(session: Session, settings: CertificateSettings) -> None:
    """Write ``settings`` into the store's facts (reference data, not personal data)."""
    value = json.dumps(settings.to_json(), ensure_ascii=False, sort_keys=True)
    row = session.get(StoreMeta, SETTINGS_KEY)
    if row is None:
        session.add(StoreMeta(key=SETTINGS_KEY, value=value))
    else:
        row.value = value
