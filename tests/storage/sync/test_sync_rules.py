"""The centre re-checks the register's rules on every approval (R-SYNC-4, R-INTAKE-2/3).

A terminal is not trusted: an approval that would register the same 個人番号 twice, carry a
bad check digit, give a household two 世帯主 or date a notification after the approval is
refused at the centre with the reason, and nothing of it stays there.
"""

from __future__ import annotations

import copy
import random
import uuid

from stdnum.jp import in_ as individual_number_rule

from madoguchi.app.domain.permissions import Role
from madoguchi.app.services.intake import MoveInService
from madoguchi.app.services.review.service import ReviewService
from madoguchi.storage.models import Person
from madoguchi.storage.sync import list_problems
from tests.app.services.intake.conftest import new_number, newcomer
from tests.app.services.review.test_approval import move_in_form
from tests.storage.sync.scenarios import (
    CLERK,
    OTHER_SUPERVISOR,
    SUPERVISOR,
    family,
    move_within,
    pending_envelopes,
)


def test_the_check_digit_is_the_same_as_python_stdnum(centre) -> None:
    rng = random.Random(20261123)
    numbers = [new_number() for _ in range(40)]
    numbers += ["".join(rng.choice("0123456789") for _ in range(12)) for _ in range(160)]
    numbers += ["12345678901", "1234567890123", "12345678901a", ""]
    with centre.admin() as conn:
        for number in numbers:
            ours = conn.execute("SELECT individual_number_valid(%s)", [number]).fetchone()[0]
            assert ours == individual_number_rule.is_valid(number), number


def move_in(terminal, number: str, *, approve_as: str) -> str:
    mover = newcomer(family_name="重複", family_name_kana="チョウフク", individual_number=number)
    store = terminal.store
    draft = MoveInService(store).save(
        terminal.ctx(Role.CLERK, staff_no=CLERK), move_in_form(store, (mover,))
    )
    ReviewService(store).approve(terminal.ctx(Role.SUPERVISOR, staff_no=approve_as), draft.draft_id)
    return draft.draft_id


def test_two_offline_windows_registering_the_same_newcomer_the_second_is_refused(
    make_terminal, centre
) -> None:
    a, b = make_terminal("TERM-A"), make_terminal("TERM-B")
    # Each window learnt its number lane from the centre: their newcomers' 宛名番号 differ.
    assert a.sync().ok and b.sync().ok
    number = new_number()
    move_in(a, number, approve_as=SUPERVISOR)
    late = move_in(b, number, approve_as=OTHER_SUPERVISOR)
    assert a.sync().push.rejected == 0
    report = b.sync()
    assert report.ok and report.push.rejected == 1 and report.push.conflicts == 0

    assert (
        centre.scalar(
            "SELECT count(*) FROM persons WHERE individual_number = %s AND status = 'current'",
            [number],
        )
        == 1
    )
    assert centre.scalar("SELECT status FROM drafts WHERE draft_id = %s", [late]) == "draft"
    with b.store.transaction() as session:
        (problem,) = list_problems(session)
        assert problem.kind == "rejected" and "同じ個人番号" in problem.reason
        assert number not in problem.reason  # the reason may be logged: no 個人番号 in it
        # B's newcomer went (the centre never had it); A's arrived by pull.
        holders = session.query(Person).filter(Person.individual_number == number).all()
        assert len(holders) == 1 and holders[0].status == "current"


def push_tampered(terminal, change) -> dict:
    """Send the terminal's pending ops with the approval's effect changed by ``change``."""
    ops = pending_envelopes(terminal)
    approval = next(op for op in ops if op["op_type"] == "approve_draft")
    tampered = copy.deepcopy(approval)
    tampered["op_id"] = str(uuid.uuid4())  # a forged op: the real one stays unanswered
    change(tampered["effect"])
    answers = terminal.centre.push([tampered if op is approval else op for op in ops])
    return next(a for a in answers if a["op_id"] == tampered["op_id"])


def test_a_tampered_check_digit_is_refused(make_terminal, centre) -> None:
    a = make_terminal("TERM-A")
    move_in(a, new_number(), approve_as=SUPERVISOR)

    def bad_digit(effect: dict) -> None:
        after = effect["persons"][0]["after"]
        after["individual_number"] = after["individual_number"][:11] + str(
            (int(after["individual_number"][11]) + 1) % 10
        )

    answer = push_tampered(a, bad_digit)
    assert answer["result"] == "rejected" and "検査用数字" in answer["reason"]
    assert centre.scalar("SELECT count(*) FROM persons WHERE family_name = '重複'") == 0


def test_a_second_householder_and_a_future_notification_are_refused(make_terminal, centre):
    a = make_terminal("TERM-A")
    home = family(a.store, 2, offset=50)
    move_within(a, home, "9-1")

    def two_heads(effect: dict) -> None:
        for item in effect["persons"]:
            item["after"]["relationship"] = "世帯主"

    answer = push_tampered(a, two_heads)
    assert answer["result"] == "rejected" and "世帯主が 2 人" in answer["reason"]

    def notified_tomorrow(effect: dict) -> None:
        for item in effect["history"]:
            item["notified_on"] = "2099-01-01"

    answer = push_tampered(a, notified_tomorrow)
    assert answer["result"] == "rejected" and "届出日" in answer["reason"]
    # Untampered, the same approval goes through.
    assert a.sync().push.delivered >= 1
    assert (
        centre.scalar("SELECT banchi FROM persons WHERE atena_no = %s", [home.householder.atena_no])
        == "9-1"
    )
