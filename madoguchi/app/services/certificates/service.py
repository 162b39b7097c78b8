"""Certificate issuance (R-CERT-1…8): request → preview → issue → PDF, logged and audited.

The counter states a :class:`CertificateRequest`; :meth:`CertificateService.preview` judges
it (加害者, who may ask for what, 支援措置 and 発行抑止, 外字) and returns what would print,
numbers masked and the 発行番号 not yet drawn; :meth:`~CertificateService.issue` does the
same checks again in one transaction, draws the 発行番号, renders the PDF and writes the
交付履歴, its audit entry and outbox op. Only register rows are read, never a draft (R-CERT-8).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from madoguchi.app.context import ServiceContext
from madoguchi.app.domain.certificates import (
    DELIVERY_LABELS,
    CertificateRefused,
    Decision,
    Delivery,
    decide,
)
from madoguchi.app.domain.permissions import Action
from madoguchi.app.domain.wareki import format_date_jp
from madoguchi.app.services.certificates.copies import CopyFacts, copy_count, copy_texts
from madoguchi.app.services.certificates.guard import check_release, screen
from madoguchi.app.services.certificates.log import (
    IssuedCopy,
    IssueRecord,
    record_disposal,
    record_issue,
    record_of,
    refusals_audited,
)
from madoguchi.app.services.certificates.numbers import PREVIEW_NUMBER, allocate, issue_number
from madoguchi.app.services.certificates.request import CertificateRequest
from madoguchi.app.services.certificates.results import (
    CertificatePreview,
    IssuedCertificates,
    PrintBlocked,
    unprintable_in,
)
from madoguchi.app.services.certificates.settings import CertificateSettings, load_settings
from madoguchi.app.services.certificates.subjects import Subjects, load_subjects, request_facts
from madoguchi.app.services.documents.certificate_content import CertificateCopyText
from madoguchi.app.services.documents.certificate_pdf import render_certificates
from madoguchi.storage.audit import append_audit
from madoguchi.storage.models import (
    CertificateIssue,
    ChangeHistory,
    Person,
    ProtectionRelease,
    StoreMeta,
    Terminal,
)
from madoguchi.storage.outbox import enqueue_op
from madoguchi.storage.store import LocalStore
from madoguchi.storage.sync.envelope import row_image

__all__ = ["DATA_TIME_KEYS", "CertificateService", "render_preview"]

DATA_TIME_KEYS = ("last_sync_at", "data_as_of")
"""Store facts telling how fresh the local data are, the first present wins (R-CERT-8)."""


@dataclass(frozen=True)
class _Evaluation:
    subjects: Subjects
    decision: Decision
    settings: CertificateSettings
    release: ProtectionRelease | None
    alerts: tuple[str, ...]
    municipality: str
    office: str
    data_as_of: str
    data_note: str | None
    mail_to: str | None


def _seal_text(municipality: str) -> str:
    # 「架空県みどり市」 → 「みどり市長之印」: the seal names the municipality, not the prefecture.
    local = re.sub(r"^.+?[都道府県](?=.)", "", municipality)
    return f"{local}長之印"


def _as_of_text(value: str) -> str:
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return value
    text = format_date_jp(moment.date())
    return text if len(value) <= 10 else f"{text} {moment:%H:%M}"


def render_preview(preview: CertificatePreview) -> bytes:
    """The preview as a PDF marked 「見本」: the same layout as the issued paper."""
    return render_certificates(preview.copies).pdf


class CertificateService:
    """Judges, previews, issues and reprints certificates; keeps the 交付履歴.

    ``settings`` default to those in the store; ``centre_reachable`` tells whether the data
    are current with the centre (when not, each copy prints the time of its data).
    """

    def __init__(
        self,
        store: LocalStore,
        settings: CertificateSettings | None = None,
        *,
        centre_reachable: Callable[[], bool] | None = None,
    ) -> None:
        self._store = store
        self._settings = settings
        self._centre_reachable = centre_reachable or (lambda: False)

    # ------------------------------------------------------------------ public calls
    def preview(
        self, ctx: ServiceContext, request: CertificateRequest, *, release_id: str | None = None
    ) -> CertificatePreview:
        """Judge ``request`` and show what would print; the look is audited.

        Raises CertificateRefused (with the reason), PerpetratorRefused, or IssuanceBlocked
        when a 支援措置 or 発行抑止 needs a release first.
        """
        ctx.actor.require(Action.ISSUE_CERTIFICATE)
        with refusals_audited(self._store, ctx, request), self._store.transaction() as session:
            found = self._evaluate(session, ctx, request, release_id)
            copies = self._copies(session, ctx, request, found, specimen=True)
            append_audit(
                session,
                at=ctx.now(),
                terminal_id=ctx.terminal_id,
                staff_no=ctx.actor.staff_no,
                action="certificate_preview",
                target_persons=list(found.subjects.atena_nos),
                detail={"kind": request.kind.value, "requester_kind": request.requester.kind.value},
                purpose=request.requester.reason or None,
            )
            return CertificatePreview(
                request=request,
                decision=found.decision,
                copies=tuple(copies),
                persons=found.subjects.atena_nos,
                fee=found.decision.fee_per_copy * len(copies),
                delivery=found.decision.delivery,
                delivery_note=DELIVERY_LABELS[found.decision.delivery]
                + "："
                + found.decision.delivery_reason,
                mail_to=found.mail_to,
                alerts=found.alerts,
                unprintable=unprintable_in(copies),
                data_as_of=found.data_as_of,
            )

    def issue(
        self, ctx: ServiceContext, request: CertificateRequest, *, release_id: str | None = None
    ) -> IssuedCertificates:
        """Issue ``request``: checks, 発行番号, PDF, 交付履歴, audit and outbox in one go."""
        ctx.actor.require(Action.ISSUE_CERTIFICATE)
        with refusals_audited(self._store, ctx, request), self._store.transaction() as session:
            return self._issue(session, ctx, request, release_id, reprint_of=None)

    def reprint(
        self,
        ctx: ServiceContext,
        issue_id: str,
        *,
        reason: str,
        release_id: str | None = None,
    ) -> IssuedCertificates:
        """Print an issuance again with new 発行番号; the spoiled one is recorded as disposed.

        No second fee is charged. The request is judged again on today's register.
        """
        ctx.actor.require(Action.ISSUE_CERTIFICATE)
        if len(reason.strip()) < 2:
            raise CertificateRefused("再印刷の理由を入力してください（例: 用紙詰まり）。")
        with self._store.transaction() as session:
            original = session.get(CertificateIssue, issue_id)
            if original is None:
                raise CertificateRefused("指定された交付履歴は見つかりません。")
            request = CertificateRequest.from_json(original.request)
        with refusals_audited(self._store, ctx, request), self._store.transaction() as session:
            record_disposal(session, ctx, issue_id, f"再印刷のため処分: {reason.strip()}")
            return self._issue(session, ctx, request, release_id, reprint_of=issue_id)

    def dispose(self, ctx: ServiceContext, issue_id: str, reason: str) -> None:
        """Record that the copies of an issuance were destroyed (処分情報, j300), audited."""
        ctx.actor.require(Action.ISSUE_CERTIFICATE)
        if len(reason.strip()) < 2:
            raise CertificateRefused("処分の理由を入力してください（例: 記載誤りのため回収）。")
        with self._store.transaction() as session:
            record_disposal(session, ctx, issue_id, reason.strip())

    def request_release(self, ctx: ServiceContext, request: CertificateRequest, note: str) -> str:
        """Ask a 支援措置責任者 to review this blocked request; the id of the pending release."""
        ctx.actor.require(Action.ISSUE_CERTIFICATE)
        with refusals_audited(self._store, ctx, request), self._store.transaction() as session:
            subjects = load_subjects(session, request)
            screening = screen(session, request, subjects, ctx.today())
            if not screening.blocking:
                raise CertificateRefused(
                    "この請求には支援措置・発行抑止がかかっていないため、解除の依頼は不要です。"
                )
            release = ProtectionRelease(
                release_id=str(uuid.uuid4()),
                request_digest=request.digest(),
                request=request.to_json(),
                target_persons=list(subjects.atena_nos),
                requested_by=ctx.actor.staff_no,
                requested_at=ctx.now(),
                terminal_id=ctx.terminal_id,
                note=note.strip() or None,
                status="pending",
            )
            session.add(release)
            session.flush()
            enqueue_op(
                session,
                op_type="request_release",
                payload={"release_id": release.release_id, "release": row_image(release)},
                created_at=ctx.now(),
                terminal_id=ctx.terminal_id,
                staff_no=ctx.actor.staff_no,
            )
            append_audit(
                session,
                at=ctx.now(),
                terminal_id=ctx.terminal_id,
                staff_no=ctx.actor.staff_no,
                action="protection_release_request",
                target_persons=list(screening.blocking),
                detail={"release_id": release.release_id, "kind": request.kind.value},
                purpose=note.strip() or None,
            )
            return release.release_id

    def release_state(self, ctx: ServiceContext, release_id: str) -> tuple[str, str | None]:
        """(status, reason) of a release the counter asked for: pending/released/refused/used."""
        ctx.actor.require(Action.ISSUE_CERTIFICATE)
        with self._store.transaction() as session:
            release = session.get(ProtectionRelease, release_id)
            if release is None:
                raise CertificateRefused("指定された一時解除の依頼は見つかりません。")
            return release.status, release.decision_reason

    def issuance_log(
        self, ctx: ServiceContext, *, atena_no: str | None = None, day: dt.date | None = None
    ) -> list[IssueRecord]:
        """The 交付履歴, newest first, for one person and/or one day (j360)."""
        ctx.actor.require(Action.ISSUE_CERTIFICATE)
        statement = select(CertificateIssue).order_by(CertificateIssue.issued_at.desc())
        if day is not None:
            start = dt.datetime.combine(day, dt.time())
            statement = statement.where(
                CertificateIssue.issued_at >= start,
                CertificateIssue.issued_at < start + dt.timedelta(days=1),
            )
        with self._store.transaction() as session:
            rows = [
                record_of(row)
                for row in session.scalars(statement.limit(1000))
                if atena_no is None or atena_no in row.target_persons
            ]
            append_audit(
                session,
                at=ctx.now(),
                terminal_id=ctx.terminal_id,
                staff_no=ctx.actor.staff_no,
                action="issuance_log_view",
                target_persons=[atena_no] if atena_no else [],
                detail={"day": day.isoformat() if day else None, "count": len(rows)},
            )
            return rows

    # ------------------------------------------------------------------ the work
    def _issue(
        self,
        session: Session,
        ctx: ServiceContext,
        request: CertificateRequest,
        release_id: str | None,
        *,
        reprint_of: str | None,
    ) -> IssuedCertificates:
        found = self._evaluate(session, ctx, request, release_id)
        today = ctx.today()
        count = copy_count(found.subjects, request)
        numbers = [
            issue_number(
                today,
                found.municipality,
                found.office,
                ctx.terminal_id,
                found.settings.printer_id,
                seq,
            )
            for seq in allocate(session, ctx.terminal_id, today, count)
        ]
        copies = self._copies(session, ctx, request, found, specimen=False, numbers=numbers)
        unprintable = unprintable_in(copies)
        if unprintable:
            raise PrintBlocked(unprintable)  # rolls back the numbers drawn above
        rendered = render_certificates(copies)
        issued = [
            IssuedCopy(copy.issue_no, tuple(p.atena_no for p in copy.persons), pages)
            for copy, pages in zip(copies, rendered.pages, strict=True)
        ]
        fee = 0 if reprint_of else found.decision.fee_per_copy * count
        row = record_issue(
            session,
            ctx,
            office=found.office,
            request=request,
            decision=found.decision,
            target_persons=found.subjects.atena_nos,
            copies=issued,
            fee=fee,
            data_as_of=found.data_as_of,
            release_id=found.release.release_id if found.release else None,
            reprint_of=reprint_of,
            offline=found.data_note is not None,
        )
        if found.release is not None:
            found.release.status = "used"
            found.release.used_at = ctx.now()
            found.release.used_by_issue = row.issue_id
        return IssuedCertificates(
            issue_id=row.issue_id,
            issue_numbers=tuple(numbers),
            pages=rendered.pages,
            pdf=rendered.pdf,
            fee=fee,
            delivery=found.decision.delivery,
            mail_to=found.mail_to,
            individual_number_printed=row.individual_number_printed,
        )

    def _evaluate(
        self,
        session: Session,
        ctx: ServiceContext,
        request: CertificateRequest,
        release_id: str | None,
    ) -> _Evaluation:
        settings = self._settings or load_settings(session)
        subjects = load_subjects(session, request)
        screening = screen(session, request, subjects, ctx.today())
        requester = request.requester
        decision = decide(
            request.kind,
            requester.kind,
            request.items,
            request_facts(session, request, subjects),
            power_of_attorney=requester.power_of_attorney,
            reason=requester.reason,
            copies=request.copies,
            fees=settings.fees,
        )
        release = check_release(session, request, screening, release_id, ctx.now())
        settings.certifier_on(ctx.today())  # refuses now when nobody signs today
        facts = {m.key: m.value for m in session.scalars(select(StoreMeta))}
        as_of = next((facts[k] for k in DATA_TIME_KEYS if facts.get(k)), "")
        data_note = None
        if not self._centre_reachable():
            data_note = (
                f"※この証明書は、{_as_of_text(as_of)}時点の端末保存データにより作成しています。"
            )
        terminal = session.get(Terminal, ctx.terminal_id)
        mail_to = None
        if decision.delivery is Delivery.MAIL_TO_PRINCIPAL and requester.principal_atena_no:
            principal = session.get(Person, requester.principal_atena_no)
            if principal is not None:
                mail_to = principal.address + (
                    f"　{principal.katagaki}" if principal.katagaki else ""
                )
        return _Evaluation(
            subjects=subjects,
            decision=decision,
            settings=settings,
            release=release,
            alerts=screening.alerts,
            municipality=facts.get("municipality_name", ""),
            office=terminal.office if terminal is not None else ctx.actor.office,
            data_as_of=as_of,
            data_note=data_note,
            mail_to=mail_to,
        )

    def _copies(
        self,
        session: Session,
        ctx: ServiceContext,
        request: CertificateRequest,
        found: _Evaluation,
        *,
        specimen: bool,
        numbers: Sequence[str] | None = None,
    ) -> list[CertificateCopyText]:
        history: dict[str, list[ChangeHistory]] = defaultdict(list)
        for entry in session.scalars(
            select(ChangeHistory)
            .where(ChangeHistory.atena_no.in_(found.subjects.atena_nos))
            .order_by(ChangeHistory.id)
        ):
            history[entry.atena_no].append(entry)
        settings = found.settings
        facts = CopyFacts(
            municipality=found.municipality,
            issued_on=format_date_jp(ctx.today()),
            certifier=settings.certifier_on(ctx.today()).signature,
            seal_text=settings.seal_text or _seal_text(found.municipality),
            data_note=found.data_note,
            furigana=settings.furigana,
            specimen=specimen,
            reveal_numbers=not specimen,
        )
        count = copy_count(found.subjects, request)
        return copy_texts(
            found.subjects,
            request,
            found.decision,
            facts,
            lambda atena_no: history[atena_no],
            list(numbers) if numbers is not None else [PREVIEW_NUMBER] * count,
        )
