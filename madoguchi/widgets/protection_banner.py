"""The red 「支援措置対象者」 banner over a protected person (R-CERT-4, j380, j440)."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

BANNER_STYLE = "background: #b00020; color: white; font-weight: bold; font-size: 15px; padding: 6px"


class ProtectionBanner(QLabel):
    """Hidden unless the person has alerts; then 「支援措置対象者」 and each alert."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("protection_banner")
        self.setWordWrap(True)
        self.setStyleSheet(BANNER_STYLE)
        self.hide()

    def show_alerts(self, alerts: tuple[str, ...]) -> None:
        """Show the banner for ``alerts``, or hide it when there are none."""
        if not alerts:
            self.clear()
            self.hide()
            return
        self.setText(self.tr("支援措置対象者") + "　" + "　".join(alerts))
        self.show()
