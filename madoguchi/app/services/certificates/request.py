"""A certificate request as the counter takes it: what, for whom, by whom (R-CERT-1…3).

Plain data. It is kept with the issuance (for a reprint) and with a 支援措置 release, whose
``digest`` ties the release to exactly this request.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from madoguchi.app.domain.certificates import (
    DEFAULT_ITEMS,
    CertificateKind,
    Layout,
    OptionalItem,
    RequesterKind,
    Scope,
)

__all__ = ["CertificateRequest", "Requester"]


@dataclass(frozen=True)
class Requester:
    """Who stands at the counter (R-INTAKE-4) and on what footing (住基法 §12…§12-3).

    ``atena_no`` when the requester is a resident (本人, 同一世帯員); ``birth_date`` (ISO)
    helps recognise a 加害者 who is not; an agent names the principal (委任者) and shows a
    委任状. ``documents`` are the identity documents seen (codes of the reference table).
    ``reason`` is the 請求事由 of a third party or the legal basis of a 公用 request.
    """

    kind: RequesterKind
    name: str
    atena_no: str | None = None
    birth_date: str | None = None
    principal_atena_no: str | None = None
    principal_name: str = ""
    power_of_attorney: bool = False
    documents: tuple[str, ...] = ()
    reason: str = ""


@dataclass(frozen=True)
class CertificateRequest:
    """One request: the kind, the persons, the items, the copies and the requester.

    With ``Scope.WHOLE_HOUSEHOLD`` one 宛名番号 of the household is enough; with
    ``Scope.SOME_MEMBERS`` the listed persons are the certificate's.
    """

    kind: CertificateKind
    atena_nos: tuple[str, ...]
    requester: Requester
    scope: Scope = Scope.WHOLE_HOUSEHOLD
    layout: Layout = Layout.HOUSEHOLD
    items: frozenset[OptionalItem] = field(default=DEFAULT_ITEMS)
    copies: int = 1

    def to_json(self) -> dict[str, Any]:
        """The request as JSON, items in a stable order."""
        requester = self.requester
        return {
            "kind": self.kind.value,
            "atena_nos": list(self.atena_nos),
            "scope": self.scope.value,
            "layout": self.layout.value,
            "items": [item.value for item in OptionalItem if item in self.items],
            "copies": self.copies,
            "requester": {
                "kind": requester.kind.value,
                "name": requester.name,
                "atena_no": requester.atena_no,
                "birth_date": requester.birth_date,
                "principal_atena_no": requester.principal_atena_no,
                "principal_name": requester.principal_name,
                "power_of_attorney": requester.power_of_attorney,
                "documents": list(requester.documents),
                "reason": requester.reason,
            },
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CertificateRequest:
        """Read back :meth:`to_json`."""
        r = data["requester"]
        return cls(
            kind=CertificateKind(data["kind"]),
            atena_nos=tuple(data["atena_nos"]),
            scope=Scope(data["scope"]),
            layout=Layout(data["layout"]),
            items=frozenset(OptionalItem(item) for item in data["items"]),
            copies=int(data["copies"]),
            requester=Requester(
                kind=RequesterKind(r["kind"]),
                name=r["name"],
                atena_no=r.get("atena_no"),
                birth_date=r.get("birth_date"),
                principal_atena_no=r.get("principal_atena_no"),
                principal_name=r.get("principal_name", ""),
                power_of_attorney=bool(r.get("power_of_attorney")),
                documents=tuple(r.get("documents", ())),
                reason=r.get("reason", ""),
            ),
        )

    def digest(self) -> str:
        """SHA-256 of the canonical JSON: a release is good for this exact request only."""
        body = json.dumps(self.to_json(), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(body.encode("utf-8")).hexdigest()
