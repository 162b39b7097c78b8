"""Every log record of the whole test run, scanned at the end for secrets.

The suite fails if any record holds a password or PIN the tests registered, or anything that
looks like a 個人番号 (12 digits with a valid check digit).
"""

from __future__ import annotations

import logging
import re

from stdnum.jp import in_ as individual_number_check

_TWELVE = re.compile(r"(?<!\d)\d{4}[ -]?\d{4}[ -]?\d{4}(?!\d)")
REGISTERED_SECRETS: set[str] = set()


def register_secret(secret: str) -> None:
    """A password or PIN a test uses; it must never appear in a log."""
    REGISTERED_SECRETS.add(secret)


class RunLog(logging.Handler):
    """Keeps every record's final text (message and traceback)."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = f"{record.name} {record.levelname} {record.getMessage()}"
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        self.lines.append(text)


def leaks(lines: list[str]) -> list[str]:
    """The lines that hold a registered secret or a valid 個人番号."""
    found = []
    for line in lines:
        if any(secret in line for secret in REGISTERED_SECRETS):
            found.append(line)
            continue
        for match in _TWELVE.findall(line):
            if individual_number_check.is_valid(re.sub(r"\D", "", match)):
                found.append(line)
                break
    return found
