"""What a notification of a move says (R-INTAKE-1, R-INTAKE-4): kinds, variants and the form.

The values here are what the counter typed and chose, before any rule judged them; they are
plain data, serialised into a draft (仮登録) as JSON and read back unchanged. The rules that
judge them live in ``intake_rules``; the services that save them in ``services/intake``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field, fields
from enum import StrEnum
from typing import Any

from madoguchi.app.domain.change_reason import (
    HOUSEHOLD_CHANGE,
    HOUSEHOLD_MERGE,
    HOUSEHOLD_SPLIT,
    HOUSEHOLDER_CHANGE,
    MOVE_IN_DOMESTIC,
    MOVE_IN_FROM_ABROAD,
    MOVE_OUT_ABROAD,
    MOVE_OUT_DOMESTIC,
    MOVE_WITHIN,
    ChangeReason,
)


class IntakeKind(StrEnum):
    """The four notifications taken at the counter."""

    MOVE_IN = "move_in"  # 転入
    MOVE_OUT = "move_out"  # 転出
    MOVE_WITHIN = "move_within"  # 転居
    HOUSEHOLD_CHANGE = "household_change"  # 世帯変更


class Variant(StrEnum):
    """Every variant of R-INTAKE-1; each belongs to one kind."""

    DOMESTIC_MOVE_IN = "domestic_move_in"  # 国内転入（転出証明書）
    SPECIAL_MOVE_IN = "special_move_in"  # 特例転入（転出証明書情報）
    MOVE_IN_FROM_ABROAD = "move_in_from_abroad"  # 国外からの転入
    RETURNING_MOVE_IN = "returning_move_in"  # 再転入
    MOVE_OUT = "move_out"  # 転出（転出証明書）
    SPECIAL_MOVE_OUT = "special_move_out"  # 特例転出
    MOVE_OUT_ABROAD = "move_out_abroad"  # 国外転出
    MOVE_WITHIN = "move_within"  # 転居
    HOUSEHOLD_SPLIT = "household_split"  # 世帯分離
    HOUSEHOLD_MERGE = "household_merge"  # 世帯合併
    HOUSEHOLDER_CHANGE = "householder_change"  # 世帯主変更
    HOUSEHOLD_RECOMPOSITION = "household_recomposition"  # 世帯構成変更


VARIANT_KIND: dict[Variant, IntakeKind] = {
    Variant.DOMESTIC_MOVE_IN: IntakeKind.MOVE_IN,
    Variant.SPECIAL_MOVE_IN: IntakeKind.MOVE_IN,
    Variant.MOVE_IN_FROM_ABROAD: IntakeKind.MOVE_IN,
    Variant.RETURNING_MOVE_IN: IntakeKind.MOVE_IN,
    Variant.MOVE_OUT: IntakeKind.MOVE_OUT,
    Variant.SPECIAL_MOVE_OUT: IntakeKind.MOVE_OUT,
    Variant.MOVE_OUT_ABROAD: IntakeKind.MOVE_OUT,
    Variant.MOVE_WITHIN: IntakeKind.MOVE_WITHIN,
    Variant.HOUSEHOLD_SPLIT: IntakeKind.HOUSEHOLD_CHANGE,
    Variant.HOUSEHOLD_MERGE: IntakeKind.HOUSEHOLD_CHANGE,
    Variant.HOUSEHOLDER_CHANGE: IntakeKind.HOUSEHOLD_CHANGE,
    Variant.HOUSEHOLD_RECOMPOSITION: IntakeKind.HOUSEHOLD_CHANGE,
}

KIND_LABELS: dict[IntakeKind, str] = {
    IntakeKind.MOVE_IN: "転入届",
    IntakeKind.MOVE_OUT: "転出届",
    IntakeKind.MOVE_WITHIN: "転居届",
    IntakeKind.HOUSEHOLD_CHANGE: "世帯変更届",
}

VARIANT_LABELS: dict[Variant, str] = {
    Variant.DOMESTIC_MOVE_IN: "国内転入（転出証明書）",
    Variant.SPECIAL_MOVE_IN: "特例転入（マイナンバーカード）",
    Variant.MOVE_IN_FROM_ABROAD: "国外からの転入",
    Variant.RETURNING_MOVE_IN: "再転入",
    Variant.MOVE_OUT: "転出（転出証明書交付）",
    Variant.SPECIAL_MOVE_OUT: "特例転出（マイナンバーカード）",
    Variant.MOVE_OUT_ABROAD: "国外転出",
    Variant.MOVE_WITHIN: "転居",
    Variant.HOUSEHOLD_SPLIT: "世帯分離",
    Variant.HOUSEHOLD_MERGE: "世帯合併",
    Variant.HOUSEHOLDER_CHANGE: "世帯主変更",
    Variant.HOUSEHOLD_RECOMPOSITION: "世帯構成変更",
}

VARIANT_REASON: dict[Variant, ChangeReason] = {
    Variant.DOMESTIC_MOVE_IN: MOVE_IN_DOMESTIC,
    Variant.SPECIAL_MOVE_IN: MOVE_IN_DOMESTIC,
    Variant.MOVE_IN_FROM_ABROAD: MOVE_IN_FROM_ABROAD,
    Variant.RETURNING_MOVE_IN: MOVE_IN_DOMESTIC,
    Variant.MOVE_OUT: MOVE_OUT_DOMESTIC,
    Variant.SPECIAL_MOVE_OUT: MOVE_OUT_DOMESTIC,
    Variant.MOVE_OUT_ABROAD: MOVE_OUT_ABROAD,
    Variant.MOVE_WITHIN: MOVE_WITHIN,
    Variant.HOUSEHOLD_SPLIT: HOUSEHOLD_SPLIT,
    Variant.HOUSEHOLD_MERGE: HOUSEHOLD_MERGE,
    Variant.HOUSEHOLDER_CHANGE: HOUSEHOLDER_CHANGE,
    Variant.HOUSEHOLD_RECOMPOSITION: HOUSEHOLD_CHANGE,
}
"""The 異動事由 (standard/j210.txt) each variant records on approval."""


class NotifierKind(StrEnum):
    """Who is at the counter (R-INTAKE-4)."""

    SELF = "self"  # 本人
    HOUSEHOLDER = "householder"  # 世帯主
    HOUSEHOLD_MEMBER = "household_member"  # 同一世帯員
    AGENT = "agent"  # 代理人（委任状）
    OTHER = "other"  # その他（届出の権利なし）


NOTIFIER_LABELS: dict[NotifierKind, str] = {
    NotifierKind.SELF: "本人",
    NotifierKind.HOUSEHOLDER: "世帯主",
    NotifierKind.HOUSEHOLD_MEMBER: "同一世帯員",
    NotifierKind.AGENT: "代理人",
    NotifierKind.OTHER: "その他",
}


@dataclass(frozen=True)
class CardReadRecord:
    """What the intake keeps of a card read (R-CARD-6): results, never the card's data."""

    individual_number_checked: bool
    individual_number_matches: bool | None
    genuine: bool | None
    certificate_serial: str | None = None


@dataclass(frozen=True)
class IdentityCheckRecord:
    """The identity-check step of R-INTAKE-4, recorded with the transaction."""

    notifier_kind: NotifierKind
    notifier_name: str
    documents: tuple[str, ...]  # codes of ref_identity_documents (P.. photo, N.. other)
    power_of_attorney: bool = False  # 委任状
    card_read: CardReadRecord | None = None
    notes: str = ""


@dataclass(frozen=True)
class Mover:
    """One person the notification moves.

    ``atena_no`` names a person already in the register (転出, 転居, 世帯変更, and the former
    record of a 再転入); a newcomer has none. Dates are ISO text (``YYYY-MM-DD``).
    """

    atena_no: str | None = None
    family_name: str = ""
    given_name: str = ""
    family_name_kana: str = ""
    given_name_kana: str = ""
    birth_date: str = ""
    sex: str = ""  # "1" 男, "2" 女
    relationship: str = ""  # 続柄 in the household after the move
    individual_number: str | None = None
    resident_code: str | None = None
    honseki: str | None = None
    hittosha: str | None = None
    is_foreign: bool = False
    nationality: str | None = None
    residence_status: str | None = None
    period_of_stay: str | None = None
    stay_expires_on: str | None = None
    residence_card_no: str | None = None

    @property
    def name(self) -> str:
        """氏名 as shown: family and given name with U+3000."""
        return f"{self.family_name}　{self.given_name}".strip("　")


@dataclass(frozen=True)
class Destination:
    """Where the movers live after the move, and in which household.

    ``household_no`` set: an existing household (its members are shown); unset: a new
    household at the address, whose 世帯主 is ``householder_atena_no`` or, for newcomers,
    the mover with 続柄 世帯主.
    """

    household_no: str | None = None
    address_code: str | None = None
    banchi: str = ""
    katagaki: str | None = None
    postal_code: str | None = None


@dataclass(frozen=True)
class IntakeForm:
    """A whole notification as the counter filled it in."""

    variant: Variant
    moved_on: dt.date | None
    notified_on: dt.date
    movers: tuple[Mover, ...]
    source_household_no: str | None = None
    destination: Destination | None = None
    previous_address: str | None = None  # 転入前住所
    moving_to_address: str | None = None  # 転出先（予定）住所
    move_out_certificate_id: str | None = None  # 特例転入: the received 転出証明書情報
    reservation_id: str | None = None  # online 転入予約 / 転出届 it came from
    new_householder_atena_no: str | None = None  # 世帯主変更
    relationship_changes: dict[str, str] = field(default_factory=dict)  # 宛名番号 → 続柄
    identity_check: IdentityCheckRecord | None = None

    @property
    def kind(self) -> IntakeKind:
        """The notification's kind."""
        return VARIANT_KIND[self.variant]


def form_to_json(form: IntakeForm) -> dict[str, Any]:
    """The form as JSON for the draft (dates as ISO text)."""
    data = asdict(form)
    data["variant"] = form.variant.value
    data["moved_on"] = form.moved_on.isoformat() if form.moved_on else None
    data["notified_on"] = form.notified_on.isoformat()
    return data


def form_from_json(data: dict[str, Any]) -> IntakeForm:
    """Read back what :func:`form_to_json` wrote."""
    check = data.get("identity_check")
    identity = None
    if check is not None:
        card = check.get("card_read")
        identity = IdentityCheckRecord(
            notifier_kind=NotifierKind(check["notifier_kind"]),
            notifier_name=check["notifier_name"],
            documents=tuple(check["documents"]),
            power_of_attorney=bool(check.get("power_of_attorney")),
            card_read=CardReadRecord(**card) if card else None,
            notes=check.get("notes", ""),
        )
    destination = data.get("destination")
    mover_fields = {f.name for f in fields(Mover)}
    return IntakeForm(
        variant=Variant(data["variant"]),
        moved_on=dt.date.fromisoformat(data["moved_on"]) if data.get("moved_on") else None,
        notified_on=dt.date.fromisoformat(data["notified_on"]),
        movers=tuple(
            Mover(**{k: v for k, v in m.items() if k in mover_fields}) for m in data["movers"]
        ),
        source_household_no=data.get("source_household_no"),
        destination=Destination(**destination) if destination else None,
        previous_address=data.get("previous_address"),
        moving_to_address=data.get("moving_to_address"),
        move_out_certificate_id=data.get("move_out_certificate_id"),
        reservation_id=data.get("reservation_id"),
        new_householder_atena_no=data.get("new_householder_atena_no"),
        relationship_changes=dict(data.get("relationship_changes") or {}),
        identity_check=identity,
    )
