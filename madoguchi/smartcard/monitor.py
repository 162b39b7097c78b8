"""Watching readers and cards come and go (R-CARD-1).

A daemon thread waits on ``SCardGetStatusChange`` with the PnP pseudo-reader, so a reader
plugged in later is seen at once, and reports a snapshot on every change. Unlike pyscard's
monitors it does not die silently without pcscd: it reports ``NoPcscService`` and tries again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from smartcard import scard

from madoguchi.smartcard.errors import CardError
from madoguchi.smartcard.transport import PNP_NOTIFICATION, PcscContext, ReaderState

log = logging.getLogger(__name__)

RETRY_SECONDS: Final = 2.0
WAIT_MS: Final = 500


@dataclass(frozen=True, slots=True)
class ReaderSnapshot:
    """All readers and their cards at one moment, or the reason there are none."""

    readers: tuple[ReaderState, ...]
    problem: CardError | None = None


class ReaderWatch:
    """Calls ``on_change(snapshot)`` from its own thread whenever readers or cards change."""

    def __init__(self, on_change: Callable[[ReaderSnapshot], None]) -> None:
        self._on_change = on_change
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="reader-watch", daemon=True)
        self._last: ReaderSnapshot | None = None

    def start(self) -> None:
        """Begin watching."""
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        """Stop and wait for the thread (it wakes at least every half second)."""
        self._stop.set()
        self._thread.join(timeout)

    def _report(self, snapshot: ReaderSnapshot) -> None:
        if snapshot != self._last:
            self._last = snapshot
            self._on_change(snapshot)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                with PcscContext() as context:
                    self._watch(context)
            except CardError as problem:
                self._report(ReaderSnapshot((), problem))
            except Exception:
                log.exception("reader watch failed; retrying")
            self._stop.wait(RETRY_SECONDS)

    def _watch(self, context: PcscContext) -> None:
        names = context.readers()
        self._report(ReaderSnapshot(tuple(context.states(names))))
        known = {name: scard.SCARD_STATE_UNAWARE for name in names}
        known[PNP_NOTIFICATION] = scard.SCARD_STATE_UNAWARE
        # The first call only learns the current states.
        first = context.wait_for_change(known, 0)
        if first:
            known.update(dict(first))
        while not self._stop.is_set():
            changed = context.wait_for_change(known, WAIT_MS)
            if changed is None:
                continue
            current = context.readers()
            if set(current) != set(names) or not changed:
                names = current
                self._report(ReaderSnapshot(tuple(context.states(names))))
                known = {name: scard.SCARD_STATE_UNAWARE for name in names}
                known[PNP_NOTIFICATION] = scard.SCARD_STATE_UNAWARE
                first = context.wait_for_change(known, 0)
                if first:
                    known.update(dict(first))
                continue
            known.update(dict(changed))
            self._report(ReaderSnapshot(tuple(context.states(names))))
