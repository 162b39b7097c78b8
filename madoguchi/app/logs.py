"""Logging set-up: where the program logs, and what must never reach a log (Standards: the
個人番号 never appears in logs; PINs and passwords are never logged).

Code never logs personal numbers on purpose; ``RedactNumbers`` is the second line of defence,
masking any 12-digit run with a valid 個人番号 check digit in every record before a handler
writes it. Library loggers that would echo SQL parameters are kept at WARNING.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from stdnum.jp import in_ as individual_number_check

_TWELVE_DIGITS = re.compile(r"(?<!\d)(\d{4})[ -]?(\d{4})[ -]?(\d{4})(?!\d)")
QUIET_LOGGERS = ("sqlalchemy", "alembic", "keyring", "smartcard")


def redact(text: str) -> str:
    """``text`` with every valid 個人番号 replaced by its mask."""

    def mask(match: re.Match[str]) -> str:
        digits = "".join(match.groups())
        return "●●●● ●●●● ●●●●" if individual_number_check.is_valid(digits) else match.group()

    return _TWELVE_DIGITS.sub(mask, text)


class RedactNumbers(logging.Filter):
    """Masks 個人番号 in a record's final message (arguments included)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Always keep the record, with its message redacted."""
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def quiet_libraries() -> None:
    """Keep libraries that could echo SQL parameters or secrets at WARNING."""
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def configure_logging(directory: Path, level: int = logging.INFO) -> None:
    """Log to stderr and to ``directory``/madoguchi.log, redacted."""
    directory.mkdir(parents=True, exist_ok=True)
    handlers: list[logging.Handler] = [
        logging.StreamHandler(),
        logging.FileHandler(directory / "madoguchi.log", encoding="utf-8"),
    ]
    for handler in handlers:
        handler.addFilter(RedactNumbers())
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        handlers=handlers,
    )
    quiet_libraries()
