"""The whole review flow through the windows (R-REVIEW-2): a clerk submits a 転居 in the 異動届
screen, a supervisor — a different login — approves it in the 審査・決裁 tab, and the person
view then shows the new address and the history entry."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from madoguchi.app.domain.intake import Variant
from madoguchi.app.domain.permissions import Role
from madoguchi.storage.store import LocalStore
from tests.app.services.intake.conftest import family
from tests.forms.intake_support import TIMEOUT, activate, drafts_by, key, open_window
from tests.forms.test_intake_screen import (
    choose,
    fill_address,
    fill_dates,
    fill_identity,
    find_household,
    intake_of,
)
from tests.helpers.stores import FIXED_NOW, copy_store


@pytest.fixture
def store(demo_store: LocalStore, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStore]:
    copy = copy_store(demo_store, tmp_path_factory.mktemp("review-flow") / "flow.db")
    yield copy
    copy.close()


def test_clerk_submits_a_move_within_and_a_supervisor_approves_it(qtbot: QtBot, store) -> None:
    person = family(store, 1, offset=70).members[0]
    clerk_window = open_window(qtbot, store, Role.CLERK, "S0001")
    screen = intake_of(qtbot, clerk_window)
    choose(screen, Variant.MOVE_WITHIN)
    find_household(qtbot, screen, person)
    fill_dates(qtbot, screen, FIXED_NOW.date() - dt.timedelta(days=2))
    fill_identity(qtbot, screen)
    fill_address(qtbot, screen, "909-0103", "33-9")
    with qtbot.waitSignal(screen.draft_saved, timeout=TIMEOUT):
        activate(qtbot, screen)
        key(qtbot, Qt.Key.Key_F12)
    [draft] = drafts_by(store, "S0001")
    clerk_window.close()

    supervisor = open_window(qtbot, store, Role.SUPERVISOR, "S0005")
    qtbot.keyClick(supervisor, Qt.Key.Key_6, Qt.KeyboardModifier.ControlModifier)
    review = supervisor.review_screen
    assert supervisor.tabs.currentWidget() is review
    qtbot.waitUntil(lambda: review.queue_model.rowCount() > 0, timeout=TIMEOUT)
    ids = [review.queue_model.row_at(r).draft_id for r in range(review.queue_model.rowCount())]
    review.queue.selectRow(ids.index(draft.draft_id))
    activate(qtbot, review)
    review.queue.setFocus()
    qtbot.keyClick(review.queue, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: review.changes_model.rowCount() > 0, timeout=TIMEOUT)
    with qtbot.waitSignal(review.approved, timeout=TIMEOUT) as approved:
        qtbot.keyClick(review, Qt.Key.Key_F9)
    assert approved.args == [draft.draft_id]

    supervisor.open_person(person.atena_no)
    qtbot.waitUntil(lambda: "33番" in _text(supervisor), timeout=TIMEOUT)
    text = _text(supervisor)
    assert "33番9号" in text or "33番地9" in text
    assert "転居" in text


def _text(window) -> str:
    from tests.helpers.widgets import all_visible_text

    return all_visible_text(window.person_screen)
