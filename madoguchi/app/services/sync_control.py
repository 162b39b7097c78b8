"""The terminal's connection to the centre as the application runs it (R-SYNC-1…5).

``SyncControl`` owns the sync worker of one terminal: it starts it when the counter opens and
stops it when it closes, wakes it right after a local write that queued an op (so an approval
reaches the other terminals within the time budget, not at the next timer), bootstraps a new
terminal's replica with progress and cancel, and hands every status report to whoever
listens (the status bar). No Qt here: the GUI adapts the reports to its own thread.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from madoguchi.app.context import Clock
from madoguchi.storage.models import OutboxEntry
from madoguchi.storage.store import LocalStore
from madoguchi.storage.sync import (
    BootstrapProgress,
    BootstrapReport,
    Centre,
    PostgresCentre,
    SyncStatus,
    SyncWorker,
    bootstrap,
    read_status,
)
from madoguchi.storage.sync import meta as sync_meta
from madoguchi.storage.sync.problems import SyncProblem, from_centre

log = logging.getLogger(__name__)
StatusListener = Callable[[SyncStatus], None]
_QUEUED_OP = "madoguchi_queued_op"


def centre_from_dsn(dsn: str) -> PostgresCentre:
    """The centre at ``dsn`` (in production: TLS with this terminal's client certificate)."""
    return PostgresCentre(dsn, connect_timeout=5)


class SyncControl:
    """Start, stop, wake and watch one terminal's sync with the centre."""

    def __init__(
        self,
        store: LocalStore,
        centre: Centre,
        clock: Clock,
        *,
        poll_seconds: float = 30.0,
        backoff: tuple[float, ...] | None = None,
    ) -> None:
        self.store = store
        self.centre = centre
        self._clock = clock
        self._listeners: list[StatusListener] = []
        self._lock = threading.Lock()
        options: dict[str, Any] = {"poll_seconds": poll_seconds}
        if backoff is not None:
            options["backoff"] = backoff
        self.worker = SyncWorker(store, centre, clock=self._now, on_status=self._report, **options)
        self._watching = False

    def _now(self) -> dt.datetime:
        return self._clock.now().replace(microsecond=0)

    # -- listeners -----------------------------------------------------------------------------

    def subscribe(self, listener: StatusListener) -> Callable[[], None]:
        """Call ``listener`` (on the worker's thread) after every cycle; returns unsubscribe."""
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def _report(self, status: SyncStatus) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(status)
            except Exception:  # a listener's bug must not stop sync
                log.exception("sync status listener failed")

    def status(self) -> SyncStatus:
        """The status now (reads the store: call it off the GUI thread)."""
        return read_status(self.store, self.worker.state)

    # -- running -------------------------------------------------------------------------------

    def centre_conflicts(self, staff_no: str) -> list[SyncProblem]:
        """Every terminal's open conflicts at the centre that ``staff_no`` may settle.
        Raises CentreUnavailable (offline) or CentreRefused."""
        return [from_centre(row) for row in self.centre.conflicts(staff_no)]

    def needs_bootstrap(self) -> bool:
        """This store has never been filled from the centre (a new terminal)."""
        with self.store.transaction() as session:
            return sync_meta.cursor(session) is None

    def bootstrap(
        self,
        progress: Callable[[BootstrapProgress], None] | None = None,
        cancel: threading.Event | None = None,
    ) -> BootstrapReport:
        """Fill the replica from the centre (resumes an interrupted one). Raises
        CentreUnavailable (run again later to resume) or BootstrapCancelled."""
        return bootstrap(self.store, self.centre, progress=progress, cancel=cancel)

    def start(self) -> None:
        """Start the worker and wake it after every local write that queues an op."""
        if not self._watching:
            event.listen(self.store.sessions, "after_flush", _note_queued_op)
            event.listen(self.store.sessions, "after_commit", self._after_commit)
            self._watching = True
        self.worker.start()

    def stop(self) -> None:
        """Stop the worker (after its current cycle) and close the centre's connections."""
        if self._watching:
            event.remove(self.store.sessions, "after_flush", _note_queued_op)
            event.remove(self.store.sessions, "after_commit", self._after_commit)
            self._watching = False
        self.worker.stop()

    def nudge(self) -> None:
        """Run a cycle now (the status bar's 今すぐ同期, or after a write)."""
        self.worker.nudge()

    def _after_commit(self, session: Session) -> None:
        if session.info.pop(_QUEUED_OP, False):
            self.worker.nudge()


def _note_queued_op(session: Session, _flush_context: object) -> None:
    if any(isinstance(obj, OutboxEntry) for obj in session.new):
        session.info[_QUEUED_OP] = True
