"""The identity check with a My Number card (R-CARD-2, R-CARD-4, R-CARD-5).

Card on the reader → the resident types the PIN on the PIN pad → the card's four items beside
the register's, differences marked → optionally 真正性確認 with the auth PIN. Card work runs on
the card thread, the comparison and the audit entries on the database thread; the GUI thread
only shows. The 個人番号 read from the card is never shown: only whether it matches.

Any card failure shows its message with a way forward and clears whatever card data was shown
(nothing partial stays after a pulled card). A wrong PIN keeps the connection so the resident
may try again; closing the dialog closes the card session on the card thread.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from cryptography import x509
from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from madoguchi.app.context import ServiceContext
from madoguchi.app.services.identity_check import CardComparison, IdentityCheckService
from madoguchi.forms.pin_pad import AUTH_PIN_PURPOSE, TEXT_PIN_PURPOSE, PinPad
from madoguchi.smartcard.card_data import CardFace
from madoguchi.smartcard.errors import CardBlocked, CardError, NoCard, PinLastTry, WrongPin
from madoguchi.smartcard.genuineness import Genuineness
from madoguchi.smartcard.session import CardSession
from madoguchi.widgets.background import Op, card_executor
from madoguchi.widgets.card_comparison import (
    COMPARISON_COLUMNS,
    NUMBER_LABELS,
    ComparisonTableModel,
    comparison_rows,
)
from madoguchi.widgets.messages import is_user_error, message_bridge
from madoguchi.widgets.register_tables import configure_table

log = logging.getLogger(__name__)

CARD_WAIT_SECONDS = 120.0
"""How long the dialog waits for a card before saying so."""
POLL_SECONDS = 0.5
"""One wait for the card; between waits the card thread sees a cancel."""

GENUINE_STYLE = "font-size: 18px; font-weight: bold; color: #1b5e20; background: #e3f2e1"
NOT_GENUINE_STYLE = "font-size: 18px; font-weight: bold; color: #8a1010; background: #fbd5d5"


def wait_for_card(
    reader: str | None, cancel: threading.Event, timeout: float = CARD_WAIT_SECONDS
) -> tuple[CardSession, int] | None:
    """On the card thread: wait for a card in short slices, connect, ask the PIN counter.

    ``None`` when cancelled. Short waits let a cancel take effect within ``POLL_SECONDS``.
    """
    deadline = time.monotonic() + timeout
    while True:
        if cancel.is_set():
            return None
        try:
            session = CardSession.open(reader, timeout=POLL_SECONDS)
        except NoCard:
            if time.monotonic() >= deadline:
                raise
            continue
        try:
            if cancel.is_set():
                session.close()
                return None
            return session, session.text_pin_tries()
        except BaseException:
            session.close()
            raise


def close_quietly(session: CardSession) -> None:
    """On the card thread: power the card down; a failure here changes nothing for the user."""
    try:
        session.close()
    except Exception as exc:
        log.info("closing the card session failed: %s", type(exc).__name__)


class IdentityCheckDialog(QDialog):
    """Reads a My Number card, compares it with the register and checks its genuineness."""

    compared = Signal(object)  # CardComparison
    genuineness_checked = Signal(object)  # Genuineness
    failed = Signal(str)

    def __init__(
        self,
        service: IdentityCheckService,
        ctx: ServiceContext,
        *,
        trust_roots: Sequence[x509.Certificate] = (),
        reader: str | None = None,
        atena_no: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("identity_check_dialog")
        self.setWindowTitle(self.tr("マイナンバーカードによる本人確認"))
        self._service = service
        self._ctx = ctx
        self._trust_roots = list(trust_roots)
        self._reader = reader
        self._atena_no = atena_no
        self._session: CardSession | None = None
        self._cancel = threading.Event()
        self._attempt = 0
        self._retry: Callable[[], None] = self.start
        self.comparison: CardComparison | None = None
        self.genuineness: Genuineness | None = None
        self.pin_pad: PinPad | None = None

        self.target_label = QLabel(self._target_text(), self)
        self.target_label.setObjectName("identity_target")
        self.step_label = QLabel(self)
        self.step_label.setObjectName("identity_step")
        self.step_label.setStyleSheet("font-size: 18px; font-weight: bold")
        self.step_label.setWordWrap(True)
        self.error_label = QLabel(self)
        self.error_label.setObjectName("identity_error")
        self.error_label.setStyleSheet("color: #8a1010; background: #fbd5d5; padding: 6px")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        self.summary_label = QLabel(self)
        self.summary_label.setObjectName("identity_summary")
        self.summary_label.setWordWrap(True)
        self.model = ComparisonTableModel(COMPARISON_COLUMNS, parent=self)
        self.table = QTableView(self)
        self.table.setObjectName("identity_comparison")
        self.table.setModel(self.model)
        configure_table(self.table)
        self.genuine_label = QLabel(self)
        self.genuine_label.setObjectName("identity_genuineness")
        self.genuine_label.setWordWrap(True)
        self.revocation_label = QLabel(self)
        self.revocation_label.setObjectName("identity_revocation")

        self.retry_button = QPushButton(self)
        self.retry_button.setObjectName("identity_retry")
        self.retry_button.clicked.connect(lambda: self._retry())
        self.genuine_button = QPushButton(self.tr("真正性確認 (F9)"), self)
        self.genuine_button.setObjectName("identity_genuine")
        self.genuine_button.setShortcut(QKeySequence(Qt.Key.Key_F9))
        self.genuine_button.clicked.connect(self.check_genuineness)
        self.close_button = QPushButton(self.tr("閉じる (Esc)"), self)
        self.close_button.setObjectName("identity_close")
        self.close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for button in (self.retry_button, self.genuine_button, self.close_button):
            buttons.addWidget(button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.target_label)
        layout.addWidget(self.step_label)
        layout.addWidget(self.error_label)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.genuine_label)
        layout.addWidget(self.revocation_label)
        layout.addLayout(buttons)
        self.resize(760, 460)
        app = QCoreApplication.instance()
        if app is not None:
            # Quitting must not leave the card thread waiting for a card.
            app.aboutToQuit.connect(self.reject)
        self._clear_card_data()
        self._offer(retry=None, genuine=False)

    # -- steps -----------------------------------------------------------------------------

    def _target_text(self) -> str:
        if self._atena_no:
            return self.tr("照合先: 宛名番号 {0} の住民票").format(self._atena_no)
        return self.tr("照合先: なし（住民票と照合せず、カードの記載事項のみ表示します）")

    def start(self) -> None:
        """Wait for a card (from the beginning: any earlier session is closed)."""
        self._end_session()
        self._clear_card_data()
        self._cancel = threading.Event()
        attempt = self._next_attempt()
        self._set_step(self.tr("カードをリーダーに置いてください"))
        self._offer(retry=None, genuine=False)
        reader, cancel = self._reader, self._cancel
        self._on_card(
            attempt,
            lambda: wait_for_card(reader, cancel),
            lambda opened: self._card_opened(attempt, opened),
            stage="read",
            stale=self._close_late_session,
        )

    @staticmethod
    def _close_late_session(opened: tuple[CardSession, int] | None) -> None:
        """A card that connected just as the wait was cancelled: let it go at once."""
        if opened is not None:
            card_executor().submit(close_quietly, opened[0])

    def _card_opened(self, attempt: int, opened: tuple[CardSession, int] | None) -> None:
        if opened is None:
            return
        session, tries = opened
        self._session = session
        self._text_pin_tries(attempt, tries)

    def _requery_text_pin(self) -> None:
        session, attempt = self._session, self._next_attempt()
        if session is None:
            self.start()
            return
        self._set_step(self.tr("カードを確認しています…"))
        self._offer(retry=None, genuine=False)
        self._on_card(
            attempt,
            session.text_pin_tries,
            lambda tries: self._text_pin_tries(attempt, tries),
            stage="read",
        )

    def _text_pin_tries(self, attempt: int, tries: int) -> None:
        if tries == 1:
            self._card_failed(attempt, PinLastTry(), stage="read")
            return
        self._set_step(
            self.tr("住民の方に暗証番号（数字4桁）を入力していただいてください。{0}").format(
                self._tries_text(tries)
            )
        )
        self._ask_pin(TEXT_PIN_PURPOSE, tries, lambda pin: self._read(attempt, pin))

    def _read(self, attempt: int, pin: str) -> None:
        session = self._session
        if session is None or attempt != self._attempt:
            return
        self._set_step(self.tr("カードを読み取っています…"))
        self._on_card(
            attempt,
            lambda: session.read_face(pin),
            lambda face: self._compare(attempt, face),
            stage="read",
        )

    def _compare(self, attempt: int, face: CardFace) -> None:
        self._set_step(self.tr("住民票と照合しています…"))
        service, ctx, atena_no = self._service, self._ctx, self._atena_no
        Op(self, lambda: service.compare(ctx, face, atena_no)).success(
            lambda comparison: self._show_comparison(attempt, comparison)
        ).failure(lambda exc: self._database_failed(attempt, exc, clear=True)).run()

    def _show_comparison(self, attempt: int, comparison: CardComparison) -> None:
        if attempt != self._attempt:
            return
        self.comparison = comparison
        self.model.set_rows(comparison_rows(comparison))
        self.summary_label.setText(self._summary(comparison))
        self._set_step(
            self.tr("照合しました。カードの真正性を確認するときは「真正性確認」を押してください。")
        )
        self._offer(retry=None, genuine=True)
        self.compared.emit(comparison)

    def _summary(self, comparison: CardComparison) -> str:
        differences = [item.label for item in comparison.differences]
        number = comparison.individual_number_agreement
        parts = []
        if differences:
            parts.append(self.tr("相違があります: {0}").format("、".join(differences)))
        else:
            parts.append(self.tr("基本4情報はすべて住民票と一致しています。"))
        parts.append(self.tr("個人番号: {0}").format(NUMBER_LABELS[number]))
        return "　".join(parts)

    def check_genuineness(self) -> None:
        """Ask the auth PIN's counter, then the resident for the auth PIN (R-CARD-4)."""
        session = self._session
        if session is None or self.comparison is None:
            return
        attempt = self._next_attempt()
        self._show_genuineness(None)
        self._set_step(self.tr("利用者証明用電子証明書を読み取っています…"))
        self._offer(retry=None, genuine=False)
        self._on_card(
            attempt,
            session.auth_pin_tries,
            lambda tries: self._auth_pin_tries(attempt, tries),
            stage="genuineness",
        )

    def _auth_pin_tries(self, attempt: int, tries: int) -> None:
        if tries == 1:
            self._card_failed(attempt, PinLastTry(), stage="genuineness")
            return
        self._set_step(
            self.tr(
                "住民の方に利用者証明用電子証明書の暗証番号（数字4桁）を入力していただいて"
                "ください。{0}"
            ).format(self._tries_text(tries))
        )
        self._ask_pin(AUTH_PIN_PURPOSE, tries, lambda pin: self._prove(attempt, pin))

    def _prove(self, attempt: int, pin: str) -> None:
        session = self._session
        if session is None or attempt != self._attempt:
            return
        self._set_step(self.tr("カードの真正性を確認しています…"))
        roots, at = self._trust_roots, self._service.check_time(self._ctx)
        self._on_card(
            attempt,
            lambda: session.prove_genuine(pin, trust_roots=roots, at=at),
            lambda result: self._record(attempt, result),
            stage="genuineness",
        )

    def _record(self, attempt: int, result: Genuineness) -> None:
        service, ctx = self._service, self._ctx
        atena_no = self.comparison.atena_no if self.comparison is not None else None

        def record() -> Genuineness:
            service.record_genuineness(ctx, atena_no, result)
            return result

        Op(self, record).success(
            lambda recorded: self._genuineness_done(attempt, recorded)
        ).failure(lambda exc: self._database_failed(attempt, exc, clear=False)).run()

    def _genuineness_done(self, attempt: int, result: Genuineness) -> None:
        if attempt != self._attempt:
            return
        self._show_genuineness(result)
        self._set_step(self.tr("確認が終わりました。"))
        self._offer(retry=None, genuine=True, default=self.close_button)
        self.genuineness_checked.emit(result)

    def _show_genuineness(self, result: Genuineness | None) -> None:
        self.genuineness = result
        if result is None:
            self.genuine_label.clear()
            self.genuine_label.setStyleSheet("")
            self.revocation_label.clear()
            return
        if result.genuine:
            self.genuine_label.setText(self.tr("真正性: 真正なカードです"))
            self.genuine_label.setStyleSheet(GENUINE_STYLE)
        else:
            self.genuine_label.setText(
                self.tr("真正性: 確認できませんでした（真正と認められません）　理由: {0}").format(
                    result.reason
                )
            )
            self.genuine_label.setStyleSheet(NOT_GENUINE_STYLE)
        revocation = self.tr("実施済み") if result.revocation_checked else self.tr("未実施")
        serial = result.certificate_serial or "—"
        self.revocation_label.setText(
            self.tr("失効確認: {0}　証明書シリアル番号: {1}").format(revocation, serial)
        )

    # -- failures ----------------------------------------------------------------------------

    def _card_failed(self, attempt: int, exc: BaseException, *, stage: str) -> None:
        if attempt != self._attempt:
            return
        self._close_pin_pad()
        if not isinstance(exc, CardError):
            message_bridge().report_exception(exc)
            message = self.tr("カードの処理中に予期しないエラーが発生しました。")
        else:
            message = str(exc)
        pin_problem = isinstance(exc, WrongPin | PinLastTry | CardBlocked)
        if stage == "genuineness" and pin_problem and self.comparison is not None:
            # The read itself stands; only the genuineness check could not be made.
            self._show_genuineness(None)
            self._set_step(self.tr("真正性を確認できませんでした。"))
            self._show_error(message)
            if isinstance(exc, WrongPin):
                self._offer(retry=(self.tr("暗証番号を再入力 (F5)"), self.check_genuineness))
            else:
                self._offer(retry=None, genuine=False)
            self.failed.emit(message)
            return
        if isinstance(exc, WrongPin) and self._session is not None:
            self._clear_card_data()
            self._set_step(self.tr("暗証番号が違います。"))
            self._show_error(message)
            self._offer(retry=(self.tr("暗証番号を再入力 (F5)"), self._requery_text_pin))
            self.failed.emit(message)
            return
        self._end_session()
        self._clear_card_data()
        self._set_step(self.tr("カードを読み取れませんでした。"))
        self._show_error(message)
        self._offer(retry=(self.tr("もう一度読み取る (F5)"), self.start))
        self.failed.emit(message)

    def _database_failed(self, attempt: int, exc: BaseException, *, clear: bool) -> None:
        if attempt != self._attempt:
            return
        if is_user_error(exc):
            message = str(exc)
        else:
            message_bridge().report_exception(exc)
            message = self.tr("照合の記録中に予期しないエラーが発生しました。")
        if clear:
            self._end_session()
            self._clear_card_data()
            self._offer(retry=(self.tr("もう一度読み取る (F5)"), self.start))
        else:
            self._show_genuineness(None)
            self._offer(retry=None, genuine=True)
        self._set_step(self.tr("記録できませんでした。"))
        self._show_error(message)
        self.failed.emit(message)

    # -- helpers -----------------------------------------------------------------------------

    def _next_attempt(self) -> int:
        self._attempt += 1
        return self._attempt

    def _on_card(
        self,
        attempt: int,
        work: Callable[[], Any],
        then: Callable[[Any], None],
        *,
        stage: str,
        stale: Callable[[Any], object] | None = None,
    ) -> None:
        """Run ``work`` on the card thread; ``then(result)`` if this step is still current.

        A card failure comes back as a value, not an exception, so a failure that arrives
        after the dialog has gone is dropped quietly; ``stale`` disposes of a late result.
        """

        def guarded() -> tuple[bool, Any]:
            try:
                return True, work()
            except CardError as exc:
                return False, exc

        def arrived(outcome: tuple[bool, Any]) -> None:
            ok, value = outcome
            if attempt != self._attempt:
                if ok and stale is not None:
                    stale(value)
            elif ok:
                then(value)
            else:
                self._card_failed(attempt, value, stage=stage)

        def lost(exc: BaseException) -> None:
            self._card_failed(attempt, exc, stage=stage)

        Op(self, guarded, executor=card_executor()).success(arrived).failure(lost).run()

    def _ask_pin(self, purpose: str, tries: int, on_pin: Callable[[str], None]) -> None:
        self._close_pin_pad()
        self._offer(retry=None, genuine=False)
        pad = PinPad(purpose, tries if tries > 0 else None, self)
        pad.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        pad.pin_entered.connect(on_pin)
        pad.rejected.connect(self._pin_cancelled)
        pad.finished.connect(lambda _result: self._pin_pad_closed(pad))
        self.pin_pad = pad
        pad.open()

    def _pin_pad_closed(self, pad: PinPad) -> None:
        if self.pin_pad is pad:
            self.pin_pad = None

    def _close_pin_pad(self) -> None:
        pad, self.pin_pad = self.pin_pad, None
        if pad is not None:
            pad.rejected.disconnect(self._pin_cancelled)
            pad.reject()

    def _pin_cancelled(self) -> None:
        self._set_step(self.tr("暗証番号の入力を取り消しました。"))
        if self.comparison is not None:
            self._offer(retry=None, genuine=True)
        else:
            self._offer(retry=(self.tr("暗証番号を入力 (F5)"), self._requery_text_pin))

    def _tries_text(self, tries: int) -> str:
        return self.tr("（残り {0} 回）").format(tries) if tries > 0 else ""

    def _set_step(self, text: str) -> None:
        """A new step: its text replaces the last one, and an earlier error goes away."""
        self.step_label.setText(text)
        self.error_label.clear()
        self.error_label.hide()

    def _show_error(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.show()

    def _offer(
        self,
        *,
        retry: tuple[str, Callable[[], None]] | None,
        genuine: bool = False,
        default: QPushButton | None = None,
    ) -> None:
        """Which ways forward the dialog offers now; the likeliest is the Enter default."""
        if retry is not None:
            self._retry = retry[1]
            self.retry_button.setText(retry[0])
            # setText replaces the shortcut with the text's mnemonic: set it again.
            self.retry_button.setShortcut(QKeySequence(Qt.Key.Key_F5))
        self.retry_button.setVisible(retry is not None)
        self.retry_button.setEnabled(retry is not None)
        ready = genuine and self._session is not None and self.comparison is not None
        self.genuine_button.setEnabled(ready)
        if default is None and retry is not None:
            default = self.retry_button
        elif default is None:
            default = self.genuine_button if ready else self.close_button
        for button in (self.retry_button, self.genuine_button, self.close_button):
            button.setDefault(button is default)
        default.setFocus()

    def _clear_card_data(self) -> None:
        self.comparison = None
        self.model.set_rows([])
        self.summary_label.clear()
        self._show_genuineness(None)

    def _end_session(self) -> None:
        self._cancel.set()
        session, self._session = self._session, None
        if session is not None:
            card_executor().submit(close_quietly, session)

    def done(self, result: int) -> None:
        """Closing stops any wait, forgets the card data and closes the card session."""
        self._next_attempt()
        self._close_pin_pad()
        self._end_session()
        self._clear_card_data()
        super().done(result)
