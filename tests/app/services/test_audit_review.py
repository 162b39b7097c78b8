"""The auditor's reading of the log (R-AUDIT-1…3): filters, pattern flags, chain checks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from madoguchi.app.domain.permissions import PermissionDenied, Role
from madoguchi.app.services.audit_review import (
    BULK_SEARCH,
    FAILED_LOGINS,
    JAPANESE_HOLIDAYS,
    OUT_OF_HOURS,
    PROTECTED_PERSON,
    STAFF_RECORD,
    AuditFilter,
    AuditPolicy,
    AuditReviewService,
    CountKind,
    describe_detail,
)
from madoguchi.storage.audit import append_audit, audit_entries
from madoguchi.storage.models import StaffMember
from madoguchi.storage.store import LocalStore
from tests.helpers.stores import context

MONDAY = dt.datetime(2026, 11, 2, 10, 0)
SUNDAY_NIGHT = dt.datetime(2026, 11, 1, 23, 0)
AUDITOR = context(Role.AUDITOR, staff_no="A0001")
STAFF_ATENA = "000000000000777"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[LocalStore]:
    store = LocalStore.open(tmp_path / "a.db", create=True)
    with store.transaction() as session:
        for staff_no, name, atena_no in (
            ("S0001", "窓口 一郎", None),
            ("S0002", "窓口 二郎", STAFF_ATENA),
            ("A0001", "監査 花子", None),
        ):
            session.add(
                StaffMember(
                    staff_no=staff_no,
                    name=name,
                    office="本庁舎 市民課",
                    roles=["clerk"],
                    valid_from=dt.date(2020, 4, 1),
                    atena_no=atena_no,
                )
            )
    yield store
    store.close()


Entry = tuple[dt.datetime, str, str, Sequence[str], dict[str, Any]]


def log(store: LocalStore, *entries: Entry, terminal: str = "T01") -> None:
    """Append (at, staff_no, action, targets, detail) entries in one transaction."""
    with store.transaction() as session:
        for at, staff_no, action, targets, detail in entries:
            append_audit(
                session,
                at=at,
                terminal_id=terminal,
                staff_no=staff_no,
                action=action,
                target_persons=targets,
                detail=detail,
            )


def searches(staff_no: str, count: int, start: dt.datetime, every: dt.timedelta) -> list[Entry]:
    return [
        (start + i * every, staff_no, "search", [f"{i:015d}"], {"count": 1}) for i in range(count)
    ]


def review(store: LocalStore, **criteria: Any) -> list[Any]:
    return AuditReviewService(store).entries(AUDITOR, AuditFilter(**criteria))


def test_weekday_office_hours_are_not_flagged_sunday_night_is(store: LocalStore) -> None:
    log(
        store,
        (MONDAY, "S0001", "view_person", ["000000000000001"], {}),
        (SUNDAY_NIGHT, "S0001", "view_person", ["000000000000002"], {}),
    )
    rows = review(store)
    assert [(r.at, r.flags) for r in rows] == [(MONDAY, ()), (SUNDAY_NIGHT, (OUT_OF_HOURS,))]


@pytest.mark.parametrize(
    ("at", "out_of_hours"),
    [
        (dt.datetime(2026, 11, 2, 8, 29), True),
        (dt.datetime(2026, 11, 2, 8, 30), False),
        (dt.datetime(2026, 11, 2, 17, 14), False),
        (dt.datetime(2026, 11, 2, 17, 15), True),
        (dt.datetime(2026, 11, 2, 2, 0), True),
        (dt.datetime(2026, 10, 31, 10, 0), True),  # Saturday
        (dt.datetime(2026, 11, 3, 10, 0), True),  # 文化の日
        (dt.datetime(2026, 9, 22, 10, 0), True),  # 国民の休日
        (dt.datetime(2025, 11, 24, 10, 0), True),  # 振替休日
        (dt.datetime(2026, 12, 29, 10, 0), True),  # 年末年始
        (dt.datetime(2027, 1, 4, 10, 0), False),
    ],
)
def test_office_hours_and_closed_days(at: dt.datetime, out_of_hours: bool) -> None:
    assert AuditPolicy().is_out_of_hours(at) is out_of_hours


def test_office_hours_are_configurable() -> None:
    late_office = AuditPolicy(office_closes=dt.time(19, 0), year_end_closed=False)
    assert not late_office.is_out_of_hours(dt.datetime(2026, 11, 2, 18, 30))
    assert not late_office.is_out_of_hours(dt.datetime(2026, 12, 29, 10, 0))


def _nth_monday(year: int, month: int, n: int) -> dt.date:
    first = dt.date(year, month, 1)
    return first + dt.timedelta(days=(7 - first.weekday()) % 7 + 7 * (n - 1))


def _holidays_by_rule(year: int) -> set[dt.date]:
    """国民の祝日に関する法律 as amended to 2020, with the equinox approximation."""
    years = year - 1980
    spring = int(20.8431 + 0.242194 * years - years // 4)
    autumn = int(23.2488 + 0.242194 * years - years // 4)
    fixed = [(1, 1), (2, 11), (2, 23), (3, spring), (4, 29), (5, 3), (5, 4), (5, 5)]
    fixed += [(8, 11), (9, autumn), (11, 3), (11, 23)]
    days = {dt.date(year, m, d) for m, d in fixed}
    days |= {_nth_monday(year, 1, 2), _nth_monday(year, 7, 3), _nth_monday(year, 9, 3)}
    days.add(_nth_monday(year, 10, 2))
    for day in sorted(days):
        if day.weekday() == 6:  # 振替休日: the next day that is not a holiday
            substitute = day + dt.timedelta(days=1)
            while substitute in days:
                substitute += dt.timedelta(days=1)
            days.add(substitute)
    for day in sorted(days):  # 国民の休日: a day between two holidays
        between = day + dt.timedelta(days=1)
        if between not in days and between + dt.timedelta(days=1) in days:
            days.add(between)
    return days


@pytest.mark.parametrize("year", [2024, 2025, 2026, 2027])
def test_the_holiday_table_follows_the_holiday_law(year: int) -> None:
    table = {day for day in JAPANESE_HOLIDAYS if day.year == year}
    assert table == _holidays_by_rule(year)


def test_more_than_thirty_searches_in_ten_minutes_are_flagged(store: LocalStore) -> None:
    log(store, *searches("S0001", 31, MONDAY, dt.timedelta(seconds=19)))
    log(store, (MONDAY + dt.timedelta(hours=1), "S0001", "search", [], {"count": 0}))
    rows = review(store)
    assert [BULK_SEARCH in r.flags for r in rows] == [False] + [True] * 31


def test_thirty_searches_in_ten_minutes_are_not(store: LocalStore) -> None:
    log(store, *searches("S0001", 30, MONDAY, dt.timedelta(seconds=20)))
    assert all(row.flags == () for row in review(store))


def test_searches_spread_over_more_than_ten_minutes_are_not(store: LocalStore) -> None:
    log(store, *searches("S0001", 31, MONDAY, dt.timedelta(seconds=21)))
    assert all(row.flags == () for row in review(store))


def test_bursts_are_counted_per_staff_member(store: LocalStore) -> None:
    every = dt.timedelta(seconds=10)
    log(store, *searches("S0001", 20, MONDAY, every), *searches("S0002", 20, MONDAY, every))
    assert all(BULK_SEARCH not in row.flags for row in review(store))


def test_a_burst_is_found_across_the_edge_of_the_period(store: LocalStore) -> None:
    log(store, *searches("S0001", 31, MONDAY, dt.timedelta(seconds=10)))
    rows = review(store, start=MONDAY + dt.timedelta(minutes=4))
    assert len(rows) == 7
    assert all(BULK_SEARCH in row.flags for row in rows)


def test_a_staff_members_own_record_is_flagged_whoever_looks(store: LocalStore) -> None:
    log(
        store,
        (MONDAY, "S0001", "view_person", [STAFF_ATENA], {}),
        (MONDAY, "S0002", "search", ["000000000000001", STAFF_ATENA], {"count": 2}),
        (MONDAY, "S0001", "view_person", ["000000000000001"], {}),
    )
    assert [row.flags for row in review(store)] == [(), (STAFF_RECORD,), (STAFF_RECORD,)]


def test_persons_under_protection_are_flagged_through_the_hook(store: LocalStore) -> None:
    log(store, (MONDAY, "S0001", "view_person", ["000000000000005"], {}))
    assert review(store)[0].flags == ()
    service = AuditReviewService(store, protected_atena_nos=lambda session: {"000000000000005"})
    assert service.entries(AUDITOR, AuditFilter(action="view_person"))[0].flags == (
        PROTECTED_PERSON,
    )


def _sign_ins(*steps: tuple[str, str]) -> list[Entry]:
    return [
        (MONDAY + dt.timedelta(minutes=i), staff_no, action, [], {"reason": "password"})
        for i, (staff_no, action) in enumerate(steps)
    ]


def test_three_failed_logins_in_a_row_are_flagged(store: LocalStore) -> None:
    failed = ("S0001", "login_failed")
    log(store, *_sign_ins(failed, ("S0002", "login_failed"), failed, failed, ("S0001", "login")))
    rows = review(store)[::-1]
    assert [FAILED_LOGINS in r.flags for r in rows] == [True, False, True, True, False]


def test_a_successful_login_breaks_the_run(store: LocalStore) -> None:
    failed = ("S0001", "login_failed")
    log(store, *_sign_ins(failed, failed, ("S0001", "login"), failed, ("S0001", "unlock"), failed))
    assert all(FAILED_LOGINS not in row.flags for row in review(store))


def test_filters_by_staff_person_action_and_time(store: LocalStore) -> None:
    log(
        store,
        (MONDAY, "S0001", "view_person", ["000000000000101"], {}),
        (MONDAY + dt.timedelta(hours=1), "S0002", "view_person", ["000000000001010"], {}),
        (MONDAY + dt.timedelta(hours=2), "S0001", "search", ["000000000001010"], {"count": 1}),
        (MONDAY + dt.timedelta(hours=3), "S0002", "logout", [], {}),
    )
    assert [r.action for r in review(store, staff_no="S0001")] == ["search", "view_person"]
    assert [r.staff_no for r in review(store, atena_no="000000000001010")] == ["S0001", "S0002"]
    assert [r.targets for r in review(store, atena_no=" 000000000000101 ")] == [
        ("000000000000101",)
    ]
    assert [r.staff_no for r in review(store, action="logout")] == ["S0002"]
    window = review(store, start=MONDAY + dt.timedelta(hours=1), end=MONDAY + dt.timedelta(hours=2))
    assert [r.action for r in window] == ["search", "view_person"]
    assert len(review(store, limit=3)) == 3


def test_flagged_only_keeps_the_rows_with_a_flag(store: LocalStore) -> None:
    log(
        store,
        (MONDAY, "S0001", "view_person", ["000000000000001"], {}),
        (SUNDAY_NIGHT, "S0001", "view_person", ["000000000000002"], {}),
        (MONDAY, "S0001", "view_person", [STAFF_ATENA], {}),
    )
    rows = review(store, flagged_only=True)
    assert [r.flags for r in rows] == [(STAFF_RECORD,), (OUT_OF_HOURS,)]


def test_a_period_that_ends_before_it_starts_is_refused(store: LocalStore) -> None:
    with pytest.raises(ValueError, match="期間"):
        review(store, start=MONDAY, end=MONDAY - dt.timedelta(days=1))


def test_rows_carry_names_labels_and_a_summary(store: LocalStore) -> None:
    criteria = {"name": "サイトウ", "birth_date": "昭和45年3月1日", "include_removed": True}
    log(
        store,
        (MONDAY, "S0001", "search", ["000000000000001"], {"criteria": criteria, "count": 2}),
        (MONDAY, "S9999", "login_failed", [], {"reason": "unknown_staff"}),
        (MONDAY, "S0001", "export_csv", [], {"rows": 3}),
    )
    rows = review(store)[::-1]
    assert (rows[0].staff_name, rows[0].action_label) == ("窓口 一郎", "検索")
    assert rows[0].summary == "条件: 氏名=サイトウ, 生年月日=昭和45年3月1日 / 2件"
    assert (rows[1].staff_name, rows[1].action_label) == ("", "ログイン失敗")
    assert rows[1].summary == "理由: 未登録の職員番号"
    assert (rows[2].action_label, rows[2].summary) == ("export_csv", "rows=3")
    assert (rows[0].terminal_id, rows[0].seq) == ("T01", 1)


def test_describe_detail_of_a_narrow_search() -> None:
    detail = {"criteria": {"sex": "2", "atena_no": "1", "include_removed": False}, "count": 0}
    assert describe_detail("search", detail) == "条件: 性別=女, 宛名番号=1, 除票を除く / 0件"
    assert describe_detail("reveal", {"item": "個人番号"}) == "項目=個人番号"
    assert len(describe_detail("other", {"x": "長" * 500})) == 120


@pytest.mark.parametrize(
    "role", [Role.CLERK, Role.ADMIN, Role.SUPERVISOR, Role.CONTRACTOR, Role.PROTECTION_OFFICER]
)
def test_only_the_auditor_may_read_the_log(store: LocalStore, role: Role) -> None:
    service = AuditReviewService(store)
    ctx = context(role, staff_no="S0001")
    with pytest.raises(PermissionDenied):
        service.entries(ctx, AuditFilter())
    with pytest.raises(PermissionDenied):
        service.verify(ctx)
    with pytest.raises(PermissionDenied):
        service.summary_counts(ctx, None, None, kind=CountKind.LOGINS)
    with store.transaction() as session:
        assert audit_entries(session) == []


def test_reading_the_log_is_itself_audited(store: LocalStore) -> None:
    log(store, (MONDAY, "S0001", "view_person", [STAFF_ATENA], {}))
    review(store, atena_no=STAFF_ATENA, staff_no="S0001")
    with store.transaction() as session:
        (entry,) = audit_entries(session, action="audit_view")
    assert (entry.staff_no, entry.terminal_id, entry.target_persons) == (
        "A0001",
        "TEST-T01",
        [STAFF_ATENA],
    )
    assert entry.detail["filter"]["staff_no"] == "S0001"
    assert entry.detail["count"] == 1
    (seen,) = review(store, action="audit_view")
    assert seen.action_label == "監査ログの照会" and "職員番号=S0001" in seen.summary


def test_verify_reports_an_intact_log_and_is_audited(store: LocalStore) -> None:
    log(store, *searches("S0001", 3, MONDAY, dt.timedelta(minutes=1)))
    log(store, (MONDAY, "S0002", "login", [], {}), terminal="T02")
    report = AuditReviewService(store).verify(AUDITOR)
    assert report.intact and report.checked == 4 and report.terminals == 2
    with store.transaction() as session:
        (entry,) = audit_entries(session, action="audit_verify")
    assert entry.detail["intact"] is True and entry.detail["broken"] is None


def test_verify_finds_a_changed_entry(store: LocalStore) -> None:
    log(store, *searches("S0001", 3, MONDAY, dt.timedelta(minutes=1)))
    with store.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER audit_log_no_update"))
        conn.execute(text("DROP TRIGGER audit_log_no_delete"))
        conn.execute(text("UPDATE audit_log SET staff_no = 'S0002' WHERE seq = 2"))
    report = AuditReviewService(store).verify(AUDITOR)
    assert report.broken is not None
    assert (report.broken.terminal_id, report.broken.seq) == ("T01", 2)
    with store.transaction() as session:
        (entry,) = audit_entries(session, action="audit_verify")
    assert entry.detail["intact"] is False and entry.detail["broken"]["seq"] == 2


def test_summary_counts_per_staff_member(store: LocalStore) -> None:
    log(
        store,
        *_sign_ins(
            ("S0001", "login"),
            ("S0002", "login_failed"),
            ("S0002", "login"),
            ("S0001", "login"),
            ("S0002", "login_failed"),
        ),
        *searches("S0002", 3, MONDAY, dt.timedelta(minutes=1)),
        (MONDAY - dt.timedelta(days=2), "S0002", "login", [], {}),
    )
    service = AuditReviewService(store)
    start, end = MONDAY, MONDAY + dt.timedelta(hours=1)
    assert service.summary_counts(AUDITOR, start, end, kind=CountKind.LOGINS) == [
        ("S0001", 2),
        ("S0002", 1),
    ]
    assert service.summary_counts(AUDITOR, None, None, kind=CountKind.LOGINS) == [
        ("S0001", 2),
        ("S0002", 2),
    ]
    assert service.summary_counts(AUDITOR, start, end, kind=CountKind.FAILED_LOGINS) == [
        ("S0002", 2)
    ]
    assert service.summary_counts(AUDITOR, start, end, kind=CountKind.SEARCHES) == [("S0002", 3)]
    with store.transaction() as session:
        assert len(audit_entries(session, action="audit_view")) == 4
