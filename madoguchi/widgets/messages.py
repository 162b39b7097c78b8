"""One message bridge for user-facing problems (STYLE.md, after qutebrowser's ``message``).

Errors the user can act on (a refused search, a bad date, a missing card, a store that will
not open) are shown as a calm message; anything else is a bug: logged with its traceback and
shown in the crash dialog. Tests assert on the bridge's signals.
"""

from __future__ import annotations

import logging
import traceback

from PySide6.QtCore import QObject, Signal

from madoguchi.app.domain.permissions import PermissionDenied
from madoguchi.storage.store import StoreError

log = logging.getLogger(__name__)

USER_ERRORS: tuple[type[BaseException], ...] = (
    ValueError,
    LookupError,
    PermissionDenied,
    StoreError,
)


def is_user_error(exc: BaseException) -> bool:
    """True for problems the user can act on, False for bugs."""
    return isinstance(exc, USER_ERRORS)


class MessageBridge(QObject):
    """Carries messages from anywhere to the main window."""

    error = Signal(str)
    info = Signal(str)
    crash = Signal(str, str)

    def report_error(self, text: str) -> None:
        """A user-facing problem: log it (without personal data) and show it."""
        log.info("user error shown: %s", text)
        self.error.emit(text)

    def report_info(self, text: str) -> None:
        """A neutral message for the status bar."""
        self.info.emit(text)

    def report_exception(self, exc: BaseException) -> None:
        """Route an exception: a friendly message for user errors, the crash dialog for bugs."""
        if is_user_error(exc):
            self.report_error(str(exc))
            return
        details = "".join(traceback.format_exception(exc))
        log.error("unexpected error: %s", details)
        self.crash.emit(f"{type(exc).__name__}: {exc}", details)


_bridge: MessageBridge | None = None


def message_bridge() -> MessageBridge:
    """The process's message bridge (created on first use, on the GUI thread)."""
    global _bridge
    if _bridge is None:
        _bridge = MessageBridge()
    return _bridge
