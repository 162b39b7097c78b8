"""Certificates of the register (R-CERT): request → preview → issue → PDF, and the 交付履歴.

The GUI builds a :class:`CertificateRequest`, calls :meth:`CertificateService.preview` to show
what prints (and the fee), then :meth:`CertificateService.issue` for the PDF bytes. A request
that a 支援措置 or 発行抑止 blocks raises :class:`IssuanceBlocked`; the counter asks for a
release with :meth:`CertificateService.request_release` and passes the release id once a
支援措置責任者 has released it (``protection_release.ReleaseReviewService``).
"""

from madoguchi.app.services.certificates.guard import IssuanceBlocked, PerpetratorRefused
from madoguchi.app.services.certificates.log import IssueRecord
from madoguchi.app.services.certificates.request import CertificateRequest, Requester
from madoguchi.app.services.certificates.results import (
    CertificatePreview,
    IssuedCertificates,
    PrintBlocked,
    UnprintableText,
)
from madoguchi.app.services.certificates.service import CertificateService, render_preview
from madoguchi.app.services.certificates.settings import (
    CertificateSettings,
    Certifier,
    load_settings,
    save_settings,
)

__all__ = [
    "CertificatePreview",
    "CertificateRequest",
    "CertificateService",
    "CertificateSettings",
    "Certifier",
    "IssuanceBlocked",
    "IssueRecord",
    "IssuedCertificates",
    "PerpetratorRefused",
    "PrintBlocked",
    "Requester",
    "UnprintableText",
    "load_settings",
    "render_preview",
    "save_settings",
]
