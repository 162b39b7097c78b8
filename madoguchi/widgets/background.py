"""The one background-operation helper (STYLE.md, after Anki's ``QueryOp``).

``Op(parent, lambda: service.search(ctx, criteria)).success(show).failure(show_error).run()``
runs the work on the single database thread and calls back on the GUI thread. Widgets never
open sessions or commit; every database touch goes through this one executor thread, so the
GUI thread is never blocked by storage (R-PERF: no stall > 100 ms).
"""

from __future__ import annotations

import concurrent.futures
import logging
from collections.abc import Callable
from typing import Generic, TypeVar

from PySide6.QtCore import QObject, Signal

from madoguchi.widgets.messages import message_bridge

log = logging.getLogger(__name__)
T = TypeVar("T")

_executor: concurrent.futures.ThreadPoolExecutor | None = None


def database_executor() -> concurrent.futures.ThreadPoolExecutor:
    """The process's single database worker thread."""
    global _executor
    if _executor is None:
        _executor = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="db")
    return _executor


def shutdown_executor() -> None:
    """Wait for queued work and stop the worker (at application exit)."""
    global _executor
    if _executor is not None:
        _executor.shutdown(wait=True)
        _executor = None


class _Relay(QObject):
    """Lives on the GUI thread; its signals, emitted from the worker, arrive queued."""

    succeeded = Signal(object)
    failed = Signal(object)


class Op(Generic[T]):
    """A unit of background work with GUI-thread callbacks."""

    def __init__(self, parent: QObject, work: Callable[[], T]) -> None:
        self._parent = parent
        self._work = work
        self._on_success: Callable[[T], None] | None = None
        self._on_failure: Callable[[BaseException], None] | None = None

    def success(self, callback: Callable[[T], None]) -> Op[T]:
        """Call ``callback(result)`` on the GUI thread when the work returns."""
        self._on_success = callback
        return self

    def failure(self, callback: Callable[[BaseException], None]) -> Op[T]:
        """Call ``callback(exc)`` on the GUI thread when the work raises.

        Without one, the failure goes to the message bridge (a user-facing error, or the crash
        dialog for a bug).
        """
        self._on_failure = callback
        return self

    def run(self) -> concurrent.futures.Future[T]:
        """Queue the work on the database thread."""
        relay = _Relay(self._parent)
        on_success, on_failure = self._on_success, self._on_failure

        def delivered_success(result: object) -> None:
            relay.deleteLater()
            if on_success is not None:
                on_success(result)  # type: ignore[arg-type]

        def delivered_failure(exc: object) -> None:
            relay.deleteLater()
            assert isinstance(exc, BaseException)
            if on_failure is not None:
                on_failure(exc)
            else:
                message_bridge().report_exception(exc)

        relay.succeeded.connect(delivered_success)
        relay.failed.connect(delivered_failure)
        work = self._work

        def emit(signal_name: str, value: object) -> None:
            try:
                getattr(relay, signal_name).emit(value)
            except RuntimeError:
                # The widget that asked was closed meanwhile; nobody is left to tell.
                log.debug("background op finished after its widget was deleted")

        def job() -> T:
            try:
                result = work()
            except BaseException as exc:
                emit("failed", exc)
                raise
            emit("succeeded", result)
            return result

        return database_executor().submit(job)
