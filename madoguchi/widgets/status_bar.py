"""The counter's status bar (R-UI-2): user, terminal, office, sync and card reader state."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QStatusBar, QWidget


class CounterStatusBar(QStatusBar):
    """Permanent segments on the right; transient messages on the left."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.user_label = self._segment("user")
        self.terminal_label = self._segment("terminal")
        self.office_label = self._segment("office")
        self.data_label = self._segment("data")
        self.sync_label = self._segment("sync")
        self.reader_label = self._segment("reader")
        self.sync_label.setText(self.tr("同期: 未設定"))
        self.reader_label.setText(self.tr("カードリーダー: 未設定"))

    def _segment(self, name: str) -> QLabel:
        label = QLabel(self)
        label.setObjectName(f"status_{name}")
        label.setContentsMargins(6, 0, 6, 0)
        self.addPermanentWidget(label)
        return label

    def show_session(self, *, user: str, roles: str, terminal: str, office: str) -> None:
        """Show who is signed in where."""
        self.user_label.setText(self.tr("職員: {0}（{1}）").format(user, roles))
        self.terminal_label.setText(self.tr("端末: {0}").format(terminal))
        self.office_label.setText(self.tr("所属: {0}").format(office))

    def show_data_source(self, text: str) -> None:
        """Which data the screens show (the local replica and its date)."""
        self.data_label.setText(text)
