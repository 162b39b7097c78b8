"""書かない窓口 (R-INTAKE-5): prefill from the card, 転出証明書情報 and 転入予約."""

from __future__ import annotations

import datetime as dt

import pytest

from madoguchi.app.domain.intake import Variant
from madoguchi.app.services.intake.prefill import (
    PrefillService,
    compare_movers,
    merge_card_into,
    mover_from_card,
    record_move_out_certificate,
)
from madoguchi.smartcard.card_data import BasicFour, CardFace
from madoguchi.storage.models import MoveInReservation, ReceivedMoveOutCertificate
from tests.app.services.intake.conftest import TODAY, days_ago, newcomer
from tests.helpers.stores import FIXED_NOW


def face_of(mover) -> CardFace:
    return CardFace(
        mover.individual_number,
        BasicFour(
            name=f"{mover.family_name}　{mover.given_name}",
            address="東京都千代田区霞が関２丁目１番２号",
            birth_date=dt.date.fromisoformat(mover.birth_date),
            sex="male" if mover.sex == "1" else "female",
        ),
        3,
    )


def certificate_for(store, movers, *, purged: bool = False) -> str:
    with store.transaction() as session:
        certificate = record_move_out_certificate(
            session,
            received_at=FIXED_NOW,
            from_municipality_code="131016",
            from_municipality="東京都千代田区",
            former_address="東京都千代田区霞が関二丁目1番2号",
            moving_to_address="架空県みどり市",
            planned_move_on=days_ago(2),
            householder_name=movers[0].name,
            persons=[
                {
                    "family_name": m.family_name,
                    "given_name": m.given_name,
                    "family_name_kana": m.family_name_kana,
                    "given_name_kana": m.given_name_kana,
                    "birth_date": m.birth_date,
                    "sex": m.sex,
                    "relationship": m.relationship,
                    "individual_number": m.individual_number,
                }
                for m in movers
            ],
        )
        if purged:
            certificate.purged_at = FIXED_NOW
        return certificate.certificate_id


def test_card_items_become_a_mover() -> None:
    person = newcomer()
    mover = mover_from_card(face_of(person))
    assert (mover.family_name, mover.given_name) == ("試験", "一郎")
    assert (mover.birth_date, mover.sex) == ("1980-02-17", "1")
    assert mover.individual_number == person.individual_number
    assert mover.family_name_kana == ""


def test_side_by_side_shows_where_card_and_certificate_differ() -> None:
    person = newcomer()
    card = mover_from_card(face_of(person))
    certificate = newcomer(
        given_name="一朗", individual_number=person.individual_number, family_name_kana="シケン"
    )
    rows = {row.label: row for row in compare_movers(card, certificate)}
    assert rows["氏"].same and not rows["名"].same
    assert (rows["名"].left, rows["名"].right) == ("一郎", "一朗")
    assert rows["個人番号"].same
    assert person.individual_number not in repr(rows)


def test_certificate_found_by_number_and_by_kana_and_birth(store, ctx) -> None:
    family = (newcomer(), newcomer("妻", given_name="花子", given_name_kana="ハナコ", sex="2"))
    certificate_id = certificate_for(store, family)
    prefill = PrefillService(store)
    by_number = prefill.certificates_for(ctx, mover_from_card(face_of(family[0])))
    assert [c.certificate_id for c in by_number] == [certificate_id]
    assert by_number[0].names == ("試験　一郎", "試験　花子")
    by_kana = prefill.certificates_for(
        ctx, newcomer(individual_number=None, given_name="花子", given_name_kana="ハナコ")
    )
    assert certificate_id in [c.certificate_id for c in by_kana]


def test_purged_certificates_are_not_offered(store, ctx) -> None:
    person = newcomer(family_name_kana="ショウキョ", birth_date="1990-01-01")
    certificate_for(store, (person,), purged=True)
    assert PrefillService(store).certificates_for(ctx, person) == []


def test_form_from_a_certificate_and_the_card_merge(store, ctx) -> None:
    family = (newcomer(), newcomer("子", given_name="太郎", given_name_kana="タロウ"))
    certificate_id = certificate_for(store, family)
    form = PrefillService(store).form_from_certificate(ctx, certificate_id, notified_on=TODAY)
    assert form.variant == Variant.SPECIAL_MOVE_IN
    assert form.moved_on is None  # standard j480: 異動日 starts empty
    assert [m.relationship for m in form.movers] == ["世帯主", "子"]
    assert form.previous_address == "東京都千代田区霞が関二丁目1番2号"
    merged = merge_card_into(form, 0, mover_from_card(face_of(family[0])))
    assert merged.movers[0].family_name_kana == "シケン"  # the certificate's kana stays


def test_unknown_certificate(store, ctx) -> None:
    with pytest.raises(LookupError):
        PrefillService(store).form_from_certificate(ctx, "no-such-id", notified_on=TODAY)


def test_online_reservation_prefills(store, ctx) -> None:
    person = newcomer()
    with store.transaction() as session:
        session.add(
            MoveInReservation(
                reservation_id="R-1",
                received_at=FIXED_NOW,
                kind="move_in",
                planned_move_on=days_ago(1),
                visit_planned_on=TODAY,
                applicant_individual_number=person.individual_number,
                form={
                    "variant": "domestic_move_in",
                    "movers": [
                        {
                            "family_name": person.family_name,
                            "given_name": person.given_name,
                            "family_name_kana": person.family_name_kana,
                            "given_name_kana": person.given_name_kana,
                            "birth_date": person.birth_date,
                            "sex": person.sex,
                            "relationship": "世帯主",
                        }
                    ],
                    "previous_address": "大阪府大阪市北区中之島一丁目3番20号",
                },
            )
        )
    form = PrefillService(store).reservation_for(ctx, person.individual_number, notified_on=TODAY)
    assert form is not None and form.reservation_id == "R-1"
    assert form.movers[0].given_name_kana == "イチロウ"
    assert PrefillService(store).reservation_for(ctx, "000000000000", notified_on=TODAY) is None
    with store.transaction() as session:
        assert session.get(ReceivedMoveOutCertificate, "R-1") is None
