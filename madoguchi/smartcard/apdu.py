"""APDU builders and the status words of the My Number card (MYNUMBER_CARD.md §1).

Only short APDUs: every read fits in a 256-byte response. The builders return bytes; nothing
here talks to a reader.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

TEXT_AP_AID: Final = bytes.fromhex("D3921000310001010408")
"""券面事項入力補助AP: 個人番号 and 基本4情報."""
JPKI_AP_AID: Final = bytes.fromhex("D392F000260100000001")
"""公的個人認証AP: certificates and the authentication / signature keys."""

# Files of the 券面事項入力補助AP.
TEXT_PIN_EF: Final = 0x0011
TEXT_INDIVIDUAL_NUMBER_EF: Final = 0x0001
TEXT_BASIC_FOUR_EF: Final = 0x0002

# Files of the JPKI AP.
JPKI_AUTH_CERTIFICATE_EF: Final = 0x000A
JPKI_AUTH_CA_EF: Final = 0x000B
JPKI_AUTH_KEY_EF: Final = 0x0017
JPKI_AUTH_PIN_EF: Final = 0x0018

SHA256_DIGEST_INFO_PREFIX: Final = bytes.fromhex("3031300d060960864801650304020105000420")
"""DER DigestInfo header for SHA-256; the card pads and signs DigestInfo verbatim."""

SW_OK: Final = 0x9000
SW_END_OF_FILE_WARNING: Final = 0x6282
SW_BLOCKED: Final = 0x6984
SW_SECURITY_NOT_SATISFIED: Final = 0x6982
SW_FILE_NOT_FOUND: Final = 0x6A82
SW_WRONG_P1P2: Final = 0x6A86
SW_WRONG_LENGTH: Final = 0x6700
SW_OFFSET_OUTSIDE_FILE: Final = 0x6B00
SW_UNKNOWN_INS: Final = 0x6D00
SW_UNKNOWN_CLA: Final = 0x6E00

STATUS_MEANINGS: Final[dict[int, str]] = {
    SW_OK: "正常終了",
    SW_END_OF_FILE_WARNING: "指定長に達する前にファイル終端",
    SW_BLOCKED: "暗証番号がロックされています",
    SW_SECURITY_NOT_SATISFIED: "セキュリティ条件不成立（暗証番号未照合）",
    SW_FILE_NOT_FOUND: "ファイルまたはアプリケーションがありません",
    SW_WRONG_P1P2: "P1/P2 が不正",
    SW_WRONG_LENGTH: "Lc/Le が不正",
    SW_OFFSET_OUTSIDE_FILE: "オフセットがファイルの外",
    SW_UNKNOWN_INS: "命令がサポートされていません",
    SW_UNKNOWN_CLA: "クラスがサポートされていません",
}


def describe_status(status: int) -> str:
    """A one-line meaning of a status word, for diagnostics."""
    sw1 = status >> 8
    if sw1 == 0x61:
        return f"応答データあり（{status & 0xFF} バイト）"
    if sw1 == 0x6C:
        return f"Le 誤り（正しい長さ {status & 0xFF}）"
    if status & 0xFFF0 == 0x63C0:
        return f"照合失敗（残り {status & 0x0F} 回）"
    return STATUS_MEANINGS.get(status, "不明な応答")


@dataclass(frozen=True, slots=True)
class Response:
    """A response APDU: data and the status word."""

    data: bytes
    status: int

    @property
    def ok(self) -> bool:
        """True for 9000."""
        return self.status == SW_OK


def select_application(aid: bytes) -> bytes:
    """SELECT by DF name, no FCI returned (P2=0C)."""
    return bytes([0x00, 0xA4, 0x04, 0x0C, len(aid)]) + aid


def select_file(file_id: int) -> bytes:
    """SELECT an EF of the current application by its 2-byte id, no FCI."""
    return bytes([0x00, 0xA4, 0x02, 0x0C, 0x02]) + file_id.to_bytes(2, "big")


def verify_query() -> bytes:
    """VERIFY with no data: asks the retry counter of the selected key, consumes nothing."""
    return bytes([0x00, 0x20, 0x00, 0x80])


def verify(secret: bytes) -> bytes:
    """VERIFY the selected key with ``secret`` (ASCII digits)."""
    if not 1 <= len(secret) <= 16:
        raise ValueError("secret length out of range")
    return bytes([0x00, 0x20, 0x00, 0x80, len(secret)]) + secret


def read_binary(offset: int, length: int) -> bytes:
    """READ BINARY of ``length`` bytes (1…256) at a 15-bit ``offset`` of the selected EF."""
    if not 0 <= offset <= 0x7FFF:
        raise ValueError("offset out of range")
    if not 1 <= length <= 256:
        raise ValueError("length out of range")
    return bytes([0x00, 0xB0, offset >> 8, offset & 0xFF, length & 0xFF])


def get_response(length: int) -> bytes:
    """GET RESPONSE for the ``length`` bytes a 61xx announced."""
    return bytes([0x00, 0xC0, 0x00, 0x00, length & 0xFF])


def with_le(command: bytes, le: int) -> bytes:
    """The same command with its Le replaced (the resend after 6Cxx)."""
    return command[:-1] + bytes([le & 0xFF]) if len(command) == 5 else command + bytes([le])


def compute_signature(digest_info: bytes) -> bytes:
    """COMPUTE DIGITAL SIGNATURE (CLA 80) with the selected key over ``digest_info``.

    The card applies PKCS#1 v1.5 padding to the given DigestInfo (OpenSC's
    jpki_compute_signature, myna ``signature()``); Le=00 for the 256-byte result.
    """
    return bytes([0x80, 0x2A, 0x00, 0x80, len(digest_info)]) + digest_info + b"\x00"


def sha256_digest_info(digest: bytes) -> bytes:
    """DigestInfo(SHA-256) over a 32-byte digest."""
    if len(digest) != 32:
        raise ValueError("SHA-256 digest must be 32 bytes")
    return SHA256_DIGEST_INFO_PREFIX + digest


def header_of(command: bytes) -> str:
    """CLA INS P1 P2 of a command as hex: what may be logged (never the data of a VERIFY)."""
    return command[:4].hex(" ").upper()
