"""Reading PDFs back the way a printer sees them, with poppler (pdftotext, pdffonts, pdfinfo)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from tests.helpers.system import require_executable


def poppler(tool: str, *args: str) -> str:
    """Run a poppler tool and return its standard output (fails the test if it is missing)."""
    done = subprocess.run(
        [str(require_executable(tool)), *args],
        capture_output=True,
        check=True,
        encoding="utf-8",
    )
    return done.stdout


def squash(text: str) -> str:
    """Text without any spaces: pdftotext -layout turns gaps and U+3000 into runs of spaces."""
    return re.sub(r"[\s\u3000]+", "", text)


def pdf_text(path: Path, *args: str) -> str:
    """The text of ``path`` (or of the pages named by ``-f``/``-l`` in ``args``)."""
    return poppler("pdftotext", "-layout", "-enc", "UTF-8", *args, str(path), "-")


def page_count(path: Path) -> int:
    """How many pages ``path`` has."""
    match = re.search(r"^Pages:\s+(\d+)", poppler("pdfinfo", str(path)), re.M)
    assert match is not None
    return int(match.group(1))


def fonts(path: Path) -> list[dict[str, str]]:
    """pdffonts' table as rows: name, type, emb, sub, uni."""
    lines = poppler("pdffonts", str(path)).splitlines()[2:]
    rows = []
    for line in lines:
        parts = line.split()
        # name type [type…] encoding emb sub uni object-id generation
        rows.append({"name": parts[0], "emb": parts[-5], "sub": parts[-4], "uni": parts[-3]})
    return rows
