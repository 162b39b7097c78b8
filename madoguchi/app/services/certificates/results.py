"""What the certificate service hands back: the preview, the issuance, the 外字 found."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from madoguchi.app.domain.certificates import CertificateRefused, Decision, Delivery
from madoguchi.app.services.certificates.request import CertificateRequest
from madoguchi.app.services.documents.certificate_content import CertificateCopyText
from madoguchi.app.services.documents.fonts import unprintable_characters

__all__ = [
    "CertificatePreview",
    "IssuedCertificates",
    "PrintBlocked",
    "UnprintableText",
    "unprintable_in",
]


@dataclass(frozen=True)
class UnprintableText:
    """外字 the certificate font cannot draw, and where they are (R-CERT-5, j1070)."""

    where: str
    characters: tuple[str, ...]

    @property
    def code_points(self) -> str:
        """The characters as code points (the font cannot show them either)."""
        return "、".join(" ".join(f"U+{ord(c):04X}" for c in item) for item in self.characters)


class PrintBlocked(CertificateRefused):
    """Characters the font cannot draw: printing waits until they are resolved."""

    def __init__(self, unprintable: tuple[UnprintableText, ...]) -> None:
        listed = "；".join(f"{u.where}: {u.code_points}" for u in unprintable)
        super().__init__(
            f"証明書の書体で印字できない文字（外字）があるため印刷できません（{listed}）。"
            "外字を登録するか、文字の確認を担当者に依頼してください。"
        )
        self.unprintable = unprintable


@dataclass(frozen=True)
class CertificatePreview:
    """What the request would print, shown before printing (R-CERT-6, R-CERT-7).

    ``copies`` are the copies as printed except that the 個人番号 and 住民票コード are masked
    and the 発行番号 is a placeholder. ``decision`` lists every optional item with why it is
    printed or 「省略」. ``unprintable`` non-empty blocks issuance.
    """

    request: CertificateRequest
    decision: Decision
    copies: tuple[CertificateCopyText, ...]
    persons: tuple[str, ...]
    fee: int
    delivery: Delivery
    delivery_note: str
    mail_to: str | None
    alerts: tuple[str, ...]
    unprintable: tuple[UnprintableText, ...]
    data_as_of: str

    @property
    def printable(self) -> bool:
        """False while some character cannot be printed."""
        return not self.unprintable


@dataclass(frozen=True)
class IssuedCertificates:
    """An issuance: its log id, each copy's 発行番号, the PDF and what was charged."""

    issue_id: str
    issue_numbers: tuple[str, ...]
    pages: tuple[int, ...]
    pdf: bytes
    fee: int
    delivery: Delivery
    mail_to: str | None
    individual_number_printed: bool


def unprintable_in(copies: Sequence[CertificateCopyText]) -> tuple[UnprintableText, ...]:
    """Every text of ``copies`` the certificate font cannot draw, with where it is."""
    if not copies:
        return ()
    found: dict[tuple[str, tuple[str, ...]], None] = {}
    first = copies[0]
    places = [("見出し", text) for text in (first.title, first.certifier)]
    places += [(entry.label, entry.value) for entry in first.header]
    for copy in copies:
        for person in copy.persons:
            places += [(person.name, text) for text in person.texts()]
    for where, text in places:
        characters = unprintable_characters(text)
        if characters:
            found[(where, characters)] = None
    return tuple(UnprintableText(where, characters) for where, characters in found)
