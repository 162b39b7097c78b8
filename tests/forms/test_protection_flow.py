"""支援措置 at the counter, through the screens (R-CERT-4, j440): a clerk's request for a
protected person is blocked, the clerk asks for a release, another login (the 支援措置責任者)
releases it in the release screen, the clerk issues once; the next issue needs a new release.
The officer's 支援措置 screen lists the measures and holds."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from madoguchi.app.domain.permissions import Role
from madoguchi.storage.models import ProtectedPerson, ProtectionMeasure, ProtectionPerpetrator
from madoguchi.storage.store import LocalStore
from madoguchi.widgets.printing import PdfFilePrinter
from madoguchi.widgets.register_tables import PROTECTED_MARK
from tests.forms.certificate_support import certificate_screen_of, press
from tests.forms.intake_support import TIMEOUT, activate, key, open_window
from tests.helpers.stores import FIXED_NOW, copy_store
from tests.helpers.typing import type_text


@pytest.fixture(scope="module")
def store(demo_store: LocalStore, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStore]:
    copy = copy_store(demo_store, tmp_path_factory.mktemp("protection-flow") / "protection.db")
    yield copy
    copy.close()


def protected_applicant(store: LocalStore) -> str:
    """The 申出者 of a demo measure in force whose 加害者 is known only by name."""
    with store.transaction() as session:
        for measure in session.scalars(
            select(ProtectionMeasure)
            .where(
                ProtectionMeasure.provisional.is_(False),
                ProtectionMeasure.ended_on.is_(None),
                ProtectionMeasure.starts_on <= FIXED_NOW.date(),
            )
            .order_by(ProtectionMeasure.starts_on)
        ):
            perpetrators = session.scalars(
                select(ProtectionPerpetrator).where(
                    ProtectionPerpetrator.measure_id == measure.measure_id
                )
            ).all()
            if all(p.atena_no is None for p in perpetrators):
                return session.scalars(
                    select(ProtectedPerson.atena_no).where(
                        ProtectedPerson.measure_id == measure.measure_id,
                        ProtectedPerson.role == "applicant",
                    )
                ).one()
    raise AssertionError("no demo measure with a non-resident 加害者")


def test_a_blocked_request_is_released_by_the_officer_and_issued_once(
    qtbot: QtBot, store: LocalStore, tmp_path: Path
) -> None:
    atena_no = protected_applicant(store)
    clerk = open_window(qtbot, store, Role.CLERK, "S0001")
    screen = certificate_screen_of(qtbot, clerk, atena_no, tmp_path)
    assert not clerk.person_screen.banner.isHidden()
    assert "支援措置対象者" in clerk.person_screen.banner.text()
    assert "支援措置対象者" in screen.banner.text()
    clerk.open_household(clerk.person_screen.detail.summary.household_no)  # type: ignore[union-attr]
    members = clerk.household_screen.members_model
    qtbot.waitUntil(lambda: members.rowCount() > 0, timeout=TIMEOUT)
    marks = {
        members.row_at(r).atena_no: str(members.data(members.index(r, 0)))
        for r in range(members.rowCount())
    }
    assert marks[atena_no].startswith(PROTECTED_MARK)
    clerk.tabs.setCurrentWidget(screen)
    screen.inputs.requester_kind.setFocus()

    with qtbot.waitSignal(screen.refused, timeout=TIMEOUT) as blocked:
        press(qtbot, Qt.Key.Key_F5)
    assert "支援措置の対象者が含まれています" in blocked.args[0]
    assert screen.release_button.isVisible()
    type_text(qtbot, screen.note_edit, "申出者本人の請求（運転免許証で確認）")
    with qtbot.waitSignal(screen.release_state_shown, timeout=TIMEOUT) as state:
        press(qtbot, Qt.Key.Key_F9)
    assert state.args == ["pending"] and screen.release_id is not None
    assert "審査待ち" in screen.release_label.text()

    # Another login: the 支援措置責任者 reviews the queue.
    officer = open_window(qtbot, store, Role.PROTECTION_OFFICER, "S0007")
    releases = officer.release_screen
    assert releases is not None and officer.certificate_screen is None
    with qtbot.waitSignal(releases.loaded, timeout=TIMEOUT):
        qtbot.keyClick(officer, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert officer.tabs.currentWidget() is releases
    rows = [releases.model.row_at(r) for r in range(releases.model.rowCount())]
    row = next(i for i, v in enumerate(rows) if v.release_id == screen.release_id)
    releases.table.selectRow(row)
    assert "申出者本人の請求" in releases.detail.text()
    assert "支援措置" in releases.detail.text()
    type_text(qtbot, releases.reason_edit, "申出者本人の請求であることを確認")
    with qtbot.waitSignal(releases.decided, timeout=TIMEOUT) as decided:
        key(qtbot, Qt.Key.Key_F9)
    assert decided.args == [screen.release_id, "released"]

    # Back at the counter: the release lets one issue through.
    activate(qtbot, clerk)
    screen.inputs.requester_kind.setFocus()
    with qtbot.waitSignal(screen.release_state_shown, timeout=TIMEOUT) as state:
        press(qtbot, Qt.Key.Key_F9, Qt.KeyboardModifier.ShiftModifier)
    assert state.args == ["released"]
    with qtbot.waitSignal(screen.issued, timeout=TIMEOUT) as issued:
        press(qtbot, Qt.Key.Key_F12)
    assert issued.args[0].issue_numbers
    assert isinstance(screen.printer, PdfFilePrinter) and len(screen.printer.written) == 1
    assert screen.release_id is None

    with qtbot.waitSignal(screen.refused, timeout=TIMEOUT) as again:
        press(qtbot, Qt.Key.Key_F12)
    assert "支援措置責任者に審査" in again.args[0]
    assert len(screen.printer.written) == 1


def test_the_officer_lists_measures_holds_and_the_expiring_ones(
    qtbot: QtBot, store: LocalStore
) -> None:
    officer = open_window(qtbot, store, Role.PROTECTION_OFFICER, "S0007")
    screen = officer.protection_screen
    assert screen is not None
    with qtbot.waitSignal(screen.loaded, timeout=TIMEOUT) as loaded:
        qtbot.keyClick(officer, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    measures, holds = loaded.args
    assert measures > 0 and holds > 0
    assert officer.tabs.currentWidget() is screen
    assert "期間満了が近い支援措置" in screen.expiring.text()

    # Lifting needs a reason; with one, the hold goes from the list.
    screen.hold_table.selectRow(0)
    hold = screen.selected_hold()
    assert hold is not None
    type_text(qtbot, screen.hold_reason, "申出により解除")
    with qtbot.waitSignal(screen.loaded, timeout=TIMEOUT) as reloaded:
        screen.lift_hold()
    assert reloaded.args[1] == holds - 1
    assert "解除しました" in screen.message.text()
