"""Who may ask for what on a certificate (R-CERT-2, R-CERT-3, R-CERT-7), as pure rules."""

from __future__ import annotations

import pytest

from madoguchi.app.domain.certificates import (
    DEFAULT_ITEMS,
    CertificateKind,
    CertificateRefused,
    Delivery,
    OptionalItem,
    RequesterKind,
    RequestFacts,
    decide,
)

COPY = CertificateKind.RESIDENT_COPY
SELF_FACTS = RequestFacts(requester_is_person=True, requester_in_household=True)
AGENT_FACTS = RequestFacts(principal_entitled=True)
NUMBER = frozenset({OptionalItem.INDIVIDUAL_NUMBER})


def printed(decision) -> set[OptionalItem]:
    return set(decision.printed_items)


def test_defaults_omit_the_numbers_and_the_honseki() -> None:
    decision = decide(COPY, RequesterKind.SELF, DEFAULT_ITEMS, SELF_FACTS)
    assert printed(decision) == {OptionalItem.HOUSEHOLDER, OptionalItem.PREVIOUS_ADDRESS}
    reasons = {choice.item: choice.reason for choice in decision.items}
    assert reasons[OptionalItem.INDIVIDUAL_NUMBER] == "特別の請求がないため省略"
    assert reasons[OptionalItem.HONSEKI] == "特別の請求がないため省略"
    # Japanese residents only: the foreign residents' items are not even listed.
    assert OptionalItem.NATIONALITY not in {choice.item for choice in decision.items}
    assert decision.fee_per_copy == 300 and decision.delivery is Delivery.COUNTER


def test_the_person_and_the_household_may_have_every_item() -> None:
    every = frozenset(OptionalItem)
    for kind in (RequesterKind.SELF, RequesterKind.HOUSEHOLD_MEMBER):
        decision = decide(
            COPY, kind, every, RequestFacts(requester_in_household=True, requester_is_person=True)
        )
        assert OptionalItem.INDIVIDUAL_NUMBER in printed(decision)
        assert OptionalItem.RESIDENT_CODE in printed(decision)
        assert decision.delivery is Delivery.COUNTER


def test_a_third_party_asking_for_the_individual_number_is_refused() -> None:
    facts = RequestFacts()
    with pytest.raises(CertificateRefused, match="第三者からの請求では個人番号を記載できません"):
        decide(COPY, RequesterKind.THIRD_PARTY, DEFAULT_ITEMS | NUMBER, facts, reason="相続手続き")
    with pytest.raises(CertificateRefused, match="住民票コード"):
        decide(
            COPY,
            RequesterKind.THIRD_PARTY,
            frozenset({OptionalItem.RESIDENT_CODE}),
            facts,
            reason="相続手続き",
        )


def test_a_third_party_needs_a_stated_reason() -> None:
    with pytest.raises(CertificateRefused, match="正当な理由"):
        decide(COPY, RequesterKind.THIRD_PARTY, DEFAULT_ITEMS, RequestFacts(), reason=" ")
    decision = decide(
        COPY,
        RequesterKind.THIRD_PARTY,
        DEFAULT_ITEMS,
        RequestFacts(),
        reason="債権回収のため（裁判所へ提出）",
    )
    assert not decision.printed(OptionalItem.INDIVIDUAL_NUMBER)


def test_an_agent_gets_the_number_only_by_mail_to_the_principal() -> None:
    decision = decide(
        COPY, RequesterKind.AGENT, DEFAULT_ITEMS | NUMBER, AGENT_FACTS, power_of_attorney=True
    )
    assert decision.printed(OptionalItem.INDIVIDUAL_NUMBER)
    assert decision.delivery is Delivery.MAIL_TO_PRINCIPAL
    assert "郵送" in decision.delivery_reason
    # Without the numbers the agent takes the copy at the counter.
    plain = decide(COPY, RequesterKind.AGENT, DEFAULT_ITEMS, AGENT_FACTS, power_of_attorney=True)
    assert plain.delivery is Delivery.COUNTER


def test_an_agent_needs_a_power_of_attorney_from_an_entitled_principal() -> None:
    with pytest.raises(CertificateRefused, match="委任状"):
        decide(COPY, RequesterKind.AGENT, DEFAULT_ITEMS, AGENT_FACTS)
    with pytest.raises(CertificateRefused, match="委任者"):
        decide(COPY, RequesterKind.AGENT, DEFAULT_ITEMS, RequestFacts(), power_of_attorney=True)


def test_self_and_household_claims_must_hold() -> None:
    with pytest.raises(CertificateRefused, match="対象者に含まれていません"):
        decide(COPY, RequesterKind.SELF, DEFAULT_ITEMS, RequestFacts(requester_in_household=True))
    with pytest.raises(CertificateRefused, match="同一の世帯に属していません"):
        decide(COPY, RequesterKind.HOUSEHOLD_MEMBER, DEFAULT_ITEMS, RequestFacts())


def test_identity_must_be_confirmed() -> None:
    facts = RequestFacts(requester_is_person=True, identity_confirmed=False)
    with pytest.raises(CertificateRefused, match="本人確認"):
        decide(COPY, RequesterKind.SELF, DEFAULT_ITEMS, facts)


def test_official_requests_are_free_and_marked() -> None:
    decision = decide(
        COPY,
        RequesterKind.OFFICIAL,
        DEFAULT_ITEMS,
        RequestFacts(),
        reason="国民健康保険法第113条",
        copies=2,
    )
    assert decision.official and decision.fee_per_copy == 0
    with pytest.raises(CertificateRefused, match="根拠"):
        decide(COPY, RequesterKind.OFFICIAL, DEFAULT_ITEMS, RequestFacts())


def test_fees_are_configured_per_kind() -> None:
    fees = {CertificateKind.REMOVED_COPY: 350}
    decision = decide(
        CertificateKind.REMOVED_COPY, RequesterKind.SELF, DEFAULT_ITEMS, SELF_FACTS, fees=fees
    )
    assert decision.fee_per_copy == 350
    assert (
        decide(COPY, RequesterKind.SELF, DEFAULT_ITEMS, SELF_FACTS, fees=fees).fee_per_copy == 300
    )


def test_a_move_out_certificate_has_fixed_items_and_no_third_party() -> None:
    decision = decide(CertificateKind.MOVE_OUT, RequesterKind.SELF, DEFAULT_ITEMS, SELF_FACTS)
    assert {OptionalItem.HOUSEHOLDER, OptionalItem.HONSEKI, OptionalItem.RESIDENT_CODE} <= printed(
        decision
    )
    assert not decision.printed(OptionalItem.HISTORY)
    with pytest.raises(CertificateRefused, match="転出証明書"):
        decide(
            CertificateKind.MOVE_OUT,
            RequesterKind.THIRD_PARTY,
            DEFAULT_ITEMS,
            RequestFacts(),
            reason="確認のため",
        )


def test_foreign_items_are_chosen_for_foreign_residents() -> None:
    facts = RequestFacts(requester_is_person=True, has_foreign=True, has_japanese=False)
    wanted = DEFAULT_ITEMS - {OptionalItem.RESIDENCE_CARD_NO}
    decision = decide(COPY, RequesterKind.SELF, wanted, facts)
    assert decision.printed(OptionalItem.NATIONALITY)
    assert not decision.printed(OptionalItem.RESIDENCE_CARD_NO)
    assert OptionalItem.HONSEKI not in {choice.item for choice in decision.items}


def test_copies_are_bounded() -> None:
    with pytest.raises(CertificateRefused, match="通数"):
        decide(COPY, RequesterKind.SELF, DEFAULT_ITEMS, SELF_FACTS, copies=0)
