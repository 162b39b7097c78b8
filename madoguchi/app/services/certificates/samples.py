"""Sample certificate pages for the documentation, built from a fresh small demo city.

    python -m madoguchi.app.services.certificates.samples docs/images

Builds a throwaway demo store (its key never leaves this process), issues a 住民票の写し of a
whole household with several members, a 住民票の除票の写し and a 転出証明書 of the planted
household that moved out, and writes each page as a small PNG (poppler's ``pdftoppm``, then
a 64-colour palette). The same code and seed give the same pages.
"""

from __future__ import annotations

import argparse
import datetime as dt
import secrets
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from PIL import Image
from sqlalchemy import func, select

from madoguchi.app.context import Actor, FixedClock, ServiceContext
from madoguchi.app.domain.certificates import CertificateKind, RequesterKind
from madoguchi.app.domain.permissions import Role
from madoguchi.app.services.certificates.request import CertificateRequest, Requester
from madoguchi.app.services.certificates.service import CertificateService
from madoguchi.storage.models import IssuanceHold, Person, ProtectedPerson
from madoguchi.storage.store import LocalStore

__all__ = ["SAMPLE_PERSONS", "build_samples", "main"]

SAMPLE_PERSONS = 800
"""Persons of the sample city: enough for households of five or six."""
ISSUED_AT = dt.datetime(2026, 11, 2, 10, 0)
RESOLUTION = 60


def _largest_household(store: LocalStore) -> Person:
    """The 世帯主 of the largest all-Japanese household under no measure (lowest number)."""
    with store.transaction() as session:
        excluded = set(session.scalars(select(ProtectedPerson.atena_no)))
        excluded |= {a for a in session.scalars(select(IssuanceHold.atena_no)) if a}
        held = {h for h in session.scalars(select(IssuanceHold.household_no)) if h}
        sizes = (
            select(Person.household_no, func.count().label("size"))
            .where(Person.status == "current")
            .group_by(Person.household_no)
            .having(func.sum(Person.is_foreign) == 0)
            .having(func.sum(Person.relationship == "世帯主") == 1)
            .order_by(func.count().desc(), Person.household_no)
        )
        for household_no, _size in session.execute(sizes):
            members = list(
                session.scalars(select(Person).where(Person.household_no == household_no))
            )
            if household_no in held or any(m.atena_no in excluded for m in members):
                continue
            return next(m for m in members if m.relationship == "世帯主" and m.status == "current")
    raise RuntimeError("the sample city has no household to show")


def _moved_out(store: LocalStore) -> Person:
    """髙橋 大輔 of the planted household that moved out together."""
    with store.transaction() as session:
        return session.scalars(
            select(Person).where(
                Person.family_name == "髙橋",
                Person.given_name == "大輔",
                Person.status == "removed",
            )
        ).one()


def _request(kind: CertificateKind, person: Person) -> CertificateRequest:
    requester = Requester(
        RequesterKind.SELF,
        f"{person.family_name}　{person.given_name}",
        atena_no=person.atena_no,
        documents=("P01",),
    )
    return CertificateRequest(kind, (person.atena_no,), requester)


def _pages(pdf: bytes, stem: str, out: Path, pdftoppm: str) -> list[Path]:
    written = []
    with tempfile.TemporaryDirectory() as scratch:
        source = Path(scratch) / f"{stem}.pdf"
        source.write_bytes(pdf)
        subprocess.run(
            [pdftoppm, "-png", "-r", str(RESOLUTION), str(source), str(Path(scratch) / "page")],
            check=True,
            capture_output=True,
        )
        for index, page in enumerate(sorted(Path(scratch).glob("page-*.png")), start=1):
            target = out / f"{stem}-{index}.png"
            with Image.open(page) as image:
                # A palette keeps a page well under 100 KB; the drawing has few colours.
                image.convert("RGB").quantize(colors=64).save(target, optimize=True)
            written.append(target)
    return written


def build_samples(out: Path, *, persons: int = SAMPLE_PERSONS) -> list[Path]:
    """Write the sample pages into ``out``; the paths written."""
    from madoguchi.app.demo_city.load import build_demo_store
    from madoguchi.storage.migrations import upgrade_to_head

    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        raise RuntimeError("pdftoppm not found: install the Debian package 'poppler-utils'")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="certificate-samples-") as scratch:
        store = LocalStore.open_with_key(Path(scratch) / "samples.db", secrets.token_hex(32))
        try:
            upgrade_to_head(store.engine)
            build_demo_store(store, persons=persons, workers=1)
            clerk = Actor("S0001", "青山 真理", "本庁舎 市民課", frozenset({Role.CLERK}))
            ctx = ServiceContext(clerk, "DEMO-T01", FixedClock(ISSUED_AT))
            service = CertificateService(store)
            head, moved = _largest_household(store), _moved_out(store)
            samples = (
                ("certificate-resident-copy", CertificateKind.RESIDENT_COPY, head),
                ("certificate-removed-copy", CertificateKind.REMOVED_COPY, moved),
                ("certificate-move-out", CertificateKind.MOVE_OUT, moved),
            )
            written = []
            for stem, kind, person in samples:
                issued = service.issue(ctx, _request(kind, person))
                written += _pages(issued.pdf, stem, out, pdftoppm)
        finally:
            store.close()
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """``OUT_DIR``: write the sample certificate pages there."""
    parser = argparse.ArgumentParser(prog="python -m madoguchi.app.services.certificates.samples")
    parser.add_argument("out", type=Path, help="folder for the PNG pages (e.g. docs/images)")
    args = parser.parse_args(argv)
    for path in build_samples(args.out):
        print(f"{path} ({path.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
