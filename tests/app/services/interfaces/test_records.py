"""The outbound records of a registered change, built by hand (R-IF, R-MASK-4): no store."""

from __future__ import annotations

import datetime as dt
from typing import Any

from madoguchi.app.services.interfaces.records import (
    CERTIFICATE_DATA_CHANGE,
    CHANGE_EVENT,
    CONVENIENCE,
    FUHYO_NOTICE,
    IDENTITY_INFORMATION,
    IMMIGRATION,
    INTERNAL,
    JLIS_CARD,
    JUKI_CS,
    JUKI_OTHER_MUNICIPALITY,
    KOSEKI_FUHYO,
    MOVE_IN_NOTICE,
    MOVE_OUT_CERTIFICATE,
    QUEUES,
    ConsumerInfo,
    OutboundRecord,
    records_for,
)
from madoguchi.app.services.review.changes import PersonChange, RegisteredChange

TAX = ConsumerInfo("tax", "税務システム", entitled_to_individual_number=True)
LIBRARY = ConsumerInfo("library", "図書館", entitled_to_individual_number=False)
CONSUMERS = (TAX, LIBRARY)
EIGHT_ITEMS = {
    "住民票コード",
    "氏名",
    "生年月日",
    "性別",
    "住所",
    "個人番号",
    "異動事由",
    "異動年月日",
}


def snapshot(atena_no: str, **changes: Any) -> dict[str, Any]:
    """A register row as approval snapshots it (only the columns the builders read, and a
    few bookkeeping ones that must never count as news)."""
    row: dict[str, Any] = {
        "atena_no": atena_no,
        "household_no": "H00000001",
        "individual_number": f"12345678{atena_no[-4:]}",
        "resident_code": f"9876543{atena_no[-4:]}",
        "status": "current",
        "family_name": "緑川",
        "given_name": "太郎",
        "family_name_kana": "ミドリカワ",
        "given_name_kana": "タロウ",
        "birth_date": "1980-04-01",
        "sex": "1",
        "relationship": "世帯主",
        "honseki": "架空県みどり市本町一丁目1番地",
        "hittosha": "緑川　太郎",
        "address_code": "99201001001",
        "banchi": "1-2",
        "address": "架空県みどり市本町一丁目1番2号",
        "katagaki": None,
        "address_set_on": "2020-04-01",
        "move_out_planned_address": None,
        "move_out_planned_on": None,
        "is_foreign": False,
        "nationality": None,
        "residence_status": None,
        "processed_at": "2026-10-01T09:00:00",
        "process_id": "p-before",
        "row_version": 3,
        "kana_key": "ミドリカワタロウ",
    }
    row.update(changes)
    return row


def stamped(row: dict[str, Any]) -> dict[str, Any]:
    """``row`` with new processing stamps, as every approval writes."""
    return row | {"processed_at": "2026-11-02T10:30:00", "process_id": "p-after", "row_version": 4}


def person(
    atena_no: str,
    before: dict[str, Any] | None,
    after: dict[str, Any],
    reason: tuple[str, str] = ("A01", "国内転入"),
) -> PersonChange:
    return PersonChange(
        atena_no=atena_no,
        reason_code=reason[0],
        reason_name=reason[1],
        change_date="2026-10-30",
        notified_on="2026-11-02",
        before=before,
        after=after,
    )


def change(kind: str, variant: str, *persons: PersonChange, **extra: Any) -> RegisteredChange:
    return RegisteredChange(
        draft_id="draft-0001",
        kind=kind,
        variant=variant,
        processed_at=dt.datetime(2026, 11, 2, 10, 30),
        process_id="p-after",
        terminal_id="TEST-T01",
        staff_no="S0005",
        persons=persons,
        **extra,
    )


def of(records: list[OutboundRecord], queue: str) -> list[OutboundRecord]:
    return [r for r in records if r.queue == queue]


def keys_anywhere(value: object) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in keys_anywhere(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys_anywhere(v)}
    return set()


def move_in() -> RegisteredChange:
    return change(
        "move_in",
        "domestic_move_in",
        person("000000000001001", None, stamped(snapshot("000000000001001"))),
        person(
            "000000000001002",
            None,
            stamped(snapshot("000000000001002", given_name="花子", sex="2", relationship="妻")),
        ),
        former_address="大阪府大阪市北区中之島一丁目3番20号",
    )


def test_move_in_gives_one_identity_record_per_person_and_one_move_in_notice() -> None:
    records = records_for(move_in(), CONSUMERS)
    identity = of(records, JUKI_CS)
    assert [r.atena_no for r in identity] == ["000000000001001", "000000000001002"]
    for record in identity:
        assert record.record_type == IDENTITY_INFORMATION
        assert set(record.payload) >= EIGHT_ITEMS
        assert record.payload["異動事由"] == "国内転入"
        assert record.payload["異動年月日"] == "2026-10-30"
        assert record.payload["changed_items"] == [
            "住民票コード",
            "氏名",
            "生年月日",
            "性別",
            "住所",
            "個人番号",
        ]
    assert identity[1].payload["氏名"] == "緑川　花子"
    assert identity[0].payload["個人番号"] == "123456781001"
    [notice] = of(records, JUKI_OTHER_MUNICIPALITY)
    assert notice.record_type == MOVE_IN_NOTICE and notice.atena_no is None
    assert notice.payload["転入前住所"] == "大阪府大阪市北区中之島一丁目3番20号"
    assert [p["宛名番号"] for p in notice.payload["異動者"]] == [
        "000000000001001",
        "000000000001002",
    ]


def test_records_come_queue_by_queue_in_person_order_and_deterministically() -> None:
    records = records_for(move_in(), CONSUMERS)
    positions = [QUEUES.index(r.queue) for r in records]
    assert positions == sorted(positions)
    internal = [(r.atena_no, r.payload["連携先"]) for r in of(records, INTERNAL)]
    assert internal == [
        ("000000000001001", "tax"),
        ("000000000001001", "library"),
        ("000000000001002", "tax"),
        ("000000000001002", "library"),
    ]
    assert records_for(move_in(), CONSUMERS) == records


def test_a_move_from_abroad_sends_no_move_in_notice() -> None:
    arrival = change(
        "move_in",
        "move_in_from_abroad",
        person("000000000001001", None, stamped(snapshot("000000000001001"))),
    )
    records = records_for(arrival, CONSUMERS)
    assert of(records, JUKI_OTHER_MUNICIPALITY) == []
    assert len(of(records, JUKI_CS)) == 1


def test_move_within_changes_only_the_address() -> None:
    before = snapshot("000000000002001")
    after = stamped(
        before
        | {
            "address_code": "99201002001",
            "banchi": "5-6",
            "address": "架空県みどり市緑町二丁目5番6号",
            "address_set_on": "2026-10-30",
            "kana_key": before["kana_key"],
        }
    )
    moved = change(
        "move_within", "move_within", person(before["atena_no"], before, after, ("C01", "転居"))
    )
    records = records_for(moved, CONSUMERS)
    [identity] = of(records, JUKI_CS)
    assert identity.payload["異動事由"] == "転居"
    assert identity.payload["changed_items"] == ["住所"]
    assert identity.payload["住所"] == "架空県みどり市緑町二丁目5番6号"
    [fuhyo] = of(records, KOSEKI_FUHYO)
    assert fuhyo.record_type == FUHYO_NOTICE and fuhyo.payload["changed_items"] == ["住所"]
    assert of(records, JUKI_OTHER_MUNICIPALITY) == []
    [tax, library] = of(records, INTERNAL)
    assert library.payload["changed_columns"] == tax.payload["changed_columns"]
    assert tax.payload["changed_columns"] == ["address", "address_code", "address_set_on", "banchi"]
    assert tax.payload["after"]["address"] == "架空県みどり市緑町二丁目5番6号"
    [convenience] = of(records, CONVENIENCE)
    assert convenience.record_type == CERTIFICATE_DATA_CHANGE
    assert convenience.payload["発行抑止"] is False


def test_householder_change_gives_no_identity_record() -> None:
    head, wife = (
        snapshot("000000000003001"),
        snapshot("000000000003002", given_name="花子", sex="2", relationship="妻"),
    )
    swapped = change(
        "household_change",
        "householder_change",
        person(
            head["atena_no"], head, stamped(head | {"relationship": "夫"}), ("C13", "世帯主変更")
        ),
        person(
            wife["atena_no"],
            wife,
            stamped(wife | {"relationship": "世帯主"}),
            ("C13", "世帯主変更"),
        ),
    )
    records = records_for(swapped, CONSUMERS)
    assert of(records, JUKI_CS) == []
    assert of(records, KOSEKI_FUHYO) == []
    assert of(records, JLIS_CARD) == []
    events = of(records, INTERNAL)
    assert len(events) == 4
    assert all(e.payload["changed_columns"] == ["relationship"] for e in events)
    assert len(of(records, CONVENIENCE)) == 2


def test_internal_events_strip_the_number_for_consumers_not_entitled() -> None:
    records = records_for(move_in(), CONSUMERS)
    for event in of(records, INTERNAL):
        assert event.record_type == CHANGE_EVENT
        keys = keys_anywhere(event.payload)
        if event.payload["連携先"] == "library":
            assert not {"individual_number", "個人番号"} & keys
            assert "individual_number" not in event.payload["changed_columns"]
        else:
            assert "individual_number" in keys
            assert event.payload["after"]["individual_number"].startswith("12345678")
    # Stamps and search keys are this system's bookkeeping, never news.
    assert all("kana_key" not in e.payload["after"] for e in of(records, INTERNAL))
    assert all(
        "individual_number" not in keys_anywhere(r.payload) for r in of(records, CONVENIENCE)
    )


def test_a_number_change_alone_reaches_only_entitled_consumers() -> None:
    before = snapshot("000000000004001")
    after = stamped(before | {"individual_number": "999999999999"})
    renumbered = change(
        "correction",
        "correction",
        person(before["atena_no"], before, after, ("C05", "個人番号の変更請求")),
    )
    records = records_for(renumbered, CONSUMERS)
    assert [e.payload["連携先"] for e in of(records, INTERNAL)] == ["tax"]
    assert of(records, JUKI_CS)[0].payload["changed_items"] == ["個人番号"]


def test_foreign_resident_gets_a_municipal_notice_and_no_fuhyo() -> None:
    arrival = snapshot(
        "000000000005001",
        family_name="SMITH",
        given_name="JOHN",
        is_foreign=True,
        nationality="英国",
        residence_status="技術・人文知識・国際業務",
        honseki=None,
        hittosha=None,
    )
    records = records_for(
        change("move_in", "domestic_move_in", person(arrival["atena_no"], None, stamped(arrival))),
        CONSUMERS,
    )
    [notice] = of(records, IMMIGRATION)
    assert notice.payload["国籍・地域"] == "英国"
    assert notice.payload["在留資格"] == "技術・人文知識・国際業務"
    assert "在留資格" in notice.payload["changed_items"]
    assert of(records, KOSEKI_FUHYO) == []
    japanese = records_for(move_in(), CONSUMERS)
    assert of(japanese, IMMIGRATION) == []
    assert len(of(japanese, KOSEKI_FUHYO)) == 2


def test_special_move_out_sends_move_out_certificate_information() -> None:
    before = snapshot("000000000006001")
    after = stamped(
        before
        | {
            "status": "removed",
            "move_out_planned_address": "東京都千代田区霞が関二丁目1番2号",
            "move_out_planned_on": "2026-11-10",
        }
    )
    leaving = change(
        "move_out",
        "special_move_out",
        person(before["atena_no"], before, after, ("B01", "国内転出")),
        moving_to_address="東京都千代田区霞が関二丁目1番2号",
    )
    records = records_for(leaving, CONSUMERS)
    [certificate] = of(records, JUKI_OTHER_MUNICIPALITY)
    assert certificate.record_type == MOVE_OUT_CERTIFICATE
    payload = certificate.payload
    assert payload["転出先住所"] == "東京都千代田区霞が関二丁目1番2号"
    assert payload["転出予定年月日"] == "2026-11-10"
    assert payload["世帯主氏名"] == "緑川　太郎"
    [mover] = payload["異動者"]
    assert mover["個人番号"] == before["individual_number"]
    assert (mover["氏フリガナ"], mover["生年月日"], mover["性別"]) == (
        "ミドリカワ",
        "1980-04-01",
        "1",
    )
    [fuhyo] = of(records, KOSEKI_FUHYO)
    assert fuhyo.payload["転出先住所"] == "東京都千代田区霞が関二丁目1番2号"
    assert of(records, JLIS_CARD) == []
    plain = change(
        "move_out", "move_out", person(before["atena_no"], before, after, ("B01", "国内転出"))
    )
    assert of(records_for(plain, CONSUMERS), JUKI_OTHER_MUNICIPALITY) == []


def test_a_new_number_holder_gets_send_to_information() -> None:
    newborn = snapshot("000000000007001", given_name="陽向", birth_date="2026-10-20")
    born = change(
        "move_in",
        "move_in_from_abroad",
        person(newborn["atena_no"], None, stamped(newborn), ("A03", "出生")),
        households_after={"H00000001": {"household_no": "H00000001", "postal_code": "9990001"}},
    )
    [send_to] = of(records_for(born, CONSUMERS), JLIS_CARD)
    assert send_to.payload["氏名"] == "緑川　陽向"
    assert send_to.payload["送付先住所"] == "架空県みどり市本町一丁目1番2号"
    assert send_to.payload["送付先郵便番号"] == "9990001"
    assert send_to.payload["生年月日"] == "2026-10-20"
    # A resident who already held a number is no new holder: a 転居 sends none.
    before = snapshot("000000000007002")
    moved = change(
        "move_within",
        "move_within",
        person(
            before["atena_no"], before, stamped(before | {"address": "別の住所"}), ("C01", "転居")
        ),
    )
    assert of(records_for(moved, CONSUMERS), JLIS_CARD) == []
    # Entering without a number: nothing to send yet.
    numberless = snapshot("000000000007003", individual_number=None)
    arrival = change(
        "move_in", "move_in_from_abroad", person(numberless["atena_no"], None, numberless)
    )
    assert of(records_for(arrival, CONSUMERS), JLIS_CARD) == []


def test_the_issuance_suppression_flag_goes_to_the_convenience_feed() -> None:
    before = snapshot("000000000008001")
    after = stamped(before | {"issuance_suppressed": True, "katagaki": "みどり荘101"})
    flagged = change(
        "correction", "correction", person(before["atena_no"], before, after, ("C03", "職権修正"))
    )
    [record] = of(records_for(flagged, CONSUMERS), CONVENIENCE)
    assert record.payload["発行抑止"] is True
    assert record.payload["after"]["katagaki"] == "みどり荘101"
