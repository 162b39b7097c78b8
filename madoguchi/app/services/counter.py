"""The services one counter terminal runs, built once from its store (composition helper)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509

from madoguchi.app.context import Clock, SystemClock
from madoguchi.app.domain.address import AddressCode, PostalCode, Town
from madoguchi.app.domain.intake import IntakeKind
from madoguchi.app.services.admin import AdminService
from madoguchi.app.services.audit_review import AuditReviewService
from madoguchi.app.services.auth import AuthService
from madoguchi.app.services.certificates import CertificateService
from madoguchi.app.services.identity_check import IdentityCheckService
from madoguchi.app.services.intake import IntakeService, intake_services
from madoguchi.app.services.intake.drafts import DraftService
from madoguchi.app.services.intake.prefill import PrefillService
from madoguchi.app.services.interfaces.queue import InterfaceQueueService
from madoguchi.app.services.masking import RevealService
from madoguchi.app.services.protection import ProtectionService
from madoguchi.app.services.protection_release import ReleaseReviewService
from madoguchi.app.services.register_view import RegisterViewService
from madoguchi.app.services.review.corrections import CorrectionService
from madoguchi.app.services.review.reconciliation import ReconciliationService
from madoguchi.app.services.review.service import ReviewService
from madoguchi.app.services.search import SearchService
from madoguchi.app.services.sync_control import SyncControl
from madoguchi.app.services.sync_problems import SyncProblemService
from madoguchi.storage import register
from madoguchi.storage.models import RefIdentityDocument, StoreMeta
from madoguchi.storage.store import LocalStore
from madoguchi.storage.sync.problems import SyncProblem


@dataclass
class CounterServices:
    """Every use case of the counter, sharing one store and one clock.

    ``trust_roots`` are the J-LIS roots a card's certificate must chain to (R-CARD-4; the
    test CA for the virtual card); ``card_reader`` names the counter's reader (``None``: the
    first reader holding a card). ``sync`` is the connection to the centre, ``None`` when the
    terminal runs on its own store only (the demo).
    """

    store: LocalStore
    terminal_id: str
    clock: Clock
    search: SearchService
    register_view: RegisterViewService
    auth: AuthService
    reveal: RevealService
    admin: AdminService
    audit_review: AuditReviewService
    identity_check: IdentityCheckService
    intake: dict[IntakeKind, IntakeService]
    drafts: DraftService
    prefill: PrefillService
    review: ReviewService
    corrections: CorrectionService
    reconciliation: ReconciliationService
    interfaces: InterfaceQueueService
    certificates: CertificateService
    protection: ProtectionService
    releases: ReleaseReviewService
    sync_problems: SyncProblemService
    sync: SyncControl | None = None
    trust_roots: list[x509.Certificate] = field(default_factory=list)
    card_reader: str | None = None
    interface_folder: Path | None = None

    @classmethod
    def build(
        cls,
        store: LocalStore,
        terminal_id: str,
        clock: Clock | None = None,
        *,
        trust_roots: Sequence[x509.Certificate] = (),
        card_reader: str | None = None,
    ) -> CounterServices:
        """Wire the services to ``store``."""
        clock = clock or SystemClock()
        interfaces = InterfaceQueueService(store)
        services = cls(
            store=store,
            terminal_id=terminal_id,
            clock=clock,
            search=SearchService(store),
            register_view=RegisterViewService(store),
            auth=AuthService(store, terminal_id, clock),
            reveal=RevealService(store),
            admin=AdminService(store),
            audit_review=AuditReviewService(store),
            identity_check=IdentityCheckService(store),
            intake=intake_services(store),
            drafts=DraftService(store),
            prefill=PrefillService(store),
            review=ReviewService(store, interfaces),
            corrections=CorrectionService(store),
            reconciliation=ReconciliationService(store),
            interfaces=interfaces,
            certificates=CertificateService(store),  # replaced below: knows the centre
            protection=ProtectionService(store),
            releases=ReleaseReviewService(store),
            sync_problems=SyncProblemService(store),
            trust_roots=list(trust_roots),
            card_reader=card_reader,
        )
        services.certificates = CertificateService(
            store, centre_reachable=services.centre_reachable
        )
        services.sync_problems.centre = services.centre_conflicts
        return services

    def centre_conflicts(self, staff_no: str) -> list[SyncProblem]:
        """Every terminal's open conflicts at the centre for ``staff_no`` (同期の確認)."""
        if self.sync is None:
            return []
        return self.sync.centre_conflicts(staff_no)

    def centre_reachable(self) -> bool:
        """The centre answered the last sync cycle: the replica is current (R-SYNC-3)."""
        return self.sync is not None and self.sync.worker.state.online is True

    def store_facts(self) -> dict[str, str]:
        """The store's meta facts (municipality, data as of …)."""
        with self.store.transaction() as session:
            return {m.key: m.value for m in session.query(StoreMeta).all()}

    def address_master(self) -> list[Town]:
        """The address master (町字 with postal codes) the intake forms pick from.

        Reference data, not personal data: nothing is audited.
        """
        with self.store.transaction() as session:
            return [
                Town(
                    code=AddressCode(t.code),
                    prefecture=t.prefecture,
                    municipality=t.municipality,
                    town_name=t.town_name,
                    chome=t.chome,
                    kana=t.kana,
                    postal_code=PostalCode(t.postal_code),
                )
                for t in register.all_towns(session)
            ]

    def identity_documents(self) -> list[tuple[str, str, bool]]:
        """The identity-document kinds as (code, name, has_photo), photo IDs first."""
        with self.store.transaction() as session:
            documents = session.query(RefIdentityDocument).all()
            return sorted(
                ((d.code, d.name, d.has_photo) for d in documents),
                key=lambda d: (not d[2], d[0]),
            )
