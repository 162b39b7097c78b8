"""The review screen (R-REVIEW-1…5) driven through the real widgets by keyboard."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog
from pytestqt.qtbot import QtBot

from madoguchi.app.domain.intake import IntakeForm, Variant
from madoguchi.app.domain.permissions import Role
from madoguchi.app.services.intake import MoveWithinService
from madoguchi.app.services.review.service import ReviewService
from madoguchi.forms.review_screen import ReviewScreen
from madoguchi.storage.models import Draft, Person
from madoguchi.storage.store import LocalStore
from tests.app.services.intake.conftest import (
    TODAY,
    days_ago,
    family,
    identity,
    mover_of,
    new_address,
)
from tests.helpers.stores import context, copy_store


@pytest.fixture
def store(demo_store: LocalStore, tmp_path: Path):
    copy = copy_store(demo_store, tmp_path / "review.db")
    yield copy
    copy.close()


def move_within(store: LocalStore, offset: int, banchi: str) -> tuple[str, Person]:
    person = family(store, 1, offset=offset).members[0]
    form = IntakeForm(
        variant=Variant.MOVE_WITHIN,
        moved_on=days_ago(1),
        notified_on=TODAY,
        movers=(mover_of(person),),
        destination=new_address(store, banchi),
        identity_check=identity(),
    )
    return MoveWithinService(store).save(
        context(Role.CLERK, staff_no="S0001"), form
    ).draft_id, person


def screen_for(qtbot: QtBot, store: LocalStore, staff_no: str = "S0005") -> ReviewScreen:
    screen = ReviewScreen(ReviewService(store), context(Role.SUPERVISOR, staff_no=staff_no))
    qtbot.addWidget(screen)
    screen.show()
    screen.reload()
    qtbot.waitUntil(lambda: screen.queue_model.rowCount() > 0)
    return screen


def test_open_with_enter_see_before_after_and_approve_with_f9(qtbot: QtBot, store) -> None:
    draft_id, person = move_within(store, 60, "21-2")
    screen = screen_for(qtbot, store)
    ids = [screen.queue_model.row_at(r).draft_id for r in range(screen.queue_model.rowCount())]
    screen.queue.selectRow(ids.index(draft_id))
    qtbot.keyClick(screen.queue, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: screen.changes_model.rowCount() > 0)
    labels = [screen.changes_model.row_at(i).label for i in range(screen.changes_model.rowCount())]
    assert "住所" in labels
    assert "本人" in screen.identity.text()
    assert screen.approve_button.isEnabled()
    with qtbot.waitSignal(screen.approved) as approved:
        qtbot.keyClick(screen, Qt.Key.Key_F9)
    assert approved.args == [draft_id]
    with store.transaction() as session:
        moved = session.get(Person, person.atena_no)
        assert moved is not None and moved.address != person.address


def test_reject_with_a_reason(qtbot: QtBot, store, monkeypatch) -> None:
    draft_id, _person = move_within(store, 61, "22-2")
    screen = screen_for(qtbot, store)
    screen.open_draft(draft_id)
    qtbot.waitUntil(lambda: screen.changes_model.rowCount() > 0)
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("方書を確認してください", True))
    qtbot.keyClick(screen, Qt.Key.Key_F10)
    qtbot.waitUntil(lambda: screen.changes_model.rowCount() == 0)
    with store.transaction() as session:
        draft = session.get(Draft, draft_id)
        assert draft is not None
        assert (draft.status, draft.status_reason) == ("rejected", "方書を確認してください")


def test_own_draft_is_marked_and_approval_refused(qtbot: QtBot, store) -> None:
    both = context(Role.CLERK, Role.SUPERVISOR, staff_no="S0010")
    person = family(store, 1, offset=62).members[0]
    form = IntakeForm(
        variant=Variant.MOVE_WITHIN,
        moved_on=days_ago(1),
        notified_on=TODAY,
        movers=(mover_of(person),),
        destination=new_address(store, "23-2"),
        identity_check=identity(),
    )
    draft_id = MoveWithinService(store).save(both, form).draft_id
    screen = ReviewScreen(ReviewService(store), both)
    qtbot.addWidget(screen)
    screen.show()
    screen.reload()
    qtbot.waitUntil(lambda: screen.queue_model.rowCount() > 0)
    rows = [screen.queue_model.row_at(i) for i in range(screen.queue_model.rowCount())]
    own = next(r for r in rows if r.draft_id == draft_id)
    assert own.own
    from madoguchi.widgets.messages import message_bridge

    screen.open_draft(draft_id)
    qtbot.waitUntil(lambda: screen.changes_model.rowCount() > 0)
    with qtbot.waitSignal(message_bridge().error) as shown:
        qtbot.keyClick(screen, Qt.Key.Key_F9)
    assert "決裁できません" in shown.args[0]
