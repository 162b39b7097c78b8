"""What reaches the logs: never a password, PIN or 個人番号 (Standards: Security)."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from madoguchi.app.demo_city.credentials import DEMO_PASSWORD
from madoguchi.app.domain.individual_number import IndividualNumber
from madoguchi.app.logs import RedactNumbers, redact
from madoguchi.app.services.auth import LoginRefused
from madoguchi.app.services.counter import CounterServices
from madoguchi.app.services.masking import RestrictedItem
from madoguchi.app.services.search import SearchCriteria
from madoguchi.storage.models import Person
from madoguchi.storage.store import LocalStore
from tests.helpers.log_scan import leaks


def test_redact_masks_valid_individual_numbers_only() -> None:
    number = IndividualNumber.parse("123456789018").value
    assert redact(f"found {number} in row") == "found ●●●● ●●●● ●●●● in row"
    assert redact("order 123456789012 is not one") == "order 123456789012 is not one"
    assert redact("1234 5678 9018") == "●●●● ●●●● ●●●●"


def test_the_filter_redacts_arguments_too() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "number %s", ("123456789018",), None)
    RedactNumbers().filter(record)
    assert "123456789018" not in record.getMessage()


def test_a_working_session_logs_no_secret(
    demo_store: LocalStore, caplog: pytest.LogCaptureFixture
) -> None:
    services = CounterServices.build(demo_store, "TEST-T01")
    with demo_store.transaction() as session:
        person = session.scalars(
            select(Person).where(Person.individual_number.is_not(None))
        ).first()
    assert person is not None and person.individual_number
    with caplog.at_level(logging.DEBUG):
        with pytest.raises(LoginRefused):
            services.auth.login("S0005", "a-wrong-password-77")
        ctx = services.auth.login("S0005", DEMO_PASSWORD)  # a supervisor
        services.search.search(ctx, SearchCriteria(individual_number=person.individual_number))
        services.register_view.person(ctx, person.atena_no)
        services.reveal.reveal(ctx, person.atena_no, RestrictedItem.INDIVIDUAL_NUMBER, "本人確認")
    text = caplog.text
    assert DEMO_PASSWORD not in text and "a-wrong-password-77" not in text
    assert not leaks([text])
    # The scanner the whole run goes through would catch the number had it been logged.
    assert leaks([f"shown {person.individual_number}"])
