"""The counter with the centre, through the real widgets (R-SYNC-2, -3, -5, R-UI-3).

- Offline: with the centre stopped a clerk searches, takes a notification and issues a
  certificate; the status bar says offline with the queue's depth and age; after the centre
  restarts the worker's timer alone brings everything to the centre.
- 同期の確認: a supervisor sees a conflict's two versions side by side and resolves it with a
  note; the resolution is an op the centre records, and the persons are released.
- 初期取込: a new terminal's store is filled from the centre with progress; a cancelled or
  failed bootstrap says so and resumes at the next start.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from madoguchi.app.context import FixedClock
from madoguchi.app.domain.intake import Variant
from madoguchi.app.domain.permissions import PermissionDenied, Role
from madoguchi.app.services.counter import CounterServices
from madoguchi.app.services.sync_control import SyncControl
from madoguchi.app.services.sync_problems import SyncProblemRefused, SyncProblemService
from madoguchi.forms.bootstrap_dialog import BootstrapDialog
from madoguchi.forms.main_window import MainWindow
from madoguchi.storage.models import AuditEntry, Draft, OutboxEntry, Person
from madoguchi.storage.store import LocalStore
from madoguchi.storage.sync import PostgresCentre, blocked_persons
from madoguchi.storage.sync import meta as sync_meta
from tests.forms.certificate_support import certificate_screen_of, press
from tests.forms.intake_support import TIMEOUT, activate, drafts_by, focused, intake_of, key
from tests.forms.test_intake_screen import (
    choose,
    fill_address,
    fill_dates,
    fill_identity,
    find_household,
)
from tests.helpers.stores import FIXED_NOW
from tests.helpers.typing import type_text
from tests.storage.sync.scenarios import (
    CLERK,
    OTHER_SUPERVISOR,
    SUPERVISOR,
    family,
    move_within,
    pending_count,
    person,
)


def window_for(qtbot: QtBot, terminal, control: SyncControl | None, *roles: Role, staff_no: str):
    services = CounterServices.build(terminal.store, terminal.terminal_id, terminal.clock)
    services.sync = control
    window = MainWindow(services, terminal.ctx(*roles, staff_no=staff_no))
    qtbot.addWidget(window)
    window.show()
    activate(qtbot, window)
    return window


def sync_text(window: MainWindow) -> str:
    return window.status.sync_label.text()


# -- offline ----------------------------------------------------------------------------------


def test_offline_the_counter_searches_takes_notifications_and_issues_then_syncs(
    qtbot: QtBot, make_terminal, centre, pg_cluster, tmp_path: Path
) -> None:
    a = make_terminal("TERM-A")
    head = family(a.store, 1, offset=40).householder
    control = SyncControl(a.store, a.centre, a.clock, poll_seconds=1.0, backoff=(0.2, 0.5))
    window = window_for(qtbot, a, control, Role.CLERK, staff_no=CLERK)
    control.start()
    try:
        qtbot.waitUntil(lambda: "オンライン" in sync_text(window), timeout=TIMEOUT)
        qtbot.waitUntil(lambda: "未送信なし" in sync_text(window), timeout=TIMEOUT)
        pg_cluster.stop("immediate")

        # Search (F2) by name and date of birth.
        search = window.search_screen
        assert search is not None
        window.show_search()
        type_text(qtbot, search.name_edit, f"{head.family_name_kana} {head.given_name_kana}")
        type_text(qtbot, search.birth_edit, head.birth_date)
        with qtbot.waitSignal(search.search_finished, timeout=TIMEOUT):
            qtbot.keyClick(search.name_edit, Qt.Key.Key_Return)
        found = [search.model.row_at(r).atena_no for r in range(search.model.rowCount())]
        assert head.atena_no in found

        # A 住民票の写し from the local replica (F7 … F5 … F12).
        cert = certificate_screen_of(qtbot, window, head.atena_no, tmp_path)
        with qtbot.waitSignal(cert.previewed, timeout=TIMEOUT):
            press(qtbot, Qt.Key.Key_F5)
        with qtbot.waitSignal(cert.issued, timeout=TIMEOUT) as issued:
            press(qtbot, Qt.Key.Key_F12)
        numbers = issued.args[0].issue_numbers
        assert numbers

        # A 転居 notification taken as a draft (Ctrl+4 … F12).
        screen = intake_of(qtbot, window)
        choose(screen, Variant.MOVE_WITHIN)
        find_household(qtbot, screen, head)
        fill_dates(qtbot, screen, FIXED_NOW.date() - dt.timedelta(days=2))
        fill_identity(qtbot, screen)
        fill_address(qtbot, screen, "909-0103", "30-4")
        assert screen.registered.members.whole_household()
        with qtbot.waitSignal(screen.draft_saved, timeout=TIMEOUT):
            activate(qtbot, screen)
            key(qtbot, Qt.Key.Key_F12)
        [draft] = drafts_by(a.store, CLERK)

        # The status bar says offline, with how many ops wait and since when.
        qtbot.waitUntil(lambda: "オフライン" in sync_text(window), timeout=TIMEOUT)
        waiting = pending_count(a)
        assert waiting >= 4  # audit entries, the draft, the issuance
        window.sync_indicator.refresh()
        qtbot.waitUntil(lambda: f"未送信 {waiting}件" in sync_text(window), timeout=TIMEOUT)
        assert "最古" in sync_text(window)
        assert "センターに接続できない" in window.status.sync_label.toolTip()

        # The centre comes back: no new write, the worker's timer brings the queue to zero.
        pg_cluster.start()
        qtbot.waitUntil(lambda: "オンライン" in sync_text(window), timeout=30_000)
        qtbot.waitUntil(lambda: "未送信なし" in sync_text(window), timeout=30_000)
    finally:
        if not pg_cluster.running:
            pg_cluster.start()
        control.stop()
    assert pending_count(a) == 0
    assert (
        centre.scalar("SELECT status FROM drafts WHERE draft_id = %s", [draft.draft_id]) == "draft"
    )
    journal = centre.scalar(
        "SELECT count(*) FROM op_journal WHERE terminal_id = 'TERM-A'"
        " AND op_type = 'issue_certificate'"
    )
    assert journal >= 1
    with a.store.transaction() as session:
        local_audit = session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.terminal_id == "TERM-A")
        )
    assert (
        centre.scalar("SELECT count(*) FROM audit_log WHERE terminal_id = 'TERM-A'") == local_audit
    )


def test_a_write_wakes_the_worker_at_once(make_terminal, centre) -> None:
    a = make_terminal("TERM-A")
    control = SyncControl(a.store, a.centre, a.clock, poll_seconds=60.0)
    seen: list[int] = []
    control.subscribe(lambda status: seen.append(status.queue_depth))
    control.start()
    try:
        deadline = dt.datetime.now() + dt.timedelta(seconds=10)
        while not seen and dt.datetime.now() < deadline:
            control.worker._stop.wait(0.05)
        cycles = len(seen)
        move_within(a, family(a.store, 2, offset=41), "8-8", approve_as=None)
        deadline = dt.datetime.now() + dt.timedelta(seconds=10)
        while pending_count(a) and dt.datetime.now() < deadline:
            control.worker._stop.wait(0.05)
    finally:
        control.stop()
    assert pending_count(a) == 0 and len(seen) > cycles


# -- 同期の確認 -------------------------------------------------------------------------------


def conflicted(make_terminal, offset: int):
    """TERM-A approves a 転居 that TERM-B approved differently first: a conflict on A."""
    a, b = make_terminal("TERM-A"), make_terminal("TERM-B")
    home = family(a.store, 2, offset=offset)
    late = move_within(a, home, "1-1")
    move_within(b, home, "2-2", approve_as=OTHER_SUPERVISOR)
    assert b.sync().ok
    report = a.sync()
    assert report.ok and report.push.conflicts == 1
    return a, home, late


def test_a_supervisor_sees_both_versions_and_resolves_the_conflict_with_a_note(
    qtbot: QtBot, make_terminal, centre
) -> None:
    a, home, late = conflicted(make_terminal, 42)
    atena_no = home.householder.atena_no
    control = SyncControl(a.store, a.centre, a.clock)
    window = window_for(qtbot, a, control, Role.SUPERVISOR, staff_no=SUPERVISOR)
    screen = window.sync_problems_screen
    assert screen is not None

    with qtbot.waitSignal(screen.opened, timeout=TIMEOUT) as opened:
        qtbot.keyClick(window, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentWidget() is screen
    qtbot.waitUntil(lambda: focused() is screen.table, timeout=TIMEOUT)
    detail = opened.args[0]
    assert detail.summary.kind_label == "競合" and detail.summary.draft_id == late
    rows = [screen.fields.row_at(r) for r in range(screen.fields.rowCount())]
    assert all(r.differs for r in rows)
    address = [r for r in rows if r.label == "住所" and f"宛名番号 {atena_no}" in r.subject]
    assert address and "1番1号" in address[0].ours and "2番2号" in address[0].centre
    screen.only_differences.setChecked(False)
    every = [screen.fields.row_at(r) for r in range(screen.fields.rowCount())]
    numbers = [r for r in every if r.label == "個人番号" and f"宛名番号 {atena_no}" in r.subject]
    assert numbers and "●" in numbers[0].ours and "●" in numbers[0].centre
    with a.store.transaction() as session:
        viewed = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "view_sync_problem")
        ).all()
        assert viewed and atena_no in viewed[-1].target_persons
        assert atena_no in blocked_persons(session)

    # F12 without a note is refused with the reason; with one, an op goes to the centre.
    screen.field_table.setFocus()
    with qtbot.waitSignal(screen.failed, timeout=TIMEOUT) as refused:
        key(qtbot, Qt.Key.Key_F12)
    assert "理由" in refused.args[0]
    type_text(qtbot, screen.note_edit, "他端末の転居が正しいことを届書で確認")
    with qtbot.waitSignal(screen.resolved, timeout=TIMEOUT) as resolved:
        key(qtbot, Qt.Key.Key_F12)
    assert resolved.args[0].status_label == "解消を送信済み"
    with a.store.transaction() as session:
        op = session.scalars(
            select(OutboxEntry).where(OutboxEntry.op_type == "resolve_conflict")
        ).one()
        assert op.state == "pending" and op.payload["note"].startswith("他端末")

    # The next cycle delivers it; the centre's change releases the persons here.
    assert control.worker.run_once().ok
    assert (
        centre.scalar("SELECT status FROM sync_conflicts WHERE draft_id = %s", [late]) == "resolved"
    )
    assert centre.scalar(
        "SELECT resolution FROM sync_conflicts WHERE draft_id = %s", [late]
    ).startswith("他端末")
    with a.store.transaction() as session:
        assert atena_no not in blocked_persons(session)
    screen.reload()  # (the reload after F12 may still be on its way: wait for the list)
    qtbot.waitUntil(lambda: screen.model.rowCount() == 0, timeout=TIMEOUT)
    assert person(a, atena_no).banchi != "1-1"


def test_a_conflict_opens_its_draft_in_review_and_only_supervisors_see_the_list(
    qtbot: QtBot, make_terminal, centre
) -> None:
    a, _home, late = conflicted(make_terminal, 43)
    control = SyncControl(a.store, a.centre, a.clock)
    window = window_for(qtbot, a, control, Role.SUPERVISOR, staff_no=SUPERVISOR)
    screen = window.sync_problems_screen
    assert screen is not None
    with qtbot.waitSignal(screen.opened, timeout=TIMEOUT):
        qtbot.keyClick(window, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    review = window.review_screen
    with qtbot.waitSignal(screen.review_requested, timeout=TIMEOUT) as requested:
        key(qtbot, Qt.Key.Key_F3)
    assert requested.args[0] == late
    qtbot.waitUntil(lambda: window.tabs.currentWidget() is review, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: review._current is not None, timeout=TIMEOUT)
    assert review._current.draft_id == late

    clerk = window_for(qtbot, a, control, Role.CLERK, staff_no=CLERK)
    assert clerk.sync_problems_screen is None
    assert "同期:" in sync_text(clerk)
    service = SyncProblemService(a.store)
    try:
        service.problems(a.ctx(Role.CLERK, staff_no=CLERK))
    except PermissionDenied:
        pass
    else:
        raise AssertionError("a clerk listed the sync problems")


def test_a_refusal_is_acknowledged_and_not_resolved(make_terminal, centre) -> None:
    a = make_terminal("TERM-A")
    home = family(a.store, 2, offset=44)
    draft_id = move_within(a, home, "6-6", approve_as=None)
    # The terminal believes a clerk is a supervisor: the centre refuses the approval.
    from madoguchi.app.services.review.service import ReviewService

    ReviewService(a.store).approve(a.ctx(Role.SUPERVISOR, staff_no="S0002"), draft_id)
    assert a.sync().push.rejected == 1
    service = SyncProblemService(a.store)
    boss = a.ctx(Role.SUPERVISOR, staff_no=SUPERVISOR)
    (summary,) = service.problems(boss)
    assert summary.kind_label == "センターで拒否" and "権限" in summary.reason
    detail = service.open(boss, summary.op_id)
    assert detail.can_acknowledge and not detail.can_resolve
    try:
        service.resolve(boss, summary.op_id, "確認")
    except SyncProblemRefused as refused:
        assert "確認済み" in str(refused)
    else:
        raise AssertionError("a refusal was resolved like a conflict")
    assert service.acknowledge(boss, summary.op_id).status_label == "確認済み"
    assert service.problems(boss) == []
    assert [p.status for p in service.problems(boss, include_settled=True)] == ["acknowledged"]


# -- 初期取込 ---------------------------------------------------------------------------------


def new_terminal_store(tmp_path: Path, name: str) -> LocalStore:
    return LocalStore.open(tmp_path / f"{name}.db", create=True)


def test_a_new_terminal_is_bootstrapped_with_progress_through_the_dialog(
    qtbot: QtBot, centre, tmp_path: Path
) -> None:
    store = new_terminal_store(tmp_path, "new")
    centre_link = PostgresCentre(centre.terminal_dsn("TERM-C"), connect_timeout=2)
    control = SyncControl(store, centre_link, FixedClock(FIXED_NOW))
    try:
        assert control.needs_bootstrap()
        dialog = BootstrapDialog(control)
        qtbot.addWidget(dialog)
        steps = []
        dialog.progressed.connect(steps.append)
        with qtbot.waitSignal(dialog.accepted, timeout=60_000):
            dialog.open()
            dialog.start()
        dialog.wait(10)
        assert dialog.report is not None and steps
        assert steps[-1].fraction == 1.0 and dialog.bar.value() == dialog.bar.maximum()
        assert not control.needs_bootstrap()
        with store.transaction() as session:
            persons = session.scalar(select(func.count()).select_from(Person))
        assert persons == centre.scalar("SELECT count(*) FROM persons")
    finally:
        centre_link.close()
        store.close()


def test_a_cancelled_or_failed_bootstrap_says_so_and_resumes_next_time(
    qtbot: QtBot, centre, pg_cluster, tmp_path: Path
) -> None:
    store = new_terminal_store(tmp_path, "again")
    centre_link = PostgresCentre(centre.terminal_dsn("TERM-C"), connect_timeout=2)
    control = SyncControl(store, centre_link, FixedClock(FIXED_NOW))
    try:
        cancelled = BootstrapDialog(control)
        qtbot.addWidget(cancelled)
        cancelled.cancel()  # before the first chunk: nothing is written, it says so
        with qtbot.waitSignal(cancelled.rejected, timeout=30_000):
            cancelled.open()
            cancelled.start()
        assert "中断" in (cancelled.error or "") and cancelled.detail.text() == cancelled.error
        assert control.needs_bootstrap()

        pg_cluster.stop("immediate")
        try:
            failed = BootstrapDialog(control)
            qtbot.addWidget(failed)
            with qtbot.waitSignal(failed.rejected, timeout=30_000):
                failed.open()
                failed.start()
            assert "センターに接続できません" in (failed.error or "")
        finally:
            pg_cluster.start()
        assert control.needs_bootstrap()

        again = BootstrapDialog(control)
        qtbot.addWidget(again)
        with qtbot.waitSignal(again.accepted, timeout=60_000):
            again.open()
            again.start()
        assert not control.needs_bootstrap()
        with store.transaction() as session:
            assert sync_meta.get_json(session, sync_meta.BOOTSTRAP) is None
            assert session.scalar(select(func.count()).select_from(Draft)) == centre.scalar(
                "SELECT count(*) FROM drafts"
            )
    finally:
        centre_link.close()
        store.close()


def test_a_measure_conflict_is_shown_to_its_officer_and_settled_by_them_not_a_supervisor(
    make_terminal, centre
) -> None:
    from madoguchi.app.services.protection import ProtectionService
    from tests.storage.sync.test_sync_protection import (
        SECOND_OFFICER,
        add_second_officer,
        officer,
        register,
        synced,
    )

    a, b = make_terminal("TERM-A"), make_terminal("TERM-B")
    add_second_officer(centre)
    home = family(a.store, 2, offset=45)
    measure_id = register(a, home.householder.atena_no, ends_on=dt.date(2026, 11, 20))
    synced(a, b)
    ProtectionService(a.store).extend(officer(a), measure_id)
    ProtectionService(b.store).end_measure(officer(b, SECOND_OFFICER), measure_id, "終了の申出")
    synced(a)
    assert b.sync().push.conflicts == 1

    # The centre's list: the officer's, not the supervisor's (who must not receive it).
    assert [c["op_type"] for c in b.centre.conflicts(SECOND_OFFICER)] == ["end_measure"]
    assert b.centre.conflicts(SUPERVISOR) == []
    service = SyncProblemService(b.store)
    mine = officer(b, SECOND_OFFICER)
    (summary,) = service.problems(mine)
    assert summary.op_label == "支援措置の終了"
    detail = service.open(mine, summary.op_id)
    assert detail.can_resolve
    ended = [f for f in detail.fields if f.subject == "支援措置" and f.label == "終了日"]
    assert ended and ended[0].ours and ended[0].centre == ""

    # A supervisor sees that there is one, not what it says, and cannot settle it.
    boss = b.ctx(Role.SUPERVISOR, staff_no=SUPERVISOR)
    hidden = service.open(boss, summary.op_id)
    assert not hidden.can_resolve
    assert {f.ours for f in hidden.fields if f.subject == "支援措置"} == {
        "（支援措置の担当者のみ表示）"
    }
    try:
        service.resolve(boss, summary.op_id, "確認")
    except PermissionDenied:
        pass
    else:
        raise AssertionError("a supervisor settled a 支援措置 conflict")

    service.resolve(mine, summary.op_id, "延長が正しい。終了の申出は改めて受ける")
    assert b.sync().ok
    assert (
        centre.scalar("SELECT status FROM sync_conflicts WHERE op_type = 'end_measure'")
        == "resolved"
    )
    assert service.problems(mine) == []


def test_a_session_ends_when_the_account_is_disabled_at_another_window(
    qtbot: QtBot, make_terminal, centre
) -> None:
    from madoguchi.app.services.admin import AdminService

    a, b = make_terminal("TERM-A"), make_terminal("TERM-B")
    control = SyncControl(b.store, b.centre, b.clock)
    window = window_for(qtbot, b, control, Role.CLERK, staff_no="S0002")
    assert control.worker.run_once().ok  # nothing changed: the session holds
    qtbot.wait(200)
    assert window.isVisible()

    AdminService(a.store).disable(a.ctx(Role.ADMIN, staff_no="S0008"), "S0002", "退職")
    assert a.sync().ok
    with qtbot.waitSignal(window.signed_out, timeout=TIMEOUT) as ended:
        assert control.worker.run_once().ok
    assert "無効" in ended.args[0]
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=TIMEOUT)


def test_a_supervisor_at_another_window_settles_a_conflict_from_the_centres_list(
    qtbot: QtBot, make_terminal, centre, pg_cluster
) -> None:
    a, home, late = conflicted(make_terminal, 46)
    c = make_terminal("TERM-C")
    control = SyncControl(c.store, c.centre, c.clock)
    window = window_for(qtbot, c, control, Role.SUPERVISOR, staff_no=SUPERVISOR)
    screen = window.sync_problems_screen
    assert screen is not None
    with qtbot.waitSignal(screen.loaded, timeout=TIMEOUT) as listed:
        qtbot.keyClick(window, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert listed.args[0] == 0  # nothing of this terminal's own

    with qtbot.waitSignal(screen.opened, timeout=TIMEOUT) as opened:
        screen.centre_box.setChecked(True)
    summary = opened.args[0].summary
    assert summary.terminal_id == "TERM-A" and summary.draft_id == late
    assert screen.model.row_at(0).terminal_id == "TERM-A"
    fields = opened.args[0].fields
    assert any(f.label == "住所" and "1番1号" in f.ours and "2番2号" in f.centre for f in fields)

    type_text(qtbot, screen.note_edit, "TERM-Aの決裁は届書と照合のうえ不要と判断")
    with qtbot.waitSignal(screen.resolved, timeout=TIMEOUT):
        activate(qtbot, screen)
        key(qtbot, Qt.Key.Key_F12)
    assert control.worker.run_once().ok
    assert (
        centre.scalar("SELECT status FROM sync_conflicts WHERE draft_id = %s", [late]) == "resolved"
    )
    assert a.sync().ok
    with a.store.transaction() as session:
        assert home.householder.atena_no not in blocked_persons(session)

    # The centre away: the list falls back to this terminal's, saying why.
    pg_cluster.stop("immediate")
    try:
        with qtbot.waitSignal(screen.failed, timeout=TIMEOUT) as failed:
            screen.centre_box.setChecked(True)
        assert "センターの競合一覧を取得できません" in failed.args[0]
        qtbot.waitUntil(lambda: not screen.centre_box.isChecked(), timeout=TIMEOUT)
    finally:
        pg_cluster.start()


def test_listing_again_does_not_open_and_audit_the_same_problem_again(
    qtbot: QtBot, make_terminal, centre
) -> None:
    # The list is reloaded after sync cycles while it is shown; re-opening the same problem
    # would write a view entry each time, whose op wakes the worker again, and so on.
    a, _home, _late = conflicted(make_terminal, 47)
    control = SyncControl(a.store, a.centre, a.clock)
    window = window_for(qtbot, a, control, Role.SUPERVISOR, staff_no=SUPERVISOR)
    screen = window.sync_problems_screen
    assert screen is not None
    with qtbot.waitSignal(screen.opened, timeout=TIMEOUT):
        qtbot.keyClick(window, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)

    def views() -> int:
        with a.store.transaction() as session:
            return len(
                session.scalars(
                    select(AuditEntry).where(AuditEntry.action == "view_sync_problem")
                ).all()
            )

    seen = views()
    for _ in range(3):
        with qtbot.waitSignal(screen.loaded, timeout=TIMEOUT):
            screen.reload()
    qtbot.wait(300)
    assert views() == seen and screen.detail is not None
