"""The outbound interface records of one registered change (REQUIREMENTS §10, R-IF-1, R-MASK-4).

Pure builders: :func:`records_for` reads a :class:`RegisteredChange` (the register before and
after one approval) and the 庁内連携 consumers, and says which records each queue gets. It
touches no store, so the rules are tested without one; ``queue.py`` writes the result.

Records come queue by queue in :data:`QUEUES` order and, within a queue, in the order of
``change.persons`` (庁内連携: then in the order of ``consumers``). The same input always
gives the same records. docs/interfaces.md describes every layout.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from madoguchi.app.services.review.changes import PersonChange, RegisteredChange, Snapshot

JUKI_CS = "juki_cs"
JUKI_OTHER_MUNICIPALITY = "juki_other_municipality"
KOSEKI_FUHYO = "koseki_fuhyo"
IMMIGRATION = "immigration"
JLIS_CARD = "jlis_card"
INTERNAL = "internal"
CONVENIENCE = "convenience"

QUEUES: tuple[str, ...] = (
    JUKI_CS,
    JUKI_OTHER_MUNICIPALITY,
    KOSEKI_FUHYO,
    IMMIGRATION,
    JLIS_CARD,
    INTERNAL,
    CONVENIENCE,
)
"""Every queue, in the fixed order records are built and shown."""

QUEUE_LABELS: dict[str, str] = {
    JUKI_CS: "住基ネット（市町村CS）",
    JUKI_OTHER_MUNICIPALITY: "住基ネット（他市町村）",
    KOSEKI_FUHYO: "戸籍の附票",
    IMMIGRATION: "出入国在留管理庁",
    JLIS_CARD: "個人番号カード管理システム（J-LIS）",
    INTERNAL: "庁内連携",
    CONVENIENCE: "コンビニ交付",
}

# Record types are the names of REQUIREMENTS §10 (and of the standard, j1090).
IDENTITY_INFORMATION = "本人確認情報"
MOVE_IN_NOTICE = "転入通知"
MOVE_OUT_CERTIFICATE = "転出証明書情報"
FUHYO_NOTICE = "戸籍の附票記載事項通知"
MUNICIPAL_NOTICE = "市町村通知"
SEND_TO_INFORMATION = "送付先情報"
CHANGE_EVENT = "異動連携"
CERTIFICATE_DATA_CHANGE = "証明書データ更新"

# 転入 from within Japan: the former municipality gets a 転入通知 (住基法 §9-1).
DOMESTIC_MOVE_IN_VARIANTS = frozenset({"domestic_move_in", "special_move_in", "returning_move_in"})
SPECIAL_MOVE_OUT_VARIANT = "special_move_out"

ISSUANCE_SUPPRESSED = "issuance_suppressed"
"""Snapshot column of the 発行抑止 flag (absent from the snapshot: not suppressed)."""

INDIVIDUAL_NUMBER = "individual_number"

# Payload keys are the items' names as the layouts of the standard call them; a register
# item is read from its column, 氏名 and 住所 are composed.
ITEM_COLUMNS: dict[str, str] = {
    "宛名番号": "atena_no",
    "世帯番号": "household_no",
    "住民票コード": "resident_code",
    "氏": "family_name",
    "名": "given_name",
    "氏フリガナ": "family_name_kana",
    "名フリガナ": "given_name_kana",
    "生年月日": "birth_date",
    "性別": "sex",
    "続柄": "relationship",
    "個人番号": INDIVIDUAL_NUMBER,
    "本籍": "honseki",
    "筆頭者": "hittosha",
    "住所を定めた年月日": "address_set_on",
    "氏名（アルファベット）": "alphabet_name",
    "国籍・地域": "nationality",
    "第30条の45規定区分": "residence_category",
    "在留資格": "residence_status",
    "在留期間": "period_of_stay",
    "在留期間の満了の日": "stay_expires_on",
    "在留カード等の番号": "residence_card_no",
}
NUMBER_KEY = "個人番号"
REMOVED_KEY = "除票"
CHANGED_ITEMS = "changed_items"
CHANGED_COLUMNS = "changed_columns"
AFTER = "after"

# Processing stamps and derived search keys: bookkeeping of this system, not news for others.
BOOKKEEPING_COLUMNS = frozenset(
    {
        "processed_at",
        "process_id",
        "terminal_id",
        "staff_no",
        "row_version",
        "kana_key",
        "given_kana_key",
        "name_key",
        "given_name_key",
    }
)

# The items of a 市町村通知 (住基法 §30-50): the foreign resident's items and the address.
FOREIGN_RESIDENT_ITEMS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("氏名", ("family_name", "given_name", "alphabet_name")),
    ("生年月日", ("birth_date",)),
    ("性別", ("sex",)),
    ("国籍・地域", ("nationality",)),
    ("住所", ("address", "katagaki")),
    ("第30条の45規定区分", ("residence_category",)),
    ("在留資格", ("residence_status",)),
    ("在留期間", ("period_of_stay",)),
    ("在留期間の満了の日", ("stay_expires_on",)),
    ("在留カード等の番号", ("residence_card_no",)),
)
FUHYO_ITEMS = ("氏名", "住所")


@dataclass(frozen=True)
class ConsumerInfo:
    """A 庁内連携 consumer as the builders need it (R-MASK-4)."""

    consumer_id: str
    name: str
    entitled_to_individual_number: bool


@dataclass(frozen=True)
class OutboundRecord:
    """One record for one queue; ``payload`` is plain JSON (strings, numbers, lists)."""

    queue: str
    record_type: str
    atena_no: str | None
    payload: dict[str, Any]


def records_for(
    change: RegisteredChange, consumers: Sequence[ConsumerInfo]
) -> list[OutboundRecord]:
    """Every outbound record of ``change``, queue by queue, person by person."""
    return [
        *identity_information(change),
        *other_municipality_records(change),
        *fuhyo_notices(change),
        *municipal_notices(change),
        *send_to_information(change),
        *change_events(change, consumers),
        *certificate_data_changes(change),
    ]


# -- 住基ネット -------------------------------------------------------------------------------


def identity_information(change: RegisteredChange) -> list[OutboundRecord]:
    """本人確認情報: one per person whose items changed, or who entered or left."""
    records = []
    for person in change.persons:
        items = person.changed_identity_items()
        if not items:
            continue
        payload = {
            **_items(person.after, "宛名番号", "住民票コード", "氏名", "生年月日", "性別", "住所"),
            **_items(person.after, NUMBER_KEY),
            **_reason(person),
            CHANGED_ITEMS: items,
        }
        records.append(OutboundRecord(JUKI_CS, IDENTITY_INFORMATION, person.atena_no, payload))
    return records


_MOVER_ITEMS = (
    "宛名番号",
    "氏",
    "名",
    "氏フリガナ",
    "名フリガナ",
    "生年月日",
    "性別",
    "続柄",
    NUMBER_KEY,
    "住民票コード",
    "本籍",
    "筆頭者",
)


def other_municipality_records(change: RegisteredChange) -> list[OutboundRecord]:
    """転入通知 to the former municipality, or 転出証明書情報 to the new one (特例転出)."""
    if change.kind == "move_in" and change.variant in DOMESTIC_MOVE_IN_VARIANTS:
        movers = [p for p in change.persons if p.entered]
        if not movers:
            return []
        payload: dict[str, Any] = {
            "転入前住所": change.former_address,
            "転入年月日": movers[0].change_date,
            "届出年月日": movers[0].notified_on,
            "異動者": [_items(p.after, *_MOVER_ITEMS, "住所") for p in movers],
        }
        return [OutboundRecord(JUKI_OTHER_MUNICIPALITY, MOVE_IN_NOTICE, None, payload)]
    if change.variant == SPECIAL_MOVE_OUT_VARIANT:
        leavers = [p for p in change.persons if p.left]
        if not leavers:
            return []
        first = leavers[0].after
        householder = next(
            (p.after for p in leavers if p.after.get("relationship") == "世帯主"), None
        )
        payload = {
            "証明書ID": change.draft_id,
            "住所": full_address(first),
            "転出先住所": change.moving_to_address,
            "転出予定年月日": first.get("move_out_planned_on") or leavers[0].change_date,
            "届出年月日": leavers[0].notified_on,
            "世帯主氏名": full_name(householder) if householder else None,
            "異動者": [_items(p.after, *_MOVER_ITEMS) for p in leavers],
        }
        return [OutboundRecord(JUKI_OTHER_MUNICIPALITY, MOVE_OUT_CERTIFICATE, None, payload)]
    return []


# -- 戸籍の附票, 出入国在留管理庁, J-LIS ---------------------------------------------------------


def fuhyo_notices(change: RegisteredChange) -> list[OutboundRecord]:
    """戸籍の附票 記載事項通知: Japanese residents with a 本籍 whose address or name changed."""
    records = []
    for person in change.persons:
        after = person.after
        if after.get("is_foreign") or not after.get("honseki"):
            continue
        items = [i for i in person.changed_identity_items() if i in FUHYO_ITEMS]
        if not items:
            continue
        payload = {
            **_items(after, "宛名番号", "本籍", "筆頭者", "住民票コード", "氏名", "生年月日"),
            **_items(after, "性別", "住所", "住所を定めた年月日"),
            REMOVED_KEY: after.get("status") == "removed",
            "転出先住所": after.get("move_out_planned_address") if person.left else None,
            **_reason(person),
            CHANGED_ITEMS: items,
        }
        records.append(OutboundRecord(KOSEKI_FUHYO, FUHYO_NOTICE, person.atena_no, payload))
    return records


def municipal_notices(change: RegisteredChange) -> list[OutboundRecord]:
    """市町村通知: foreign residents whose items changed, or who entered or left."""
    records = []
    for person in change.persons:
        after, before = person.after, person.before or {}
        if not (after.get("is_foreign") or before.get("is_foreign")):
            continue
        changed = person.changed_columns()
        if person.entered or person.left:
            items = [label for label, _ in FOREIGN_RESIDENT_ITEMS]
        else:
            items = [label for label, cols in FOREIGN_RESIDENT_ITEMS if changed & set(cols)]
        if not items:
            continue
        payload = {
            **_items(after, "宛名番号", "氏名", "氏名（アルファベット）", "生年月日", "性別"),
            **_items(after, "国籍・地域", "住所", "第30条の45規定区分", "在留資格", "在留期間"),
            **_items(after, "在留期間の満了の日", "在留カード等の番号"),
            REMOVED_KEY: after.get("status") == "removed",
            **_reason(person),
            CHANGED_ITEMS: items,
        }
        records.append(OutboundRecord(IMMIGRATION, MUNICIPAL_NOTICE, person.atena_no, payload))
    return records


def send_to_information(change: RegisteredChange) -> list[OutboundRecord]:
    """送付先情報: a current resident who now holds a 個人番号 and held none before."""
    records = []
    for person in change.persons:
        after = person.after
        had_number = person.before is not None and bool(person.before.get(INDIVIDUAL_NUMBER))
        if after.get("status") != "current" or not after.get(INDIVIDUAL_NUMBER) or had_number:
            continue
        household = change.households_after.get(str(after.get("household_no")), {})
        payload = {
            **_items(after, "宛名番号", NUMBER_KEY, "住民票コード", "氏名", "氏名フリガナ"),
            **_items(after, "生年月日", "性別"),
            "送付先郵便番号": household.get("postal_code"),
            "送付先住所": full_address(after),
            **_reason(person),
        }
        records.append(OutboundRecord(JLIS_CARD, SEND_TO_INFORMATION, person.atena_no, payload))
    return records


# -- 庁内連携, コンビニ交付 ------------------------------------------------------------------


def visible_changes(person: PersonChange) -> list[str]:
    """Changed register columns other systems hear of (no stamps or search keys), sorted."""
    return sorted(person.changed_columns() - BOOKKEEPING_COLUMNS)


def change_events(
    change: RegisteredChange, consumers: Sequence[ConsumerInfo]
) -> list[OutboundRecord]:
    """庁内連携: one change event per consumer per changed person.

    A consumer not entitled to the 個人番号 never gets the key, not even in the list of
    changed columns; when the 個人番号 was all that changed, it gets no event.
    """
    records = []
    for person in change.persons:
        columns = visible_changes(person)
        for consumer in consumers:
            shown = _strip_number(columns, consumer.entitled_to_individual_number)
            if not shown:
                continue
            payload = {
                "連携先": consumer.consumer_id,
                **_items(person.after, "宛名番号", "世帯番号"),
                **_reason(person),
                CHANGED_COLUMNS: shown,
                AFTER: {column: person.after.get(column) for column in shown},
            }
            records.append(OutboundRecord(INTERNAL, CHANGE_EVENT, person.atena_no, payload))
    return records


def certificate_data_changes(change: RegisteredChange) -> list[OutboundRecord]:
    """コンビニ交付: one per changed person, with the 発行抑止 flag (absent: false).

    The feed carries no 個人番号: a certificate showing it is issued at the counter.
    """
    records = []
    for person in change.persons:
        shown = _strip_number(visible_changes(person), entitled=False)
        if not shown:
            continue
        after = person.after
        payload = {
            **_items(after, "宛名番号", "世帯番号"),
            REMOVED_KEY: after.get("status") == "removed",
            **_reason(person),
            CHANGED_COLUMNS: shown,
            AFTER: {column: after.get(column) for column in shown},
            "発行抑止": bool(after.get(ISSUANCE_SUPPRESSED, False)),
        }
        records.append(
            OutboundRecord(CONVENIENCE, CERTIFICATE_DATA_CHANGE, person.atena_no, payload)
        )
    return records


# -- shared parts ----------------------------------------------------------------------------


def full_name(snapshot: Snapshot) -> str:
    """氏名 as on the register: family and given name joined by U+3000."""
    return _join(snapshot.get("family_name"), snapshot.get("given_name"))


def full_address(snapshot: Snapshot) -> str:
    """住所 with the 方書 after U+3000, when there is one."""
    return _join(snapshot.get("address"), snapshot.get("katagaki"))


def full_name_kana(snapshot: Snapshot) -> str:
    """氏名 in フリガナ, family and given joined by U+3000."""
    return _join(snapshot.get("family_name_kana"), snapshot.get("given_name_kana"))


_COMPOSED: dict[str, Callable[[Snapshot], str]] = {
    "氏名": full_name,
    "住所": full_address,
    "氏名フリガナ": full_name_kana,
}


def _items(snapshot: Snapshot, *keys: str) -> dict[str, Any]:
    return {
        key: _COMPOSED[key](snapshot) if key in _COMPOSED else snapshot.get(ITEM_COLUMNS[key])
        for key in keys
    }


def _join(*parts: object) -> str:
    return "　".join(str(p) for p in parts if p)


def _reason(person: PersonChange) -> dict[str, Any]:
    return {
        "異動事由": person.reason_name,
        "異動事由コード": person.reason_code,
        "異動年月日": person.change_date,
        "届出年月日": person.notified_on,
    }


def _strip_number(columns: Iterable[str], entitled: bool) -> list[str]:
    return [c for c in columns if entitled or c != INDIVIDUAL_NUMBER]
