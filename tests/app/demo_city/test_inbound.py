"""The demo city's incoming families: their 転出証明書情報 arrived and their cards match."""

from __future__ import annotations

from stdnum.jp import in_ as individual_number_rule

from madoguchi.app.demo_city.inbound import INCOMING_FAMILIES, incoming_cards
from madoguchi.app.domain.intake import Mover
from madoguchi.app.domain.permissions import Role
from madoguchi.app.services.intake.prefill import PrefillService
from madoguchi.storage.models import ReceivedMoveOutCertificate
from tests.helpers.stores import context


def test_every_family_has_its_certificate_and_cards(demo_store) -> None:
    with demo_store.transaction() as session:
        for family in INCOMING_FAMILIES:
            certificate = session.get(ReceivedMoveOutCertificate, family.certificate_id)
            assert certificate is not None
            assert [p["given_name"] for p in certificate.persons] == [
                m.given_name for m in family.members
            ]
    cards = incoming_cards()
    assert len(cards) == sum(len(f.members) for f in INCOMING_FAMILIES)
    assert all(individual_number_rule.is_valid(c.individual_number) for c in cards)


def test_a_card_finds_its_family_certificate(demo_store) -> None:
    card = incoming_cards()[1]
    found = PrefillService(demo_store).certificates_for(
        context(Role.CLERK), Mover(individual_number=card.individual_number)
    )
    assert [c.certificate_id for c in found] == [INCOMING_FAMILIES[0].certificate_id]
    assert found[0].names == ("森本　健太", "森本　美咲", "森本　陽向")
