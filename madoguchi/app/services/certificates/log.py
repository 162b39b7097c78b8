"""交付履歴 (R-CERT-6, standard/j300): one row per issuance, its copies, audit and outbox op.

Written in the issuing transaction: the issuance, each copy's 発行番号, the audit entry
("issue_certificate", with whether the 個人番号 was printed) and the outbox op that carries
the log to the centre, so after a crash either all exist or none (R-CERT-8: the log syncs
later when the centre is unreachable).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from madoguchi.app.context import ServiceContext
from madoguchi.app.domain.certificates import (
    CertificateRefused,
    Decision,
    Delivery,
    OptionalItem,
)
from madoguchi.app.services.certificates.request import CertificateRequest
from madoguchi.storage.audit import append_audit
from madoguchi.storage.models import CertificateCopy, CertificateIssue
from madoguchi.storage.outbox import enqueue_op
from madoguchi.storage.store import LocalStore

__all__ = [
    "IssueRecord",
    "IssuedCopy",
    "record_disposal",
    "record_issue",
    "record_of",
    "refusals_audited",
]


@dataclass(frozen=True)
class IssuedCopy:
    """One copy as issued: its 発行番号, the persons on it and its page count."""

    issue_no: str
    atena_nos: tuple[str, ...]
    pages: int


@dataclass(frozen=True)
class IssueRecord:
    """One line of the 交付履歴, every item of R-CERT-6 and j300."""

    issue_id: str
    issued_at: dt.datetime
    office: str
    terminal_id: str
    staff_no: str
    requester_kind: str
    requester_name: str
    kind: str
    target_persons: tuple[str, ...]
    items: tuple[str, ...]
    individual_number_printed: bool
    resident_code_printed: bool
    copies: int
    pages: int
    issue_numbers: tuple[str, ...]
    fee: int
    official: bool
    delivery: str
    reprint_of: str | None
    data_as_of: str
    disposed: bool
    offline: bool = False


def record_of(row: CertificateIssue) -> IssueRecord:
    """The log row as a plain record."""
    return IssueRecord(
        issue_id=row.issue_id,
        issued_at=row.issued_at,
        office=row.office,
        terminal_id=row.terminal_id,
        staff_no=row.staff_no,
        requester_kind=row.requester_kind,
        requester_name=row.requester_name,
        kind=row.kind,
        target_persons=tuple(row.target_persons),
        items=tuple(row.items),
        individual_number_printed=row.individual_number_printed,
        resident_code_printed=row.resident_code_printed,
        copies=row.copies,
        pages=row.pages,
        issue_numbers=tuple(row.issue_numbers),
        fee=row.fee,
        official=row.official,
        delivery=row.delivery,
        reprint_of=row.reprint_of,
        data_as_of=row.data_as_of,
        disposed=row.disposed_at is not None,
        offline=bool(row.offline),
    )


def record_issue(
    session: Session,
    ctx: ServiceContext,
    *,
    office: str,
    request: CertificateRequest,
    decision: Decision,
    target_persons: Sequence[str],
    copies: Sequence[IssuedCopy],
    fee: int,
    data_as_of: str,
    release_id: str | None,
    reprint_of: str | None,
    offline: bool = False,
) -> CertificateIssue:
    """Write the issuance, its copies, the audit entry and the outbox op.

    ``offline``: issued while the centre was unreachable, from the replica as of
    ``data_as_of``; the log row and the op (hence the centre's ``op_journal``) say so.
    """
    now = ctx.now()
    items = [item.value for item in decision.printed_items]
    numbers = [copy.issue_no for copy in copies]
    row = CertificateIssue(
        issue_id=str(uuid.uuid4()),
        issued_at=now,
        office=office,
        terminal_id=ctx.terminal_id,
        staff_no=ctx.actor.staff_no,
        requester_kind=request.requester.kind.value,
        requester_name=request.requester.name,
        reason=request.requester.reason or None,
        kind=request.kind.value,
        scope=request.scope.value,
        layout=request.layout.value,
        target_persons=list(target_persons),
        items=items,
        individual_number_printed=decision.printed(OptionalItem.INDIVIDUAL_NUMBER),
        resident_code_printed=decision.printed(OptionalItem.RESIDENT_CODE),
        copies=len(copies),
        pages=sum(copy.pages for copy in copies),
        issue_numbers=numbers,
        fee=fee,
        official=decision.official,
        delivery=decision.delivery.value,
        release_id=release_id,
        reprint_of=reprint_of,
        data_as_of=data_as_of,
        offline=offline,
        request=request.to_json(),
    )
    session.add(row)
    session.flush()
    for index, copy in enumerate(copies, start=1):
        session.add(
            CertificateCopy(
                issue_id=row.issue_id,
                issue_no=copy.issue_no,
                copy_index=index,
                atena_nos=list(copy.atena_nos),
                pages=copy.pages,
            )
        )
    detail: dict[str, Any] = {
        "issue_id": row.issue_id,
        "kind": row.kind,
        "requester_kind": row.requester_kind,
        "items": items,
        "individual_number_printed": row.individual_number_printed,
        "resident_code_printed": row.resident_code_printed,
        "copies": row.copies,
        "issue_numbers": numbers,
        "fee": fee,
        "official": row.official,
        "delivery": row.delivery,
        "reprint_of": reprint_of,
        "release_id": release_id,
    }
    append_audit(
        session,
        at=now,
        terminal_id=ctx.terminal_id,
        staff_no=ctx.actor.staff_no,
        action="issue_certificate",
        target_persons=list(target_persons),
        detail=detail,
        purpose=request.requester.reason or None,
    )
    payload = dict(detail)
    payload.update(
        issued_at=now.isoformat(),
        office=office,
        requester_name=row.requester_name,
        target_persons=list(target_persons),
        pages=row.pages,
        data_as_of=data_as_of,
        offline=offline,
        mailed=decision.delivery is Delivery.MAIL_TO_PRINCIPAL,
    )
    enqueue_op(
        session,
        op_type="issue_certificate",
        payload=payload,
        created_at=now,
        terminal_id=ctx.terminal_id,
        staff_no=ctx.actor.staff_no,
    )
    return row


def record_disposal(session: Session, ctx: ServiceContext, issue_id: str, reason: str) -> None:
    """Mark an issuance's copies as destroyed (処分情報, j300) and audit it; once only."""
    row = session.get(CertificateIssue, issue_id)
    if row is None:
        raise CertificateRefused("指定された交付履歴は見つかりません。")
    if row.disposed_at is not None:
        return
    row.disposed_at, row.disposed_by, row.disposal_reason = ctx.now(), ctx.actor.staff_no, reason
    append_audit(
        session,
        at=ctx.now(),
        terminal_id=ctx.terminal_id,
        staff_no=ctx.actor.staff_no,
        action="certificate_disposal",
        target_persons=list(row.target_persons),
        detail={"issue_id": issue_id, "issue_numbers": list(row.issue_numbers)},
        purpose=reason,
    )


@contextmanager
def refusals_audited(
    store: LocalStore, ctx: ServiceContext, request: CertificateRequest
) -> Iterator[None]:
    """Write a refusal of ``request`` to the audit log, in its own transaction, and re-raise.

    The refused work's own transaction rolls back; the refusal (who asked, what, why refused)
    must still be on record, a 加害者's request above all.
    """
    try:
        yield
    except CertificateRefused as error:
        with store.transaction() as session:
            append_audit(
                session,
                at=ctx.now(),
                terminal_id=ctx.terminal_id,
                staff_no=ctx.actor.staff_no,
                action="certificate_refused",
                target_persons=list(request.atena_nos),
                detail={
                    "kind": request.kind.value,
                    "requester_kind": request.requester.kind.value,
                    "refusal": type(error).__name__,
                    "reason": str(error),
                },
                purpose=request.requester.reason or None,
            )
        raise
