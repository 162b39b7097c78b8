"""Certificates of the register: kinds, optional items and who may ask for what (R-CERT-1…3, 7).

Plain rules, no storage. The service finds the facts in the register (is the requester one of
the persons, in their household, the agent's principal…) and :func:`decide` turns the request
and those facts into a :class:`Decision`: exactly which items are printed and why, where the
copies go and what they cost — or refuses with the reason (住基法 §12, §12-2, §12-3).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "CERTIFICATION_TEXTS",
    "DEFAULT_FEE",
    "DEFAULT_ITEMS",
    "FOREIGN_ITEMS",
    "ITEM_LABELS",
    "KIND_TITLES",
    "MOVE_OUT_ITEMS",
    "OMITTED",
    "REQUESTER_LABELS",
    "CertificateKind",
    "CertificateRefused",
    "Decision",
    "Delivery",
    "ItemChoice",
    "Layout",
    "OptionalItem",
    "RequestFacts",
    "RequesterKind",
    "Scope",
    "decide",
]

OMITTED = "省略"
"""What an item the request left out prints as (R-CERT-2)."""

DEFAULT_FEE = 300
"""円 per copy unless the fee table says otherwise (R-CERT-7)."""

MAX_COPIES = 10


class CertificateKind(StrEnum):
    """The certificates of R-CERT-1 (standard/j1000.txt)."""

    RESIDENT_COPY = "resident_copy"  # 住民票の写し
    RESIDENT_ITEMS = "resident_items"  # 住民票記載事項証明書
    REMOVED_COPY = "removed_copy"  # 住民票の除票の写し
    MOVE_OUT = "move_out"  # 転出証明書
    MOVE_OUT_REISSUE = "move_out_reissue"  # 転出証明書（再交付）


KIND_TITLES: dict[CertificateKind, str] = {
    CertificateKind.RESIDENT_COPY: "住民票の写し",
    CertificateKind.RESIDENT_ITEMS: "住民票記載事項証明書",
    CertificateKind.REMOVED_COPY: "住民票の除票の写し",
    CertificateKind.MOVE_OUT: "転出証明書",
    CertificateKind.MOVE_OUT_REISSUE: "転出証明書（再交付）",
}

CERTIFICATION_TEXTS: dict[CertificateKind, str] = {
    CertificateKind.RESIDENT_COPY: "この写しは、住民票の原本と相違ないことを証明する。",
    CertificateKind.RESIDENT_ITEMS: (
        "上記の事項は、住民票に記載されている事項と相違ないことを証明する。"
    ),
    CertificateKind.REMOVED_COPY: "この写しは、住民票の除票の原本と相違ないことを証明する。",
    CertificateKind.MOVE_OUT: "上記の者から転出の届出があったことを証明する。",
    CertificateKind.MOVE_OUT_REISSUE: "上記の者から転出の届出があったことを証明する。（再交付）",
}
"""The 認証文 printed once, on the last page of each copy (j1000)."""

MOVE_OUT_KINDS = frozenset({CertificateKind.MOVE_OUT, CertificateKind.MOVE_OUT_REISSUE})


class Scope(StrEnum):
    """世帯全員 or some members (一部)."""

    WHOLE_HOUSEHOLD = "whole_household"
    SOME_MEMBERS = "some_members"


class Layout(StrEnum):
    """世帯連記式 (one sheet for the household) or 個人票 (one copy per person)."""

    HOUSEHOLD = "household"
    INDIVIDUAL = "individual"


class OptionalItem(StrEnum):
    """The items a request chooses (R-CERT-2); the others are always printed."""

    HOUSEHOLDER = "householder"  # 世帯主・続柄
    HONSEKI = "honseki"  # 本籍・筆頭者
    INDIVIDUAL_NUMBER = "individual_number"  # 個人番号
    RESIDENT_CODE = "resident_code"  # 住民票コード
    PREVIOUS_ADDRESS = "previous_address"  # 前住所
    HISTORY = "history"  # 異動履歴
    NATIONALITY = "nationality"  # 国籍・地域
    RESIDENCE_CATEGORY = "residence_category"  # 法第30条の45に規定する区分
    RESIDENCE_STATUS = "residence_status"  # 在留資格・在留期間・満了日
    RESIDENCE_CARD_NO = "residence_card_no"  # 在留カード等番号
    ALIAS = "alias"  # 通称


ITEM_LABELS: dict[OptionalItem, str] = {
    OptionalItem.HOUSEHOLDER: "世帯主・続柄",
    OptionalItem.HONSEKI: "本籍・筆頭者",
    OptionalItem.INDIVIDUAL_NUMBER: "個人番号",
    OptionalItem.RESIDENT_CODE: "住民票コード",
    OptionalItem.PREVIOUS_ADDRESS: "前住所",
    OptionalItem.HISTORY: "異動履歴",
    OptionalItem.NATIONALITY: "国籍・地域",
    OptionalItem.RESIDENCE_CATEGORY: "法第30条の45に規定する区分",
    OptionalItem.RESIDENCE_STATUS: "在留資格・在留期間・満了日",
    OptionalItem.RESIDENCE_CARD_NO: "在留カード等番号",
    OptionalItem.ALIAS: "通称",
}

FOREIGN_ITEMS = frozenset(
    {
        OptionalItem.NATIONALITY,
        OptionalItem.RESIDENCE_CATEGORY,
        OptionalItem.RESIDENCE_STATUS,
        OptionalItem.RESIDENCE_CARD_NO,
        OptionalItem.ALIAS,
    }
)
"""Items that exist only for foreign residents (住基法 §30-45)."""

NUMBERS = frozenset({OptionalItem.INDIVIDUAL_NUMBER, OptionalItem.RESIDENT_CODE})

DEFAULT_ITEMS = frozenset(OptionalItem) - NUMBERS - {OptionalItem.HONSEKI, OptionalItem.HISTORY}
"""R-CERT-2: unless asked otherwise, 個人番号, 住民票コード and 本籍 are omitted; so is the
異動履歴, which j1000 treats as a choice of form (履歴の有無) rather than an item."""

MOVE_OUT_ITEMS = frozenset(
    {OptionalItem.HOUSEHOLDER, OptionalItem.HONSEKI, *NUMBERS, *FOREIGN_ITEMS}
)
"""What a 転出証明書 carries whatever is asked (住基法施行令 §23): its items are fixed."""


class RequesterKind(StrEnum):
    """Who asks (住基法 §12: 本人・同一世帯員, §12-2: 公用, §12-3: 第三者)."""

    SELF = "self"  # 本人
    HOUSEHOLD_MEMBER = "household_member"  # 同一世帯員
    AGENT = "agent"  # 代理人（委任状）
    THIRD_PARTY = "third_party"  # 第三者（正当な理由）
    OFFICIAL = "official"  # 公用（国又は地方公共団体の機関）


REQUESTER_LABELS: dict[RequesterKind, str] = {
    RequesterKind.SELF: "本人",
    RequesterKind.HOUSEHOLD_MEMBER: "同一世帯員",
    RequesterKind.AGENT: "代理人",
    RequesterKind.THIRD_PARTY: "第三者",
    RequesterKind.OFFICIAL: "公用",
}


class Delivery(StrEnum):
    """Where the copies go."""

    COUNTER = "counter"  # handed over at the counter
    MAIL_TO_PRINCIPAL = "mail_to_principal"  # mailed to the principal's registered address


DELIVERY_LABELS: dict[Delivery, str] = {
    Delivery.COUNTER: "窓口で交付",
    Delivery.MAIL_TO_PRINCIPAL: "委任者の住所あてに郵送",
}


class CertificateRefused(ValueError):
    """The rules refuse the request; the message is the reason, in Japanese, with the way out."""


@dataclass(frozen=True)
class RequestFacts:
    """What the register says about the request, established by the service.

    ``requester_is_person``: the requester (本人) is one of the persons on the certificate.
    ``requester_in_household``: the requester belongs to the persons' household.
    ``principal_entitled``: an agent's principal is one of the persons or in their household.
    ``has_foreign`` / ``has_japanese``: which kinds of residents are on the certificate.
    ``identity_confirmed``: enough identity documents were seen (R-INTAKE-4).
    """

    requester_is_person: bool = False
    requester_in_household: bool = False
    principal_entitled: bool = False
    has_foreign: bool = False
    has_japanese: bool = True
    identity_confirmed: bool = True


@dataclass(frozen=True)
class ItemChoice:
    """One optional item: printed or 「省略」, and why."""

    item: OptionalItem
    printed: bool
    reason: str

    @property
    def label(self) -> str:
        """The item's name as printed."""
        return ITEM_LABELS[self.item]


@dataclass(frozen=True)
class Decision:
    """What the rules allow for one request: the items, delivery and fee of each copy."""

    kind: CertificateKind
    requester: RequesterKind
    items: tuple[ItemChoice, ...]
    delivery: Delivery
    delivery_reason: str
    official: bool
    fee_per_copy: int

    def printed(self, item: OptionalItem) -> bool:
        """Whether ``item`` is printed."""
        return any(choice.item is item and choice.printed for choice in self.items)

    @property
    def printed_items(self) -> tuple[OptionalItem, ...]:
        """The printed optional items, in the order of :class:`OptionalItem`."""
        return tuple(choice.item for choice in self.items if choice.printed)


def _check_entitlement(
    kind: CertificateKind,
    requester: RequesterKind,
    facts: RequestFacts,
    *,
    power_of_attorney: bool,
    reason: str,
) -> None:
    if requester is not RequesterKind.OFFICIAL and not facts.identity_confirmed:
        raise CertificateRefused(
            "請求者の本人確認ができていません。顔写真付きの本人確認書類1点、"
            "またはそれ以外の書類2点を確認してください。"
        )
    if kind in MOVE_OUT_KINDS and requester in (RequesterKind.THIRD_PARTY, RequesterKind.OFFICIAL):
        raise CertificateRefused(
            "転出証明書は転出の届出をした本人・同一世帯員（委任を受けた代理人を含む）にだけ"
            "交付します。"
        )
    if requester is RequesterKind.SELF and not facts.requester_is_person:
        raise CertificateRefused(
            "請求者（本人）が証明書の対象者に含まれていません。対象者を確認するか、"
            "同一世帯員または第三者の請求として受け付けてください。"
        )
    if requester is RequesterKind.HOUSEHOLD_MEMBER and not facts.requester_in_household:
        raise CertificateRefused(
            "請求者は対象者と同一の世帯に属していません。第三者請求として、"
            "請求事由（利用目的・提出先）を確認してください。"
        )
    if requester is RequesterKind.AGENT:
        if not power_of_attorney:
            raise CertificateRefused(
                "代理人からの請求には委任状が必要です。委任状を確認してください。"
            )
        if not facts.principal_entitled:
            raise CertificateRefused(
                "委任者が対象者本人または同一世帯員であることを確認できません。"
                "委任状の委任者を確認してください。"
            )
    if requester is RequesterKind.THIRD_PARTY and len(reason.strip()) < 4:
        raise CertificateRefused(
            "第三者からの請求には正当な理由が必要です。請求事由（利用目的・提出先）を具体的に"
            "記入してください（住民基本台帳法第12条の3）。"
        )
    if requester is RequesterKind.OFFICIAL and len(reason.strip()) < 4:
        raise CertificateRefused(
            "公用請求には請求の根拠となる事務と法令を記入してください（住民基本台帳法第12条の2）。"
        )


def _check_numbers(requester: RequesterKind, wanted: frozenset[OptionalItem]) -> None:
    asked = [ITEM_LABELS[item] for item in OptionalItem if item in wanted & NUMBERS]
    if not asked:
        return
    names = "・".join(asked)
    if requester is RequesterKind.THIRD_PARTY:
        raise CertificateRefused(
            f"第三者からの請求では{names}を記載できません（住民基本台帳法第12条の3）。"
            f"{names}を省略して請求してください。"
        )
    if requester is RequesterKind.OFFICIAL:
        raise CertificateRefused(
            f"公用請求の写しには{names}を記載しません。番号法に基づく提供は情報連携で行って"
            f"ください。{names}を省略して請求してください。"
        )


def _choice(
    item: OptionalItem, wanted: frozenset[OptionalItem], kind: CertificateKind
) -> ItemChoice:
    if kind in MOVE_OUT_KINDS:
        if item in MOVE_OUT_ITEMS:
            return ItemChoice(item, True, "転出証明書の記載事項")
        return ItemChoice(item, False, "転出証明書の記載事項ではないため省略")
    if item in wanted:
        return ItemChoice(item, True, "請求により記載")
    if item in NUMBERS or item is OptionalItem.HONSEKI:
        return ItemChoice(item, False, "特別の請求がないため省略")
    return ItemChoice(item, False, "請求により省略")


def decide(
    kind: CertificateKind,
    requester: RequesterKind,
    items: frozenset[OptionalItem],
    facts: RequestFacts,
    *,
    power_of_attorney: bool = False,
    reason: str = "",
    copies: int = 1,
    fees: Mapping[CertificateKind, int] | None = None,
) -> Decision:
    """Judge a request: raise :class:`CertificateRefused` with the reason, or say what prints.

    本人 and 同一世帯員 may have any item; an agent with a 委任状 what the principal may, but a
    copy carrying 個人番号 or 住民票コード is mailed to the principal, never handed over; a third
    party needs a stated reason and never gets those numbers; 公用 prints 「公用」 and costs
    nothing (R-CERT-3, R-CERT-7).
    """
    if not 1 <= copies <= MAX_COPIES:
        raise CertificateRefused(f"通数は1通から{MAX_COPIES}通までで指定してください。")
    _check_entitlement(kind, requester, facts, power_of_attorney=power_of_attorney, reason=reason)
    wanted = MOVE_OUT_ITEMS if kind in MOVE_OUT_KINDS else frozenset(items)
    _check_numbers(requester, wanted)
    choices = []
    for item in OptionalItem:
        if item in FOREIGN_ITEMS and not facts.has_foreign:
            continue
        if item is OptionalItem.HONSEKI and not facts.has_japanese:
            continue
        choices.append(_choice(item, wanted, kind))
    decision_items = tuple(choices)
    numbers_printed = any(c.printed and c.item in NUMBERS for c in decision_items)
    delivery, delivery_reason = Delivery.COUNTER, "窓口で請求者に交付"
    if requester is RequesterKind.AGENT and numbers_printed:
        delivery = Delivery.MAIL_TO_PRINCIPAL
        delivery_reason = (
            "個人番号・住民票コードを記載した写しは代理人に交付せず、"
            "委任者の住民登録地あてに郵送します。"
        )
    official = requester is RequesterKind.OFFICIAL
    fee = 0 if official else (fees or {}).get(kind, DEFAULT_FEE)
    return Decision(kind, requester, decision_items, delivery, delivery_reason, official, fee)
