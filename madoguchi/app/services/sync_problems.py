"""同期の確認: what the centre did not apply, for supervisors (R-SYNC-2).

A conflict is an approval made on this terminal from a state the centre no longer has:
another terminal changed the same persons or household first. The centre kept both
versions and applied neither over the other; this terminal put the centre's state back,
returned the draft to the review queue and holds its later ops on those persons. Here a
supervisor sees both versions side by side, field by field, and settles it: either by a new
decision on the draft in 審査・決裁 (refresh and approve again, or reject — the centre then
marks the conflict superseded) or by resolving it here with a note, which is itself an op
(``resolve_conflict``) the centre records. A refusal (the centre's permission or rule check
said no) is shown with its reason until a supervisor acknowledges it.

Opening a problem shows register data: it is written to the audit log. 個人番号 and
住民票コード are always masked here; the other restricted items follow the role.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from madoguchi.app.context import ServiceContext
from madoguchi.app.domain.permissions import Action, allowed
from madoguchi.app.services.review.service import KIND_NAMES
from madoguchi.app.services.sync_compare import ComparedField, compare, stale_text
from madoguchi.storage.audit import append_audit
from madoguchi.storage.outbox import enqueue_op
from madoguchi.storage.store import LocalStore
from madoguchi.storage.sync import CentreRefused, CentreUnavailable, acknowledge, list_problems
from madoguchi.storage.sync import meta as sync_meta
from madoguchi.storage.sync.problems import CONFLICT, REJECTED, SyncProblem

KIND_LABELS: Final = {CONFLICT: "競合", REJECTED: "センターで拒否"}
STATUS_LABELS: Final = {
    "open": "未解消",
    "resolving": "解消を送信済み",
    "resolved": "解消済み",
    "superseded": "再決裁・差戻しで解消",
    "acknowledged": "確認済み",
}
OP_LABELS: Final = {
    "approve_draft": "決裁（本登録）",
    "submit_draft": "仮登録",
    "withdraw_draft": "仮登録の取下げ",
    "reject_draft": "差戻し",
    "staff_changed": "職員の登録・変更",
    "terminal_changed": "端末の登録・変更",
    "issue_certificate": "証明書の交付",
    "register_measure": "支援措置の登録",
    "extend_measure": "支援措置の延長",
    "end_measure": "支援措置の終了",
    "set_hold": "発行抑止の設定",
    "lift_hold": "発行抑止の解除",
    "request_release": "一時解除の依頼",
    "decide_release": "一時解除の決定",
    "resolve_conflict": "競合の解消",
}
RESOLVING: Final = "resolving"


_PROTECTION_RIGHTS: Final = {
    **dict.fromkeys(
        ("register_measure", "extend_measure", "end_measure", "set_hold", "lift_hold"),
        Action.MANAGE_PROTECTION,
    ),
    **dict.fromkeys(("request_release", "decide_release"), Action.RELEASE_PROTECTION),
}
LIST_ACTIONS: Final = (Action.REVIEW, Action.MANAGE_PROTECTION, Action.RELEASE_PROTECTION)


def settling_right(op_type: str) -> Action:
    """Who may settle a conflict of ``op_type``: the right the op needed (as the centre says,
    ``conflict_right``): 支援措置 and 発行抑止 their officer, 一時解除 its decider, the rest a
    supervisor."""
    return _PROTECTION_RIGHTS.get(op_type, Action.REVIEW)


def may_list(ctx: ServiceContext) -> bool:
    """Supervisors and the officers of 支援措置 see (some of) the problems."""
    return any(allowed(ctx.actor.roles, action) for action in LIST_ACTIONS)


def _require_list(ctx: ServiceContext) -> None:
    if not may_list(ctx):
        ctx.actor.require(Action.REVIEW)  # raises, naming the right


def _visible(ctx: ServiceContext, problem: SyncProblem) -> bool:
    # Supervisors see every problem (a 支援措置's contents stay hidden from them); the
    # officers of 支援措置 see theirs.
    return allowed(ctx.actor.roles, Action.REVIEW) or (
        allowed(ctx.actor.roles, settling_right(problem.op_type))
        and problem.op_type in _PROTECTION_RIGHTS
    )


class SyncProblemRefused(ValueError):
    """The problem cannot be settled this way; the message says why."""


@dataclass(frozen=True)
class ProblemSummary:
    """One line of the list."""

    op_id: str
    kind: str
    kind_label: str
    op_label: str
    draft_id: str | None
    staff_no: str
    created_at: str
    reason: str
    status: str
    status_label: str
    persons: int
    terminal_id: str = ""  # another terminal's conflict, read from the centre

    @property
    def is_open(self) -> bool:
        """Still waiting for a supervisor."""
        return self.status == "open"


@dataclass(frozen=True)
class ProblemDetail:
    """Both versions side by side, what was stale, and what may be done."""

    summary: ProblemSummary
    fields: tuple[ComparedField, ...]
    stale: tuple[str, ...]
    can_resolve: bool
    can_acknowledge: bool


def _summary(problem: SyncProblem, status: str) -> ProblemSummary:
    kind_names = KIND_NAMES.get(str(problem.ours.get("draft", {}).get("kind", "")), "")
    op_label = OP_LABELS.get(problem.op_type, problem.op_type)
    if kind_names and problem.op_type in ("approve_draft", "submit_draft"):
        op_label = f"{op_label}：{kind_names}"
    return ProblemSummary(
        op_id=problem.op_id,
        kind=problem.kind,
        kind_label=KIND_LABELS.get(problem.kind, problem.kind),
        op_label=op_label,
        draft_id=problem.draft_id,
        staff_no=problem.staff_no,
        created_at=problem.created_at[:16].replace("T", " "),
        reason=problem.reason,
        status=status,
        status_label=STATUS_LABELS.get(status, status),
        persons=len(problem.persons),
        terminal_id=problem.terminal_id,
    )


class SyncProblemService:
    """The list of conflicts and refusals, both versions, and settling them."""

    def __init__(
        self, store: LocalStore, centre: Callable[[str], list[SyncProblem]] | None = None
    ) -> None:
        self._store = store
        # Every terminal's open conflicts at the centre for a staff member (the sync
        # control's ``centre_conflicts``); None on a terminal without a centre.
        self.centre = centre
        self._from_centre: dict[str, SyncProblem] = {}
        self._resolving: set[str] = set()

    def problems(
        self, ctx: ServiceContext, *, include_settled: bool = False, at_centre: bool = False
    ) -> list[ProblemSummary]:
        """Open problems (and settled ones when asked), oldest first. Lists no personal data.

        ``at_centre`` adds the open conflicts of every terminal that the centre lets this
        staff member settle (raises CentreUnavailable when it cannot be reached).
        """
        _require_list(ctx)
        with self._store.transaction() as session:
            found = list_problems(session, only_open=not include_settled)
            listed = [_summary(p, self._status(session, p)) for p in found if _visible(ctx, p)]
        if at_centre:
            if self.centre is None:
                raise SyncProblemRefused("この端末はセンターに接続する設定がありません。")
            mine = {p.op_id for p in found}
            try:
                fetched = self.centre(ctx.actor.staff_no)
            except (CentreUnavailable, CentreRefused) as problem:
                raise SyncProblemRefused(
                    f"センターの競合一覧を取得できません。この端末の分だけを表示します。（{problem}）"
                ) from problem
            central = [p for p in fetched if p.op_id not in mine]
            self._from_centre = {p.op_id: p for p in central}
            listed += [_summary(p, self._central_status(p)) for p in central]
        return listed

    def open(self, ctx: ServiceContext, op_id: str) -> ProblemDetail:
        """Both versions of what ``op_id`` touched; the view is written to the audit log."""
        _require_list(ctx)
        with self._store.transaction() as session:
            problem = self._find(ctx, session, op_id)
            append_audit(
                session,
                at=ctx.now(),
                terminal_id=ctx.terminal_id,
                staff_no=ctx.actor.staff_no,
                action="view_sync_problem",
                target_persons=list(problem.persons),
                detail={"op_id": op_id, "kind": problem.kind},
            )
            status = self._status(session, problem)
            summary = _summary(problem, status)
            return ProblemDetail(
                summary=summary,
                fields=tuple(compare(ctx, problem)),
                stale=tuple(stale_text(s) for s in problem.stale),
                can_resolve=problem.kind == CONFLICT
                and status == "open"
                and allowed(ctx.actor.roles, settling_right(problem.op_type)),
                can_acknowledge=problem.kind == REJECTED and status == "open",
            )

    def resolve(self, ctx: ServiceContext, op_id: str, note: str) -> ProblemSummary:
        """Settle a conflict with the centre's version as it stands: a ``resolve_conflict``
        op with the supervisor's note. The draft stays in the review queue (reject it there
        if it is no longer wanted); the persons are released once the centre confirms."""
        _require_list(ctx)
        note = note.strip()
        if not note:
            raise SyncProblemRefused("解消の理由（確認した内容）を入力してください。")
        with self._store.transaction() as session:
            problem = self._find(ctx, session, op_id)
            ctx.actor.require(settling_right(problem.op_type))
            if problem.kind != CONFLICT:
                raise SyncProblemRefused(
                    "競合ではありません。拒否された操作は「確認済み」にしてください。"
                )
            status = self._status(session, problem)
            if status != "open" or problem.conflict_id is None:
                raise SyncProblemRefused(
                    f"この競合は解消を受け付けられません（{STATUS_LABELS.get(status, status)}）。"
                )
            now = ctx.now()
            append_audit(
                session,
                at=now,
                terminal_id=ctx.terminal_id,
                staff_no=ctx.actor.staff_no,
                action="resolve_sync_conflict",
                target_persons=list(problem.persons),
                detail={"op_id": op_id, "conflict_id": problem.conflict_id},
            )
            enqueue_op(
                session,
                op_type="resolve_conflict",
                payload={"conflict_id": problem.conflict_id, "note": note, "op_of": op_id},
                created_at=now,
                terminal_id=ctx.terminal_id,
                staff_no=ctx.actor.staff_no,
            )
            if problem.terminal_id:  # another terminal's: its record is there, not here
                self._resolving.add(op_id)
            else:
                record = sync_meta.get_json(session, sync_meta.PROBLEM_PREFIX + op_id) or {}
                record["resolution_sent"] = {"by": ctx.actor.staff_no, "note": note}
                sync_meta.set_json(session, sync_meta.PROBLEM_PREFIX + op_id, record)
            return _summary(problem, RESOLVING)

    def acknowledge(self, ctx: ServiceContext, op_id: str) -> ProblemSummary:
        """Mark a refusal as seen by a supervisor (written to the audit log)."""
        _require_list(ctx)
        with self._store.transaction() as session:
            problem = self._find(ctx, session, op_id)
            if problem.kind != REJECTED or problem.status != "open":
                raise SyncProblemRefused("未確認の拒否ではありません。")
            acknowledge(session, op_id)
            append_audit(
                session,
                at=ctx.now(),
                terminal_id=ctx.terminal_id,
                staff_no=ctx.actor.staff_no,
                action="acknowledge_sync_refusal",
                target_persons=list(problem.persons),
                detail={"op_id": op_id},
            )
            return _summary(problem, "acknowledged")

    def _find(self, ctx: ServiceContext, session: Any, op_id: str) -> SyncProblem:
        for problem in list_problems(session, only_open=False):
            if problem.op_id == op_id and _visible(ctx, problem):
                return problem
        central = self._from_centre.get(op_id)
        if central is not None and allowed(ctx.actor.roles, settling_right(central.op_type)):
            return central
        raise SyncProblemRefused("この同期の確認事項は見つかりません。")

    def _central_status(self, problem: SyncProblem) -> str:
        return RESOLVING if problem.op_id in self._resolving else problem.status

    def _status(self, session: Any, problem: SyncProblem) -> str:
        if problem.terminal_id:
            return self._central_status(problem)
        if problem.status != "open":
            return problem.status
        record = sync_meta.get_json(session, sync_meta.PROBLEM_PREFIX + problem.op_id) or {}
        return RESOLVING if record.get("resolution_sent") else problem.status
