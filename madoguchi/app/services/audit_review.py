"""監査ログの照会 (R-AUDIT-1…3): filter the log, flag suspicious patterns, verify the chains.

Only the auditor may read the log (Action.AUDIT_VIEW), and every reading is written to the
log in the same transaction ("audit_view", "audit_verify"): the auditor is audited too.
The flags follow the analysis examples of the 標準仕様書 (standard/j1370.txt): access late at
night or on closed days, bulk searches, runs of failed sign-ins, and look-ups of the records
of staff members and of persons under a 支援措置.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, replace
from enum import StrEnum
from typing import Any

from sqlalchemy import Select, Text, and_, cast, func, or_, select
from sqlalchemy.orm import Session

from madoguchi.app.context import ServiceContext
from madoguchi.app.domain.permissions import Action
from madoguchi.app.services import protection
from madoguchi.storage.audit import ChainReport, append_audit, verify_chain
from madoguchi.storage.models import AuditEntry, StaffMember
from madoguchi.storage.store import LocalStore


def _labels(table: str) -> dict[str, str]:
    return dict(pair.split("=") for pair in table.split())


AUDIT_ACTION_LABELS = _labels(
    "search=検索 view_person=個人照会 view_household=世帯照会 login=ログイン "
    "login_failed=ログイン失敗 account_locked=アカウントロック lock=画面ロック unlock=ロック解除 "
    "logout=ログアウト reveal=秘匿項目の表示 permission_change=権限変更 "
    "password_changed=パスワード変更 password_check=パスワード確認 "
    "second_factor_asked=第二認証の要求 audit_view=監査ログの照会 audit_verify=改ざん検査 "
    "certificate_preview=証明書の確認 issue_certificate=証明書の交付 "
    "certificate_refused=証明書請求の拒否 issuance_log_view=交付履歴の照会 "
    "certificate_disposal=証明書の処分 "
    "protection_measure=支援措置の登録 protection_extend=支援措置の延長 "
    "protection_end=支援措置の終了 protection_view=支援措置の照会 "
    "issuance_hold=発行抑止の設定 issuance_hold_lift=発行抑止の解除 "
    "issuance_hold_view=発行抑止の照会 "
    "protection_release_request=一時解除の依頼 protection_release=一時解除 "
    "protection_release_refused=一時解除の不承認 protection_release_view=一時解除依頼の照会 "
    "view_sync_problem=同期の確認事項の照会 resolve_sync_conflict=同期の競合の解消 "
    "acknowledge_sync_refusal=同期の拒否の確認"
)

OUT_OF_HOURS = "時間外アクセス"
BULK_SEARCH = "大量検索"
STAFF_RECORD = "職員の記録の照会"
PROTECTED_PERSON = "支援措置対象者の照会"
FAILED_LOGINS = "ログイン失敗の連続"
FLAGS = (OUT_OF_HOURS, BULK_SEARCH, STAFF_RECORD, PROTECTED_PERSON, FAILED_LOGINS)

# A successful sign-in (login, screen unlock, password check) resets the failure count, as
# StaffMember.failed_logins does.
_SIGN_IN_SUCCESS = frozenset({"login", "unlock", "password_check"})

# 国民の祝日 with 振替休日 and 国民の休日 (内閣府). 春分・秋分 are fixed each February for the
# next year, so the table is kept by hand: add the next year when the 官報 announces it.
_HOLIDAYS_BY_YEAR = {
    2024: "0101 0108 0211 0212 0223 0320 0429 0503 0504 0505 0506 0715 0811 0812 0916 "
    "0922 0923 1014 1103 1104 1123",
    2025: "0101 0113 0211 0223 0224 0320 0429 0503 0504 0505 0506 0721 0811 0915 0923 "
    "1013 1103 1123 1124",
    2026: "0101 0112 0211 0223 0320 0429 0503 0504 0505 0506 0720 0811 0921 0922 0923 "
    "1012 1103 1123",
    2027: "0101 0111 0211 0223 0321 0322 0429 0503 0504 0505 0719 0811 0920 0923 1011 1103 1123",
}
JAPANESE_HOLIDAYS = frozenset(
    dt.date(year, int(day[:2]), int(day[2:]))
    for year, days in _HOLIDAYS_BY_YEAR.items()
    for day in days.split()
)


def _year_end(day: dt.date) -> bool:
    # 年末年始 (12/29–1/3) is a closed period of every municipality (地方自治法 §4-2).
    return (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3)


@dataclass(frozen=True)
class AuditPolicy:
    """What counts as suspicious: office hours, closed days and the pattern thresholds."""

    office_opens: dt.time = dt.time(8, 30)
    office_closes: dt.time = dt.time(17, 15)
    closed_weekdays: frozenset[int] = frozenset({5, 6})
    holidays: frozenset[dt.date] = JAPANESE_HOLIDAYS
    year_end_closed: bool = True
    bulk_search_count: int = 30
    """More than this many searches by one staff member within ``bulk_search_window``."""
    bulk_search_window: dt.timedelta = dt.timedelta(minutes=10)
    failed_login_run: int = 3
    """This many failed sign-ins of one staff number with no success in between."""
    failed_login_lookback: dt.timedelta = dt.timedelta(days=1)

    def is_closed_day(self, day: dt.date) -> bool:
        """True on weekends, national holidays and (by default) 年末年始."""
        if day.weekday() in self.closed_weekdays or day in self.holidays:
            return True
        return self.year_end_closed and _year_end(day)

    def is_out_of_hours(self, at: dt.datetime) -> bool:
        """True outside office hours or on a closed day."""
        if self.is_closed_day(at.date()):
            return True
        return not (self.office_opens <= at.time() < self.office_closes)


@dataclass(frozen=True)
class AuditFilter:
    """What the auditor asks for; None means any. ``atena_no`` matches the target persons."""

    staff_no: str | None = None
    atena_no: str | None = None
    action: str | None = None
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    flagged_only: bool = False
    limit: int = 500


@dataclass(frozen=True)
class AuditRow:
    """One audit entry as the auditor screen shows it, newest first, with its flags."""

    id: int
    at: dt.datetime
    terminal_id: str
    seq: int
    staff_no: str
    staff_name: str
    action: str
    action_label: str
    targets: tuple[str, ...]
    summary: str
    purpose: str | None
    flags: tuple[str, ...]


class CountKind(StrEnum):
    """The per-staff counts of the j1370 analysis views; values are the actions counted."""

    LOGINS = "login"
    FAILED_LOGINS = "login_failed"
    SEARCHES = "search"


COUNT_LABELS: dict[CountKind, str] = {
    CountKind.LOGINS: "ID別ログイン数",
    CountKind.FAILED_LOGINS: "ID別ログイン失敗数",
    CountKind.SEARCHES: "ID別検索数",
}


_CRITERIA_LABELS = _labels(
    "name=氏名 birth_date=生年月日 address=住所 sex=性別 atena_no=宛名番号 "
    "resident_code=住民票コード individual_number=個人番号"
)
_SEX_LABELS = {"1": "男", "2": "女"}
_FAILURE_REASONS = _labels(
    "password=パスワード誤り unknown_staff=未登録の職員番号 locked=ロック中 "
    "inactive=無効または有効期間外 password_expired=パスワード期限切れ second_factor=第二認証の誤り"
)
_DETAIL_LABELS = (
    _labels(
        "household_no=世帯番号 item=項目 reason=理由 failures=連続失敗回数 count=件数 "
        "staff_no=職員番号 action=操作 start=開始 end=終了 flagged_only=要注意のみ limit=上限 "
        "summary=集計 checked=検査件数 terminals=端末数 intact=改ざんなし terminal_id=端末 seq=番号"
        " kind=種別 requester_kind=請求者 items=記載事項 individual_number_printed=個人番号記載 "
        "resident_code_printed=住民票コード記載 copies=通数 issue_numbers=発行番号 fee=手数料 "
        "official=公用 delivery=交付方法 reprint_of=再印刷元 release_id=一時解除 issue_id=交付 "
        "refusal=区分 measure_id=支援措置 hold_id=発行抑止 level=抑止レベル valid_until=有効期限 "
        "ends_on=終了日 day=日付"
    )
    | _CRITERIA_LABELS
)
_SUMMARY_LENGTH = 120


def _plain(detail: Mapping[str, Any]) -> str:
    """``label=value, …`` with nested mappings flattened and empty values left out."""
    parts = []
    for key, value in detail.items():
        if isinstance(value, Mapping):
            parts.append(_plain(value))
        elif isinstance(value, bool):
            parts.append(f"{_DETAIL_LABELS.get(key, key)}={'はい' if value else 'いいえ'}")
        elif value is not None and value != "":
            parts.append(f"{_DETAIL_LABELS.get(key, key)}={value}")
    return ", ".join(part for part in parts if part)


def describe_detail(action: str, detail: Mapping[str, Any]) -> str:
    """A short Japanese summary of an entry's detail, e.g. ``条件: 氏名=サイトウ / 2件``."""
    if action == "search":
        criteria = detail.get("criteria") or {}
        parts = [
            f"{label}={_SEX_LABELS.get(value, value) if key == 'sex' else value}"
            for key, label in _CRITERIA_LABELS.items()
            if (value := criteria.get(key))
        ]
        if criteria.get("include_removed") is False:
            parts.append("除票を除く")
        text = "条件: " + ", ".join(parts) if parts else "条件なし"
        if "count" in detail:
            text += f" / {detail['count']}件" + ("（打切り）" if detail.get("truncated") else "")
    elif action == "login_failed" and "reason" in detail:
        text = "理由: " + _FAILURE_REASONS.get(str(detail["reason"]), str(detail["reason"]))
    else:
        text = _plain(detail)
    return text if len(text) <= _SUMMARY_LENGTH else text[: _SUMMARY_LENGTH - 1] + "…"


def _pattern_marks(entries: Iterable[AuditEntry], policy: AuditPolicy) -> dict[int, set[str]]:
    """Ids of entries in a search burst or a run of failed sign-ins: one pass in time order."""
    marks: dict[int, set[str]] = defaultdict(set)
    searches: dict[str, deque[AuditEntry]] = defaultdict(deque)
    failures: dict[str, list[int]] = defaultdict(list)
    for entry in sorted(entries, key=lambda e: (e.at, e.id)):
        if entry.action == "search":
            window = searches[entry.staff_no]
            window.append(entry)
            while entry.at - window[0].at > policy.bulk_search_window:
                window.popleft()
            if len(window) > policy.bulk_search_count:
                # Marked entries are always a prefix of the window: stop at the first one.
                for member in reversed(window):
                    if BULK_SEARCH in marks[member.id]:
                        break
                    marks[member.id].add(BULK_SEARCH)
        elif entry.action == "login_failed":
            run = failures[entry.staff_no]
            run.append(entry.id)
            if len(run) == policy.failed_login_run:
                for entry_id in run:
                    marks[entry_id].add(FAILED_LOGINS)
            elif len(run) > policy.failed_login_run:
                marks[entry.id].add(FAILED_LOGINS)
        elif entry.action in _SIGN_IN_SUCCESS:
            failures.pop(entry.staff_no, None)
    return marks


def _check_period(start: dt.datetime | None, end: dt.datetime | None) -> None:
    if start is not None and end is not None and start > end:
        raise ValueError("期間の開始が終了より後になっています。")


def _normalized(wanted: AuditFilter) -> AuditFilter:
    def text(value: str | None) -> str | None:
        return (value or "").strip() or None

    _check_period(wanted.start, wanted.end)
    if wanted.limit < 1:
        raise ValueError("表示件数は1件以上を指定してください。")
    staff_no, atena_no, action = (
        text(v) for v in (wanted.staff_no, wanted.atena_no, wanted.action)
    )
    return replace(wanted, staff_no=staff_no, atena_no=atena_no, action=action)


def _as_detail(fields: Mapping[str, Any]) -> dict[str, Any]:
    """JSON-ready audit detail: datetimes as ISO text."""
    return {k: v.isoformat() if isinstance(v, dt.datetime) else v for k, v in fields.items()}


class AuditReviewService:
    """The auditor's reading of the log: filtered, flagged rows, chain checks and counts."""

    def __init__(
        self,
        store: LocalStore,
        policy: AuditPolicy | None = None,
        protected_atena_nos: Callable[[Session], set[str]] = protection.protected_atena_nos,
    ) -> None:
        self._store = store
        self._policy = policy or AuditPolicy()
        self._protected_atena_nos = protected_atena_nos

    def entries(self, ctx: ServiceContext, audit_filter: AuditFilter) -> list[AuditRow]:
        """The entries matching ``audit_filter``, newest first, flagged; the look is audited."""
        ctx.actor.require(Action.AUDIT_VIEW)
        wanted = _normalized(audit_filter)
        with self._store.transaction() as session:
            found = [
                entry
                for entry in session.scalars(self._statement(wanted))
                if wanted.atena_no is None or wanted.atena_no in entry.target_persons
            ]
            window = {e.id: e for e in [*found, *self._pattern_context(session, found)]}
            marks = _pattern_marks(window.values(), self._policy)
            staff = session.execute(
                select(StaffMember.staff_no, StaffMember.name, StaffMember.atena_no)
            ).all()
            names = {staff_no: name for staff_no, name, _ in staff}
            staff_records = {atena_no for _, _, atena_no in staff if atena_no}
            protected = self._protected_atena_nos(session)
            rows: list[AuditRow] = []
            for entry in found:
                flags = self._flags(entry, marks, staff_records, protected)
                if wanted.flagged_only and not flags:
                    continue
                rows.append(self._row(entry, names.get(entry.staff_no, ""), flags))
                if len(rows) >= wanted.limit:
                    break
            self._audit(
                session,
                ctx,
                "audit_view",
                {"filter": _as_detail(asdict(wanted)), "count": len(rows)},
                targets=[wanted.atena_no] if wanted.atena_no else [],
            )
        return rows

    def verify(self, ctx: ServiceContext) -> ChainReport:
        """Verify every terminal's hash chain (R-AUDIT-2); the check itself is audited."""
        ctx.actor.require(Action.AUDIT_VIEW)
        with self._store.transaction() as session:
            report = verify_chain(session)
            detail: dict[str, Any] = {"checked": report.checked, "terminals": report.terminals}
            detail["intact"] = report.intact
            detail["broken"] = asdict(report.broken) if report.broken is not None else None
            self._audit(session, ctx, "audit_verify", detail)
        return report

    def summary_counts(
        self,
        ctx: ServiceContext,
        start: dt.datetime | None,
        end: dt.datetime | None,
        *,
        kind: CountKind,
    ) -> list[tuple[str, int]]:
        """(staff number, count) of ``kind`` in the period, most first: aggregates only."""
        ctx.actor.require(Action.AUDIT_VIEW)
        _check_period(start, end)
        count = func.count(AuditEntry.id)
        statement = (
            select(AuditEntry.staff_no, count)
            .where(AuditEntry.action == kind.value)
            .group_by(AuditEntry.staff_no)
            .order_by(count.desc(), AuditEntry.staff_no)
        )
        if start is not None:
            statement = statement.where(AuditEntry.at >= start)
        if end is not None:
            statement = statement.where(AuditEntry.at <= end)
        with self._store.transaction() as session:
            counts = [(staff_no, int(n)) for staff_no, n in session.execute(statement)]
            period = _as_detail({"summary": kind.value, "start": start, "end": end})
            self._audit(session, ctx, "audit_view", period)
        return counts

    def _statement(self, wanted: AuditFilter) -> Select[AuditEntry]:
        statement = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        if wanted.staff_no is not None:
            statement = statement.where(AuditEntry.staff_no == wanted.staff_no)
        if wanted.action is not None:
            statement = statement.where(AuditEntry.action == wanted.action)
        if wanted.start is not None:
            statement = statement.where(AuditEntry.at >= wanted.start)
        if wanted.end is not None:
            statement = statement.where(AuditEntry.at <= wanted.end)
        if wanted.atena_no is not None:
            # A prefilter on the stored JSON text; the exact membership test follows in Python.
            needle = f'"{wanted.atena_no}"'
            statement = statement.where(
                cast(AuditEntry.target_persons, Text).contains(needle, autoescape=True)
            )
        if not wanted.flagged_only:
            statement = statement.limit(wanted.limit)
        return statement

    def _pattern_context(self, session: Session, found: list[AuditEntry]) -> list[AuditEntry]:
        """The searches and sign-ins around ``found`` that bursts and failure runs depend on."""
        searchers = {e.staff_no for e in found if e.action == "search"}
        failers = {e.staff_no for e in found if e.action == "login_failed"}
        if not searchers and not failers:
            return []
        first, last = min(e.at for e in found), max(e.at for e in found)
        sign_ins = {"login_failed", *_SIGN_IN_SUCCESS}
        conditions = [
            and_(
                AuditEntry.action.in_(actions),
                AuditEntry.staff_no.in_(staff),
                AuditEntry.at.between(first - margin, last + margin),
            )
            for actions, staff, margin in (
                ({"search"}, searchers, self._policy.bulk_search_window),
                (sign_ins, failers, self._policy.failed_login_lookback),
            )
            if staff
        ]
        return list(session.scalars(select(AuditEntry).where(or_(*conditions))))

    def _flags(
        self,
        entry: AuditEntry,
        marks: Mapping[int, set[str]],
        staff_records: set[str],
        protected: set[str],
    ) -> tuple[str, ...]:
        found = set(marks.get(entry.id, ()))
        if self._policy.is_out_of_hours(entry.at):
            found.add(OUT_OF_HOURS)
        targets = {str(t) for t in entry.target_persons}
        if targets & staff_records:
            found.add(STAFF_RECORD)
        if targets & protected:
            found.add(PROTECTED_PERSON)
        return tuple(flag for flag in FLAGS if flag in found)

    @staticmethod
    def _row(entry: AuditEntry, staff_name: str, flags: tuple[str, ...]) -> AuditRow:
        return AuditRow(
            id=entry.id,
            at=entry.at,
            terminal_id=entry.terminal_id,
            seq=entry.seq,
            staff_no=entry.staff_no,
            staff_name=staff_name,
            action=entry.action,
            action_label=AUDIT_ACTION_LABELS.get(entry.action, entry.action),
            targets=tuple(str(t) for t in entry.target_persons),
            summary=describe_detail(entry.action, entry.detail),
            purpose=entry.purpose,
            flags=flags,
        )

    @staticmethod
    def _audit(
        session: Session,
        ctx: ServiceContext,
        action: str,
        detail: dict[str, Any],
        *,
        targets: list[str] | None = None,
    ) -> None:
        append_audit(
            session,
            at=ctx.now(),
            terminal_id=ctx.terminal_id,
            staff_no=ctx.actor.staff_no,
            action=action,
            target_persons=targets or [],
            detail=detail,
        )
