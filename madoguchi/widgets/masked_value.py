"""A label for a restricted item: shows the mask, never lends itself to copying.

A revealed value is shown for a limited time and then masked again (R-MASK-1); whether the
value may be shown at all is decided by the service — this widget only ever receives what
the role may see. Selection, the context menu and Ctrl+C are disabled, so a masked (or
revealed) value cannot be copied to the clipboard (R-MASK-3).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLabel, QWidget


class MaskedValueLabel(QLabel):
    """Shows ``mask`` until ``reveal`` is called, and the mask again after the timeout."""

    remasked = Signal()

    def __init__(self, mask: str, parent: QWidget | None = None) -> None:
        super().__init__(mask, parent)
        self._mask = mask
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.remask)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)

    @property
    def revealed(self) -> bool:
        """True while the real value is on screen."""
        return self.text() != self._mask

    def reveal(self, value: str, seconds: float) -> None:
        """Show ``value`` for ``seconds``."""
        self.setText(value)
        self.setStyleSheet("background: #fff3cd; font-weight: bold")
        self._timer.start(int(seconds * 1000))

    def remask(self) -> None:
        """Show the mask again (timeout, leaving the person, locking the screen)."""
        self._timer.stop()
        if self.revealed:
            self.setText(self._mask)
            self.setStyleSheet("")
            self.remasked.emit()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Swallow copy shortcuts."""
        if event.matches(event.StandardKey.Copy):  # type: ignore[attr-defined]
            event.accept()
            return
        super().keyPressEvent(event)
