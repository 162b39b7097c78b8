"""The one background-operation helper (STYLE.md, after Anki's ``QueryOp``).

``Op(parent, lambda: service.search(ctx, criteria)).success(show).failure(show_error).run()``
runs the work on the single database thread and calls back on the GUI thread. Widgets never
open sessions or commit; every database touch goes through this one executor thread, so the
GUI thread is never blocked by storage (R-PERF: no stall > 100 ms).

Card work (PC/SC, R-CARD-5) runs the same way on its own single thread:
``Op(parent, lambda: session.read_face(pin), executor=card_executor())``. A card wait can
block for seconds; on its own thread it never holds up a search queued on the database thread,
and one thread means one card conversation at a time.
"""

from __future__ import annotations

import concurrent.futures
import itertools
import logging
from collections.abc import Callable
from typing import Any, Generic, TypeVar

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal

from madoguchi.widgets.messages import message_bridge

log = logging.getLogger(__name__)
T = TypeVar("T")

_executor: concurrent.futures.ThreadPoolExecutor | None = None
_card_executor: concurrent.futures.ThreadPoolExecutor | None = None


def database_executor() -> concurrent.futures.ThreadPoolExecutor:
    """The process's single database worker thread."""
    global _executor
    if _executor is None:
        _executor = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="db")
    return _executor


def card_executor() -> concurrent.futures.ThreadPoolExecutor:
    """The process's single card worker thread (PC/SC), apart from the database thread."""
    global _card_executor
    if _card_executor is None:
        _card_executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="card"
        )
    return _card_executor


def shutdown_executor() -> None:
    """Wait for queued work and stop both workers (at application exit)."""
    global _executor, _card_executor
    if _card_executor is not None:
        _card_executor.shutdown(wait=True)
        _card_executor = None
    if _executor is not None:
        _executor.shutdown(wait=True)
        _executor = None


class _Dispatcher(QObject):
    """Lives on the GUI thread for the whole run; runs callables posted from the worker.

    One long-lived object instead of one per op: a widget may be deleted while its op is
    still running, and a per-op QObject owned by it would then be emitted on after deletion.
    """

    deliver = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.deliver.connect(self._run, Qt.ConnectionType.QueuedConnection)

    def _run(self, callback: object) -> None:
        assert callable(callback)
        callback()


_dispatcher: _Dispatcher | None = None


def _gui_dispatcher() -> _Dispatcher:
    global _dispatcher
    if _dispatcher is None:
        _dispatcher = _Dispatcher()
        app = QCoreApplication.instance()
        if app is not None and _dispatcher.thread() is not app.thread():
            # First used from a worker thread: it must still run callbacks on the GUI thread.
            _dispatcher.moveToThread(app.thread())
    return _dispatcher


def post_to_gui(callback: Callable[[], object]) -> None:
    """Run ``callback`` on the GUI thread, soon (callable from any thread)."""
    _gui_dispatcher().deliver.emit(callback)


class Op(Generic[T]):
    """A unit of background work with GUI-thread callbacks.

    The work runs on the database thread unless another ``executor`` is given (the card
    thread: ``card_executor()``).
    """

    def __init__(
        self,
        parent: QObject,
        work: Callable[[], T],
        *,
        executor: concurrent.futures.Executor | None = None,
    ) -> None:
        self._parent = parent
        self._work = work
        self._executor = executor
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
        """Queue the work on its thread (call on the GUI thread).

        The widget and its callbacks stay on the GUI thread, in a table the worker only knows
        by a number: if the worker held the last reference to a widget (through a callback),
        the widget would be destroyed on the worker thread, which Qt does not survive.
        """
        dispatcher = _gui_dispatcher()
        token = next(_tokens)
        _pending[token] = (self._parent, self._on_success, self._on_failure)
        work = self._work

        def job() -> T:
            try:
                result = work()
            except BaseException as exc:
                error = exc
                dispatcher.deliver.emit(lambda: _finish(token, None, error))
                raise
            dispatcher.deliver.emit(lambda: _finish(token, result, None))
            return result

        return (self._executor or database_executor()).submit(job)


_tokens = itertools.count(1)
_pending: dict[int, tuple[QObject, Any, Any]] = {}


def _finish(token: int, result: object, error: BaseException | None) -> None:
    """On the GUI thread: hand the outcome of op ``token`` to its callbacks."""
    parent, on_success, on_failure = _pending.pop(token)
    alive = shiboken6.isValid(parent)
    if error is not None:
        if on_failure is not None and alive:
            on_failure(error)
        else:
            message_bridge().report_exception(error)
        return
    if not alive:
        log.debug("background op finished after its widget was deleted")
        return
    if on_success is not None:
        on_success(result)
