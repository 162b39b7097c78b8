"""証明書 in the main window (R-CERT-1…7): a clerk issues a 住民票の写し (世帯全員) to the PDF
printer by keyboard and the PDF reads right; a third party asking for the 個人番号 is refused
with the reason on screen; a reprint draws new 発行番号s."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from madoguchi.app.domain.certificates import OMITTED, OptionalItem, RequesterKind
from madoguchi.app.domain.permissions import Role
from madoguchi.app.services.certificates import IssuedCertificates
from madoguchi.storage.store import LocalStore
from madoguchi.widgets.printing import PdfFilePrinter
from tests.app.services.certificates.conftest import family
from tests.forms.certificate_support import certificate_screen_of, press
from tests.forms.intake_support import TIMEOUT, open_window
from tests.helpers.pdf import fonts, pdf_text, squash
from tests.helpers.stores import copy_store
from tests.helpers.typing import type_text


@pytest.fixture(scope="module")
def store(demo_store: LocalStore, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStore]:
    copy = copy_store(demo_store, tmp_path_factory.mktemp("certificate-screen") / "cert.db")
    yield copy
    copy.close()


def test_a_whole_household_copy_is_issued_to_the_pdf_printer(
    qtbot: QtBot, store: LocalStore, tmp_path: Path
) -> None:
    household = family(store, 3)
    head = household.head
    window = open_window(qtbot, store, Role.CLERK, "S0001")
    screen = certificate_screen_of(qtbot, window, head.atena_no, tmp_path)
    assert not screen.banner.isVisible()
    assert screen.inputs.chosen_persons() == [head.atena_no]

    with qtbot.waitSignal(screen.previewed, timeout=TIMEOUT):
        press(qtbot, Qt.Key.Key_F5)
    decision = screen.decision
    shown = [
        [decision.model.data(decision.model.index(row, col)) for col in range(3)]
        for row in range(decision.model.rowCount())
    ]
    assert ["個人番号", OMITTED, "特別の請求がないため省略"] in shown
    assert "300" in decision.fee.text()
    assert screen.pages.page_labels, screen.pages.message.text()

    with qtbot.waitSignal(screen.issued, timeout=TIMEOUT) as blocker:
        press(qtbot, Qt.Key.Key_F12)
    issued: IssuedCertificates = blocker.args[0]
    shown_numbers = screen.result_label.text()
    assert issued.issue_numbers and all(n in shown_numbers for n in issued.issue_numbers)
    assert isinstance(screen.printer, PdfFilePrinter)
    (path,) = screen.printer.written

    text = squash(pdf_text(path))
    for member in household.members:
        assert member.family_name + member.given_name in text
    assert squash(head.address) in text
    assert "令和8年11月2日" in text
    assert OMITTED in text
    assert "この写しは、住民票の原本と相違ないことを証明する。" in text
    for number in issued.issue_numbers:
        assert squash(number) in text
    assert all(row["emb"] == "yes" for row in fonts(path)), fonts(path)

    # The 交付履歴 lists it; a reprint with a reason draws new 発行番号s.
    log = screen.log_panel
    with qtbot.waitSignal(log.loaded, timeout=TIMEOUT):
        log.reload()
    assert any(
        log.model.row_at(row).issue_numbers == issued.issue_numbers
        for row in range(log.model.rowCount())
    )
    log.table.setFocus()
    type_text(qtbot, log.reason_edit, "用紙詰まり")
    with qtbot.waitSignal(screen.issued, timeout=TIMEOUT) as reprinted:
        log.reprint()
    again: IssuedCertificates = reprinted.args[0]
    assert again.issue_numbers and not set(again.issue_numbers) & set(issued.issue_numbers)
    assert len(screen.printer.written) == 2


def test_a_third_party_asking_for_the_individual_number_is_refused_with_the_reason(
    qtbot: QtBot, store: LocalStore, tmp_path: Path
) -> None:
    household = family(store, 2, offset=1)
    window = open_window(qtbot, store, Role.CLERK, "S0001")
    screen = certificate_screen_of(qtbot, window, household.head.atena_no, tmp_path)
    inputs = screen.inputs
    inputs.set_requester_kind(RequesterKind.THIRD_PARTY)
    inputs.requester_person.setCurrentIndex(0)  # （住民以外）
    type_text(qtbot, inputs.requester_name, "債権　太郎")
    type_text(qtbot, inputs.reason, "貸金債権の回収のため裁判所へ提出")
    inputs.item_boxes[OptionalItem.INDIVIDUAL_NUMBER].setChecked(True)
    inputs.requester_kind.setFocus()

    with qtbot.waitSignal(screen.refused, timeout=TIMEOUT) as blocker:
        press(qtbot, Qt.Key.Key_F5)
    assert "第三者からの請求では個人番号を記載できません" in blocker.args[0]
    assert screen.decision.refusal.isVisible()
    assert "住民基本台帳法第12条の3" in screen.decision.refusal.text()
    assert screen.decision.model.rowCount() == 0
    with qtbot.waitSignal(screen.refused, timeout=TIMEOUT):
        press(qtbot, Qt.Key.Key_F12)
    assert isinstance(screen.printer, PdfFilePrinter) and not screen.printer.written
