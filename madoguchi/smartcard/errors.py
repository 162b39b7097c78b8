"""Typed failures of card work (R-CARD-5), each with the message staff and residents read.

Every failure a counter can meet has its own class, so the GUI shows the right way out and the
diagnostics command exits with the status IT support looks up. The messages are Japanese UI
strings; none of them ever carries a PIN or a 個人番号.
"""

from __future__ import annotations


class CardError(Exception):
    """Base of every card failure; ``exit_status`` is the diagnostics command's status."""

    exit_status = 1
    message = "カードの処理中にエラーが発生しました。"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.message)

    def __str__(self) -> str:
        return str(self.args[0])


class NoPcscService(CardError):
    """pcscd is not running (SCARD_E_NO_SERVICE) or stopped."""

    exit_status = 6
    message = (
        "PC/SC サービス (pcscd) が動いていません。"
        "端末の管理者に連絡してください（sudo systemctl start pcscd）。"
    )


class NoReader(CardError):
    """pcscd runs but no reader (or not the named one) is connected."""

    exit_status = 6
    message = "カードリーダーが接続されていません。リーダーの USB ケーブルを確認してください。"


class NoCard(CardError):
    """No card arrived in the reader in time."""

    exit_status = 1
    message = "カードが置かれていません。カードをリーダーに置いてください。"


class NotMyNumberCard(CardError):
    """The card has no 券面事項入力補助AP / JPKI AP: some other card."""

    exit_status = 5
    message = "このカードはマイナンバーカードではありません。カードを確認してください。"


class CardRemoved(CardError):
    """The card left the reader during an operation; nothing read is kept."""

    exit_status = 7
    message = "読み取り中にカードが外されました。カードを置き直して、もう一度読み取ってください。"


class WrongPin(CardError):
    """The card refused the PIN; ``tries_left`` more attempts remain."""

    exit_status = 2

    def __init__(self, tries_left: int) -> None:
        self.tries_left = tries_left
        super().__init__(
            f"暗証番号が違います。残り {tries_left} 回です。"
            "あと 1 回になると、この端末からは入力できません。"
        )


class PinLastTry(CardError):
    """Only one try is left: the PIN is not sent, so the program never locks a card (R-CARD-3)."""

    exit_status = 3
    message = (
        "暗証番号の残り回数が 1 回のため、暗証番号を送信しませんでした。"
        "カードを失効させないよう、本人確認のうえ市区町村の窓口で暗証番号の初期化を受けてください。"
    )

    def __init__(self) -> None:
        self.tries_left = 1
        super().__init__()


class CardBlocked(CardError):
    """The PIN is blocked; only the card window (市区町村窓口) can reset it."""

    exit_status = 4
    message = (
        "暗証番号がロックされています。"
        "本人確認書類を持って市区町村の窓口で暗証番号の初期化を受けてください。"
    )

    def __init__(self) -> None:
        self.tries_left = 0
        super().__init__()


class MalformedCardData(CardError):
    """A file's contents broke the expected layout (a length, tag or value); nothing is used."""

    exit_status = 1
    message = "カードのデータを正しく読み取れませんでした。"

    def __init__(self, detail: str) -> None:
        self.detail = detail
        super().__init__(
            f"カードのデータが正しくありません（{detail}）。カードを確認してください。"
        )


class CardProtocolError(CardError):
    """The card answered with a status word the protocol does not expect at that step."""

    exit_status = 1

    def __init__(self, step: str, status: int) -> None:
        self.step = step
        self.status = status
        super().__init__(f"カードが想定外の応答をしました（{step}: {status:04X}）。")


class CardCommunicationError(CardError):
    """The reader or pcscd failed to carry an APDU while the card stayed present."""

    exit_status = 1
    message = "カードとの通信に失敗しました。カードを置き直して、もう一度お試しください。"
