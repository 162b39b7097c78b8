"""What one certificate copy prints, already formatted: the renderer's only input (R-CERT-5).

The certificate service builds these from the register and the rules; the renderer only
lays them out. Every value is final text (和暦 dates, 「省略」 for omitted items, masked
numbers in a preview), so the preview, the PDF and the paper show the same thing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

__all__ = ["CertificateCopyText", "Entry", "PersonText", "Row"]


@dataclass(frozen=True)
class Entry:
    """One labelled value; ``span`` is how many of a row's three columns it takes.

    ``emphasis`` sets the value larger (the 氏名).
    """

    label: str
    value: str
    span: int = 1
    emphasis: bool = False


@dataclass(frozen=True)
class Row:
    """A row of a person's block: entries whose spans add up to three columns."""

    entries: tuple[Entry, ...]


@dataclass(frozen=True)
class PersonText:
    """One person's block: rows of entries, the first holding the 氏名."""

    atena_no: str
    name: str  # 氏名 with furigana as printed (also names the person in messages)
    rows: tuple[Row, ...]

    def texts(self) -> Iterator[str]:
        """Every printed text of the block (for the 外字 check)."""
        for row in self.rows:
            for entry in row.entries:
                yield entry.label
                yield entry.value


@dataclass(frozen=True)
class CertificateCopyText:
    """One copy (通) of a certificate as printed: header, persons, certification, numbers.

    ``issue_no`` is the 発行番号 without its page part (the renderer adds ``x/y``); a preview
    carries a placeholder and ``specimen`` prints 「見本」 across each page. ``data_note``
    says when the data were last synchronised if the centre was unreachable (R-CERT-8).
    """

    title: str
    municipality: str
    header: tuple[Entry, ...]  # 住所, 世帯主 … common to the persons
    persons: tuple[PersonText, ...]
    certification_text: str
    issued_on: str  # 和暦
    certifier: str  # e.g. "架空県みどり市長　緑川　一郎"
    seal_text: str  # the characters of the synthetic 公印
    issue_no: str
    official: bool = False
    data_note: str | None = None
    specimen: bool = False

    def texts(self) -> Iterator[str]:
        """Every text the copy prints, for the 外字 check (R-CERT-5)."""
        yield from (self.title, self.municipality, self.certification_text, self.issued_on)
        yield self.certifier
        for entry in self.header:
            yield entry.label
            yield entry.value
        for person in self.persons:
            yield from person.texts()
        if self.data_note:
            yield self.data_note
