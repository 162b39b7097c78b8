"""A 住民票の写し of a household of 6 to PDF (REQUIREMENTS §12: ≤ 150 ms median, ≤ 150 KB).

    .venv/bin/python bench/bench_certificate.py [--runs 50] [--persons 3000]

Builds a throwaway demo city (its key stays in this process), picks the first household of
exactly six current Japanese residents under no 支援措置 or 発行抑止, and measures, warm:

- the whole issuance through ``CertificateService.issue`` — register read, rules, 支援措置
  check, 発行番号, PDF, 交付履歴, audit entry and outbox op committed with synchronous=FULL —
  as the counter does;
- the PDF rendering alone (``render_certificates``) of the same copy.

Writes its section of docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from bench.report import write_section  # noqa: E402
from madoguchi.app.context import Actor, FixedClock, ServiceContext  # noqa: E402
from madoguchi.app.domain.certificates import CertificateKind, RequesterKind  # noqa: E402
from madoguchi.app.domain.permissions import Role  # noqa: E402
from madoguchi.app.services.certificates import (  # noqa: E402
    CertificateRequest,
    CertificateService,
    Requester,
)
from madoguchi.app.services.documents.certificate_pdf import render_certificates  # noqa: E402
from madoguchi.storage.models import IssuanceHold, Person, ProtectedPerson  # noqa: E402
from madoguchi.storage.store import LocalStore  # noqa: E402

BUDGET_MS = 150.0
BUDGET_KB = 150.0


def household_of_six(store: LocalStore) -> Person:
    """The 世帯主 of the first all-Japanese household of exactly six under no measure."""
    with store.transaction() as session:
        excluded = set(session.scalars(select(ProtectedPerson.atena_no)))
        excluded |= {a for a in session.scalars(select(IssuanceHold.atena_no)) if a}
        held = {h for h in session.scalars(select(IssuanceHold.household_no)) if h}
        candidates = session.scalars(
            select(Person.household_no)
            .where(Person.status == "current")
            .group_by(Person.household_no)
            .having(func.count() == 6)
            .having(func.sum(Person.is_foreign) == 0)
            .having(func.sum(Person.relationship == "世帯主") == 1)
            .order_by(Person.household_no)
        ).all()
        for household_no in candidates:
            members = session.scalars(
                select(Person).where(
                    Person.household_no == household_no, Person.status == "current"
                )
            ).all()
            if household_no not in held and not any(m.atena_no in excluded for m in members):
                return next(m for m in members if m.relationship == "世帯主")
    raise SystemExit("no household of six in the demo city: raise --persons")


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0–100) by nearest rank."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--persons", type=int, default=3000)
    args = parser.parse_args()
    from madoguchi.app.demo_city.load import build_demo_store
    from madoguchi.storage.migrations import upgrade_to_head

    with tempfile.TemporaryDirectory(prefix="bench-certificate-") as scratch:
        store = LocalStore.open_with_key(Path(scratch) / "city.db", secrets.token_hex(32))
        upgrade_to_head(store.engine)
        build_demo_store(store, persons=args.persons)
        head = household_of_six(store)
        clerk = Actor("S0001", "計測 職員", "本庁舎 市民課", frozenset({Role.CLERK}))
        ctx = ServiceContext(clerk, "DEMO-T01", FixedClock(dt.datetime(2026, 11, 2, 10, 0)))
        requester = Requester(
            RequesterKind.SELF, head.family_name, atena_no=head.atena_no, documents=("P01",)
        )
        request = CertificateRequest(CertificateKind.RESIDENT_COPY, (head.atena_no,), requester)
        service = CertificateService(store)
        copies = service.preview(ctx, request).copies
        for _ in range(3):  # warm: fonts registered, seal drawn, caches filled
            issued = service.issue(ctx, request)
            render_certificates(copies)
        issue_ms, render_ms = [], []
        for _ in range(args.runs):
            started = time.perf_counter()
            issued = service.issue(ctx, request)
            issue_ms.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            rendered = render_certificates(copies)
            render_ms.append((time.perf_counter() - started) * 1000)
        store.close()
    size_kb = len(issued.pdf) / 1024
    pages = sum(issued.pages)
    rows = [
        ("Issue: `CertificateService.issue` (whole transaction)", issue_ms, len(issued.pdf)),
        ("Render only: `render_certificates`", render_ms, len(rendered.pdf)),
    ]
    body = [
        f"A 住民票の写し (世帯全員, 世帯連記式, default items) of a household of 6 from a "
        f"{args.persons:,}-person demo city: {pages} pages, {size_kb:.0f} KB, IPAex Mincho and "
        "Gothic embedded as subsets, with the background pattern and the 公印 image. "
        f"{args.runs} runs each, warm (after three of each).",
        "",
        "| What | n | median ms | p95 ms | max ms | PDF size | budget |",
        "|---|---|---|---|---|---|---|",
    ]
    for label, times, size in rows:
        body.append(
            f"| {label} | {len(times)} | {statistics.median(times):.1f} | "
            f"{percentile(times, 95):.1f} | {max(times):.1f} | {size / 1024:.0f} KB | "
            f"≤ {BUDGET_MS:.0f} ms median; ≤ {BUDGET_KB:.0f} KB |"
        )
    median = statistics.median(issue_ms)
    verdict = "within" if median <= BUDGET_MS and size_kb <= BUDGET_KB else "OVER"
    body += ["", f"Result: {verdict} budget (issue median {median:.1f} ms, {size_kb:.0f} KB)."]
    text = "\n".join(body)
    print(text)
    write_section(
        "Certificate to PDF (R-CERT, §12)",
        "python bench/bench_certificate.py",
        text,
    )
    return 0 if verdict == "within" else 1


if __name__ == "__main__":
    sys.exit(main())
