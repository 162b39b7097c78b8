"""The queue operator screen (R-IF-1) driven through the real widgets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from madoguchi.app.domain.intake import IntakeForm, Variant
from madoguchi.app.domain.permissions import Role
from madoguchi.app.services.intake import MoveInService
from madoguchi.app.services.interfaces.queue import InterfaceQueueService
from madoguchi.app.services.review.service import ReviewService
from madoguchi.forms.interface_queue_screen import InterfaceQueueScreen
from madoguchi.storage.store import LocalStore
from tests.app.services.intake.conftest import TODAY, days_ago, identity, new_address, newcomer
from tests.helpers.stores import context, copy_store


@pytest.fixture
def store(demo_store: LocalStore, tmp_path: Path):
    copy = copy_store(demo_store, tmp_path / "queue.db")
    yield copy
    copy.close()


def test_operator_delivers_and_resends_without_changing_what_was_delivered(
    qtbot: QtBot, store: LocalStore, tmp_path: Path
) -> None:
    form = IntakeForm(
        variant=Variant.DOMESTIC_MOVE_IN,
        moved_on=days_ago(2),
        notified_on=TODAY,
        movers=(newcomer(),),
        destination=new_address(store, "8-8"),
        previous_address="東京都千代田区霞が関二丁目1番2号",
        identity_check=identity(),
    )
    saved = MoveInService(store).save(context(Role.CLERK, staff_no="S0001"), form)
    ReviewService(store).approve(context(Role.SUPERVISOR, staff_no="S0005"), saved.draft_id)
    folder = tmp_path / "out"
    admin = context(Role.ADMIN, staff_no="S0008")
    screen = InterfaceQueueScreen(InterfaceQueueService(store), admin, folder)
    qtbot.addWidget(screen)
    screen.show()
    screen.reload()
    qtbot.waitUntil(
        lambda: screen.counts_model.rowCount() > 0 and screen.records_model.rowCount() > 0
    )
    assert screen.current_queue() == "juki_cs"
    pending = screen.counts_model.row_at(0).pending
    assert pending >= 1
    qtbot.keyClick(screen, Qt.Key.Key_F9)
    qtbot.waitUntil(
        lambda: screen.counts_model.rowCount() > 0 and screen.counts_model.row_at(0).pending == 0
    )
    files = sorted((folder / "juki_cs").glob("*.json"))
    assert len(files) >= 1
    before = {f.name: f.read_bytes() for f in files}
    qtbot.waitUntil(lambda: screen.records_model.rowCount() > 0)
    screen.records.selectRow(0)
    qtbot.waitUntil(lambda: "record_id" in screen.payload.toPlainText())
    assert "●" in screen.payload.toPlainText()  # the 個人番号 is masked for the operator
    assert form.movers[0].individual_number not in screen.payload.toPlainText()
    qtbot.keyClick(screen, Qt.Key.Key_F10)
    qtbot.waitUntil(
        lambda: screen.records_model.rowCount() > 0 and screen.records_model.row_at(0).attempts >= 2
    )
    after = {f.name: f.read_bytes() for f in sorted((folder / "juki_cs").glob("*.json"))}
    assert after == before
    assert json.loads(next(iter(after.values())))


def test_a_synced_terminal_shows_what_waits_for_the_centre_and_refuses_delivery(
    qtbot: QtBot, store: LocalStore, tmp_path: Path
) -> None:
    from madoguchi.app.services.interfaces.queue import DELIVERED_AT_CENTRE
    from madoguchi.storage.sync import enrol_loaded_copy
    from madoguchi.widgets.messages import message_bridge

    enrol_loaded_copy(store, 0)  # now a replica: its queues are delivered at the centre
    form = IntakeForm(
        variant=Variant.DOMESTIC_MOVE_IN,
        moved_on=days_ago(2),
        notified_on=TODAY,
        movers=(newcomer(),),
        destination=new_address(store, "8-9"),
        previous_address="東京都千代田区霞が関二丁目1番2号",
        identity_check=identity(),
    )
    saved = MoveInService(store).save(context(Role.CLERK, staff_no="S0001"), form)
    ReviewService(store).approve(context(Role.SUPERVISOR, staff_no="S0005"), saved.draft_id)
    folder = tmp_path / "out"
    screen = InterfaceQueueScreen(
        InterfaceQueueService(store), context(Role.ADMIN, staff_no="S0008"), folder
    )
    qtbot.addWidget(screen)
    screen.show()
    screen.reload()
    qtbot.waitUntil(lambda: screen.counts_model.rowCount() > 0 and screen.notice.isVisible())
    assert screen.notice.text() == DELIVERED_AT_CENTRE
    assert not screen.findChild(QPushButton, "queue_deliver").isEnabled()
    assert not screen.findChild(QPushButton, "queue_resend").isEnabled()
    assert screen.counts_model.row_at(0).pending >= 1  # still waiting to reach the centre
    with qtbot.waitSignal(message_bridge().error) as shown:
        qtbot.keyClick(screen, Qt.Key.Key_F9)
    assert shown.args == [DELIVERED_AT_CENTRE]
    assert not folder.exists()
