"""Reference data that ships with the product (R-DATA-6): 異動事由 codes, identity documents
and the default 庁内連携 consumers.

``install_reference_data`` writes them into a local store. It is idempotent: rows that exist
are brought up to date, missing ones are added, and nothing else is touched, so it can run on
every start or after every migration. A consumer's entitlement to the 個人番号 and whether it
is active are the municipality's registration (R-MASK-4), so an existing consumer keeps them.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from madoguchi.app.domain.change_reason import CHANGE_REASONS
from madoguchi.storage.models import InterfaceConsumer, RefChangeReason, RefIdentityDocument


@dataclass(frozen=True)
class IdentityDocumentKind:
    """One kind of 本人確認書類: a photo ID suffices alone, the others count in pairs."""

    code: str
    name: str
    has_photo: bool


IDENTITY_DOCUMENTS: tuple[IdentityDocumentKind, ...] = (
    IdentityDocumentKind("P01", "個人番号カード", True),
    IdentityDocumentKind("P02", "運転免許証", True),
    IdentityDocumentKind("P03", "パスポート", True),
    IdentityDocumentKind("P04", "在留カード", True),
    IdentityDocumentKind("P05", "特別永住者証明書", True),
    IdentityDocumentKind("P06", "身体障害者手帳", True),
    IdentityDocumentKind("P07", "精神障害者保健福祉手帳", True),
    IdentityDocumentKind("P08", "療育手帳", True),
    IdentityDocumentKind("P09", "運転経歴証明書", True),
    IdentityDocumentKind("P10", "住民基本台帳カード（写真付き）", True),
    IdentityDocumentKind("P11", "船員手帳", True),
    IdentityDocumentKind("P12", "官公署発行の写真付き身分証明書", True),
    IdentityDocumentKind("N01", "健康保険証", False),
    IdentityDocumentKind("N02", "資格確認書", False),
    IdentityDocumentKind("N03", "介護保険被保険者証", False),
    IdentityDocumentKind("N04", "年金手帳", False),
    IdentityDocumentKind("N05", "年金証書", False),
    IdentityDocumentKind("N06", "学生証（写真なし扱い）", False),
    IdentityDocumentKind("N07", "社員証", False),
    IdentityDocumentKind("N08", "預金通帳", False),
    IdentityDocumentKind("N09", "キャッシュカード", False),
    IdentityDocumentKind("N10", "公共料金の領収書", False),
    IdentityDocumentKind("N11", "印鑑登録証", False),
)
"""Identity-document kinds; codes P.. are photo IDs (one suffices), N.. are not (two needed)."""


@dataclass(frozen=True)
class DefaultConsumer:
    """A department system that receives 庁内連携 change events by default."""

    consumer_id: str
    name: str
    entitled_to_individual_number: bool


INTERFACE_CONSUMERS: tuple[DefaultConsumer, ...] = (
    DefaultConsumer("tax", "税務システム", True),
    DefaultConsumer("national_health_insurance", "国民健康保険", True),
    DefaultConsumer("long_term_care", "介護保険", True),
    DefaultConsumer("elections", "選挙管理", False),
    DefaultConsumer("school_register", "教育委員会 学齢簿", True),
    DefaultConsumer("integrated_atena", "庁内統合宛名", True),
    DefaultConsumer("library", "図書館", False),
)
"""庁内連携 consumers; entitled ones do 個人番号利用事務 (番号法 別表) and receive the number."""


def install_reference_data(session: Session) -> None:
    """Insert or update the 異動事由 codes, identity documents and consumers in ``session``.

    Running it again changes nothing; rows of other codes are left alone.
    """
    reasons = {r.code: r for r in session.scalars(select(RefChangeReason))}
    for reason in CHANGE_REASONS:
        row = reasons.get(reason.code)
        if row is None:
            session.add(
                RefChangeReason(code=reason.code, name=reason.name, category=reason.category.value)
            )
        else:
            row.name = reason.name
            row.category = reason.category.value
    documents = {d.code: d for d in session.scalars(select(RefIdentityDocument))}
    for kind in IDENTITY_DOCUMENTS:
        document = documents.get(kind.code)
        if document is None:
            session.add(
                RefIdentityDocument(code=kind.code, name=kind.name, has_photo=kind.has_photo)
            )
        else:
            document.name = kind.name
            document.has_photo = kind.has_photo
    consumers = {c.consumer_id: c for c in session.scalars(select(InterfaceConsumer))}
    for default in INTERFACE_CONSUMERS:
        consumer = consumers.get(default.consumer_id)
        if consumer is None:
            session.add(
                InterfaceConsumer(
                    consumer_id=default.consumer_id,
                    name=default.name,
                    entitled_to_individual_number=default.entitled_to_individual_number,
                    active=True,
                )
            )
        else:
            consumer.name = default.name
    session.flush()
