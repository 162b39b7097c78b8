"""Idle detection for the screen lock (R-ROLE-5): any key or mouse input restarts the clock."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication

INPUT_EVENTS = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.InputMethod,
    }
)


class IdleWatcher(QObject):
    """Emits ``idle`` after ``seconds`` without user input anywhere in the application."""

    idle = Signal()

    def __init__(self, seconds: float, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(int(seconds * 1000))
        self._timer.timeout.connect(self.idle)
        app = QApplication.instance()
        assert app is not None
        app.installEventFilter(self)
        self._timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Restart the countdown on user input; never consumes the event."""
        if event.type() in INPUT_EVENTS and self._timer.isActive():
            self._timer.start()
        return False

    def pause(self) -> None:
        """Stop counting (while locked)."""
        self._timer.stop()

    def resume(self) -> None:
        """Count from zero again (after unlock)."""
        self._timer.start()

    def stop(self) -> None:
        """Stop for good and remove the event filter."""
        self._timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
