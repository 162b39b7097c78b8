"""Corrections and 取消 through the windows (R-REVIEW-3, standard/j980.txt): a clerk proposes from
the person view by keyboard, a different supervisor approves in 審査・決裁, and the person view
then shows the register as corrected or put back."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

from madoguchi.app.domain.intake import IntakeForm, Variant
from madoguchi.app.domain.permissions import PERMISSIONS, Action, Role
from madoguchi.app.services.intake import MoveWithinService
from madoguchi.app.services.review.corrections import CorrectionService
from madoguchi.app.services.review.service import ReviewService
from madoguchi.forms.main_window import MainWindow
from madoguchi.forms.review_screen import ReviewScreen
from madoguchi.storage.models import Person
from madoguchi.storage.store import LocalStore
from madoguchi.widgets.messages import message_bridge
from tests.app.services.intake.conftest import family, identity, mover_of, new_address
from tests.forms.intake_support import TIMEOUT, activate, focused, key, open_window
from tests.helpers.stores import FIXED_NOW, context, copy_store
from tests.helpers.typing import type_text
from tests.helpers.widgets import all_visible_text

CTRL = Qt.KeyboardModifier.ControlModifier
ALT = Qt.KeyboardModifier.AltModifier


@pytest.fixture(scope="module")
def store(demo_store: LocalStore, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStore]:
    copy = copy_store(demo_store, tmp_path_factory.mktemp("corrections") / "corrections.db")
    yield copy
    copy.close()


def show_person(qtbot: QtBot, window: MainWindow, atena_no: str) -> None:
    """Open a person as the search screen does, and wait for the view."""
    window.open_person(atena_no)
    qtbot.waitUntil(
        lambda: (
            (detail := window.person_screen.detail) is not None
            and detail.summary.atena_no == atena_no
        ),
        timeout=TIMEOUT,
    )
    activate(qtbot, window)


def approve_in_review_tab(qtbot: QtBot, window: MainWindow, draft_id: str) -> str:
    """Ctrl+6, open the draft with Enter, F9; the opened draft's title."""
    qtbot.keyClick(window, Qt.Key.Key_6, CTRL)
    review = window.review_screen
    qtbot.waitUntil(
        lambda: draft_id in queue_ids(review),
        timeout=TIMEOUT,
    )
    review.queue.selectRow(queue_ids(review).index(draft_id))
    review.queue.setFocus()
    qtbot.keyClick(review.queue, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: review.changes_model.rowCount() > 0, timeout=TIMEOUT)
    title = review.title.text()
    with qtbot.waitSignal(review.approved, timeout=TIMEOUT) as approved:
        qtbot.keyClick(review, Qt.Key.Key_F9)
    assert approved.args == [draft_id]
    return title


def queue_ids(review: ReviewScreen) -> list[str]:
    model = review.queue_model
    return [model.row_at(row).draft_id for row in range(model.rowCount())]


def test_clerical_correction_from_the_person_view_approved_by_a_supervisor(
    qtbot: QtBot, store: LocalStore
) -> None:
    person = family(store, 1, offset=90).members[0]
    corrected = person.given_name + "子"
    clerk = open_window(qtbot, store, Role.CLERK, "S0001")
    show_person(qtbot, clerk, person.atena_no)
    qtbot.keyClick(clerk.person_screen, Qt.Key.Key_E, CTRL)
    dialog = clerk.corrections.dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible, timeout=TIMEOUT)
    activate(qtbot, dialog)
    current = dialog.findChild(type(dialog.message), "correction_current_given_name")
    assert current is not None and current.text() == person.given_name

    assert focused() is dialog.new_values["family_name"]
    key(qtbot, Qt.Key.Key_Return)  # Enter moves on to 名
    given = focused()
    assert given is dialog.new_values["given_name"] and isinstance(given, QLineEdit)
    type_text(qtbot, given, corrected)
    key(qtbot, Qt.Key.Key_K, ALT)  # 修正の種類
    assert focused() is dialog.kind_combo
    key(qtbot, Qt.Key.Key_Down)
    assert dialog.kind_combo.currentText() == "誤記修正"

    with qtbot.waitSignal(dialog.refused, timeout=TIMEOUT) as refused:
        key(qtbot, Qt.Key.Key_F12)  # no reason yet
    assert "理由" in refused.args[0]
    assert "理由" in dialog.message.text() and dialog.isVisible()

    key(qtbot, Qt.Key.Key_R, ALT)
    assert focused() is dialog.reason_edit
    type_text(qtbot, dialog.reason_edit, "届書の誤記（戸籍で確認）")
    with qtbot.waitSignal(clerk.corrections.proposed, timeout=TIMEOUT) as proposed:
        key(qtbot, Qt.Key.Key_Return)
    [draft_id] = proposed.args
    notice = clerk.person_screen.notice.text()
    assert draft_id in notice and "決裁" in notice
    qtbot.waitUntil(lambda: clerk.corrections.dialog is None, timeout=TIMEOUT)
    assert person.given_name in clerk.person_screen.title.text(), "nothing changes before approval"
    clerk.close()

    supervisor = open_window(qtbot, store, Role.SUPERVISOR, "S0005")
    title = approve_in_review_tab(qtbot, supervisor, draft_id)
    assert "職権修正・誤記修正（誤記修正）" in title
    qtbot.waitUntil(lambda: draft_id not in queue_ids(supervisor.review_screen), timeout=TIMEOUT)

    show_person(qtbot, supervisor, person.atena_no)
    qtbot.waitUntil(lambda: corrected in supervisor.person_screen.title.text(), timeout=TIMEOUT)
    history = supervisor.person_screen.history_model
    last = history.row_at(history.rowCount() - 1)
    assert last.change_reason == "誤記修正"
    assert "届書の誤記" in last.summary


def test_cancelling_an_approved_move_within_from_the_history(
    qtbot: QtBot, store: LocalStore
) -> None:
    person = family(store, 1, offset=91).members[0]
    form = IntakeForm(
        variant=Variant.MOVE_WITHIN,
        moved_on=FIXED_NOW.date() - dt.timedelta(days=1),
        notified_on=FIXED_NOW.date(),
        movers=(mover_of(person),),
        destination=new_address(store, "52-3"),
        identity_check=identity(),
    )
    moved = MoveWithinService(store).save(context(Role.CLERK, staff_no="S0001"), form)
    ReviewService(store).approve(context(Role.SUPERVISOR, staff_no="S0005"), moved.draft_id)
    assert address_of(store, person.atena_no) != person.address

    clerk = open_window(qtbot, store, Role.CLERK, "S0001")
    show_person(qtbot, clerk, person.atena_no)
    table = clerk.person_screen.history_table
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_Home, CTRL)
    qtbot.keyClick(table, Qt.Key.Key_Delete, CTRL)  # the oldest entry: seeded, no draft
    assert "取り消せません" in clerk.person_screen.notice.text()
    assert clerk.corrections.dialog is None
    qtbot.keyClick(table, Qt.Key.Key_End, CTRL)
    entry = clerk.person_screen.selected_history()
    assert entry is not None and entry.change_reason == "転居"
    assert entry.draft_id == moved.draft_id
    qtbot.keyClick(table, Qt.Key.Key_Delete, CTRL)
    dialog = clerk.corrections.dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible, timeout=TIMEOUT)
    activate(qtbot, dialog)
    assert "転居" in all_visible_text(dialog)
    type_text(qtbot, focused(), "受付誤り（別人の届出）")  # type: ignore[arg-type]
    with qtbot.waitSignal(clerk.corrections.proposed, timeout=TIMEOUT) as proposed:
        key(qtbot, Qt.Key.Key_Return)
    [cancel_id] = proposed.args
    assert cancel_id in clerk.person_screen.notice.text()
    clerk.close()

    supervisor = open_window(qtbot, store, Role.SUPERVISOR, "S0006")
    title = approve_in_review_tab(qtbot, supervisor, cancel_id)
    assert "異動の取消し（取消）" in title
    assert address_of(store, person.atena_no) == person.address
    show_person(qtbot, supervisor, person.atena_no)
    history = supervisor.person_screen.history_model
    reasons = [history.row_at(row).change_reason for row in range(history.rowCount())]
    assert reasons[-2:] == ["転居", "異動の取消し（修正）"], "the cancelled change stays on record"


def test_a_reviewer_without_the_correction_right_is_told_so(
    qtbot: QtBot, store: LocalStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    person = family(store, 1, offset=92).members[0]
    draft_id = CorrectionService(store).propose_correction(
        context(Role.CLERK, staff_no="S0001"),
        person.atena_no,
        {"katagaki": "みどり荘101"},
        reason="住所の方書の職権修正",
        kind="ex_officio",
    )
    monkeypatch.setitem(
        PERMISSIONS, Role.SUPERVISOR, PERMISSIONS[Role.SUPERVISOR] - {Action.APPROVE_CORRECTION}
    )
    screen = ReviewScreen(ReviewService(store), context(Role.SUPERVISOR, staff_no="S0007"))
    qtbot.addWidget(screen)
    screen.show()
    with qtbot.waitSignal(message_bridge().info, timeout=TIMEOUT):
        screen.reload()
    # Not listed to a reviewer without the right; opened anyway, approval is refused.
    assert draft_id not in queue_ids(screen)
    screen.open_draft(draft_id)
    qtbot.waitUntil(lambda: screen.changes_model.rowCount() > 0, timeout=TIMEOUT)
    assert "本人確認の記録なし" in screen.identity.text()
    with qtbot.waitSignal(message_bridge().error, timeout=TIMEOUT) as shown:
        qtbot.keyClick(screen, Qt.Key.Key_F9)
    assert "職権修正・誤記修正・取消の決裁" in shown.args[0] and "権限" in shown.args[0]
    with store.transaction() as session:
        unchanged = session.get(Person, person.atena_no)
        assert unchanged is not None and unchanged.katagaki == person.katagaki


def address_of(store: LocalStore, atena_no: str) -> str:
    with store.transaction() as session:
        row = session.get(Person, atena_no)
        assert row is not None
        return row.address
