"""The sync worker: cycles of push then pull on a thread of its own, off the GUI thread.

A cycle pushes the pending ops, pulls the change log (and takes a new snapshot when the
centre's log no longer reaches back to the cursor), and records the outcome. Between cycles
the worker waits for the first of: a change notification from the centre (LISTEN/NOTIFY — a
nudge only), a new local op, ``nudge()``, or the timer. When the centre is unreachable it
retries on a timer with backoff (1 s … 60 s): the queue never waits for a new write to be
retried (the stalled-upload bug of several sync SDKs), and the terminal keeps working
offline. Status goes to ``on_status`` after every cycle; it carries no Qt, the GUI adapts it.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from madoguchi.storage.store import LocalStore
from madoguchi.storage.sync import meta
from madoguchi.storage.sync.bootstrap import BootstrapReport, bootstrap
from madoguchi.storage.sync.centre import Centre, CentreRefused, CentreUnavailable, ResyncNeeded
from madoguchi.storage.sync.handover import hand_over_interface_records
from madoguchi.storage.sync.pull import NotBootstrapped, PullReport, pull_changes
from madoguchi.storage.sync.push import PushReport, push_pending
from madoguchi.storage.sync.status import SyncStatus, WorkerState, read_status

log = logging.getLogger(__name__)
BACKOFF_SECONDS: tuple[float, ...] = (1, 2, 5, 10, 20, 30, 60)
Clock = Callable[[], dt.datetime]


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


@dataclass
class CycleReport:
    """One cycle: what was pushed and pulled, or why it could not run."""

    push: PushReport | None = None
    pull: PullReport | None = None
    bootstrap: BootstrapReport | None = None
    error: str | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """The cycle reached the centre and finished."""
        return self.error is None


class SyncWorker:
    """Keeps one terminal's replica and outbox in step with the centre."""

    def __init__(
        self,
        store: LocalStore,
        centre: Centre,
        *,
        clock: Clock = _now,
        poll_seconds: float = 30.0,
        local_check_seconds: float = 0.5,
        backoff: Sequence[float] = BACKOFF_SECONDS,
        listen: bool = True,
        on_status: Callable[[SyncStatus], None] | None = None,
    ) -> None:
        self.store = store
        self.centre = centre
        self.clock = clock
        self.poll_seconds = poll_seconds
        self.local_check_seconds = local_check_seconds
        self.backoff = tuple(backoff)
        self.listen = listen
        self.on_status = on_status
        self.state = WorkerState()
        self._stop = threading.Event()
        self._nudged = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    # -- one cycle ---------------------------------------------------------------------------

    def run_once(self) -> CycleReport:
        """Push, then pull; never raises for an unreachable or refusing centre."""
        started = time.perf_counter()
        report = CycleReport()
        with self._lock:
            try:
                report.push = push_pending(self.store, self.centre, self.clock)
                hand_over_interface_records(self.store)  # the centre has them now
                try:
                    report.pull = pull_changes(self.store, self.centre)
                except (ResyncNeeded, NotBootstrapped) as reason:
                    log.warning("sync: taking a snapshot from the centre (%s)", reason)
                    report.bootstrap = bootstrap(self.store, self.centre)
                    report.pull = pull_changes(self.store, self.centre)
                if report.pull.applied and report.push.held:
                    self._nudged.set()  # a settled conflict may have released held ops
                self._succeeded()
            except (CentreUnavailable, CentreRefused) as problem:
                report.error = str(problem)
                self._failed(report.error, refused=isinstance(problem, CentreRefused))
        report.seconds = time.perf_counter() - started
        self._publish()
        return report

    def _succeeded(self) -> None:
        now = self.clock()
        with self.store.transaction() as session:
            meta.set_text(session, meta.LAST_SUCCESS, now.isoformat())
        self.state = replace(
            self.state,
            online=True,
            refused=False,
            last_error=None,
            failures=0,
            next_attempt_at=None,
        )

    def _failed(self, error: str, *, refused: bool = False) -> None:
        failures = self.state.failures + 1
        delay = self._backoff_delay(failures)
        self.state = replace(
            self.state,
            online=False,
            refused=refused,
            last_error=error,
            failures=failures,
            next_attempt_at=self.clock() + dt.timedelta(seconds=delay),
        )
        log.info("sync: centre unavailable (%s); next try in %s s", error, delay)

    def _backoff_delay(self, failures: int) -> float:
        return self.backoff[min(failures, len(self.backoff)) - 1]

    def status(self) -> SyncStatus:
        """The status the status bar shows."""
        return read_status(self.store, self.state)

    def _publish(self) -> None:
        if self.on_status is not None:
            self.on_status(self.status())

    # -- the thread ----------------------------------------------------------------------------

    def start(self) -> None:
        """Run cycles on a daemon thread until ``stop``."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self.state = replace(self.state, running=True)
        self._thread = threading.Thread(target=self._run, name="madoguchi-sync", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop after the current cycle and close the centre's connections."""
        self._stop.set()
        self._nudged.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self.state = replace(self.state, running=False)
        self.centre.close()

    def nudge(self) -> None:
        """Start a cycle now (after a local write, or when the user asks)."""
        self._nudged.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                report = self.run_once()
            except Exception:  # a bug: log it, keep the worker alive, try again later
                log.exception("sync cycle failed")
                report = CycleReport(error="internal error")
                self._failed("internal error")
            delay = self.poll_seconds if report.ok else self._backoff_delay(self.state.failures)
            try:
                self._wait(delay, online=report.ok)
            except Exception:  # the same: the thread must outlive any one wait
                log.exception("sync wait failed")
                self._stop.wait(delay)

    def _outbox_mark(self) -> int:
        # A plain read on a raw connection: no write lock (the store's sessions take one).
        raw = self.store.engine.raw_connection()
        try:
            row = raw.cursor().execute("SELECT max(seq) FROM outbox").fetchone()
            return int(row[0] or 0) if row else 0
        finally:
            raw.close()

    def _wait(self, seconds: float, *, online: bool) -> None:
        deadline = time.monotonic() + seconds
        mark = self._outbox_mark()
        next_check = time.monotonic() + self.local_check_seconds
        while not self._stop.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self._nudged.is_set():
                break
            step = min(remaining, 0.25)
            if online and self.listen:
                try:
                    if self.centre.wait_for_change(step):
                        break
                except CentreUnavailable:
                    online = False  # the listener dropped: the next cycle finds out more
            else:
                self._nudged.wait(step)
            if online and time.monotonic() >= next_check:
                next_check = time.monotonic() + self.local_check_seconds
                if self._outbox_mark() != mark:
                    break
        self._nudged.clear()
