"""Search, household open, start-up and memory on a 1,000,000-person local store.

    .venv/bin/python bench/bench_search.py [--persons 1000000] [--rebuild]

Builds (once, cached in bench/out/) the encrypted demo city at the given size, then measures
R-SRCH-5 / REQUIREMENTS §12 through the real services (criteria rules, query, audit entry and
its commit included) and the real program's start-up, and writes docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))
os.environ.setdefault("XDG_DATA_HOME", str(OUT / "xdg"))
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")

from sqlalchemy import func, literal_column, select  # noqa: E402

from bench.report import write_section  # noqa: E402
from madoguchi.app.context import Actor, ServiceContext  # noqa: E402
from madoguchi.app.domain.permissions import Role  # noqa: E402
from madoguchi.app.domain.wareki import RegisterDate  # noqa: E402
from madoguchi.app.services.counter import CounterServices  # noqa: E402
from madoguchi.app.services.search import SearchCriteria  # noqa: E402
from madoguchi.storage.models import Person, RefTown  # noqa: E402
from madoguchi.storage.store import LocalStore  # noqa: E402

SAMPLES = 300


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0–100) by nearest rank."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def build(path: Path, persons: int, rebuild: bool) -> LocalStore:
    """Open the cached store or build it."""
    if path.exists() and not rebuild:
        return LocalStore.open(path)
    from madoguchi.app.demo_city.load import build_demo_store
    from madoguchi.storage.store import forget_key

    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    forget_key(path)
    store = LocalStore.open(path, create=True)
    started = time.perf_counter()
    last = [0.0]

    def progress(done: int, total: int) -> None:
        now = time.perf_counter()
        if now - last[0] > 10:
            last[0] = now
            print(f"  built {done:,}/{total:,} persons ({now - started:.0f} s)", file=sys.stderr)

    build_demo_store(store, persons=persons, progress=progress)
    print(f"built {persons:,} persons in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    (OUT / "build-seconds.txt").write_text(f"{time.perf_counter() - started:.1f}\n")
    return store


def timed(calls: list[Callable[[], object]]) -> tuple[list[float], int]:
    """Run each call once; milliseconds each, and the total number of rows returned."""
    times, rows = [], 0
    for call in calls:
        started = time.perf_counter()
        result = call()
        times.append((time.perf_counter() - started) * 1000)
        rows += len(getattr(result, "persons", ()) or getattr(result, "members", ()))
    return times, rows


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"city-{args.persons}.db"
    store = build(path, args.persons, args.rebuild)
    services = CounterServices.build(store, "BENCH-T01")
    ctx = ServiceContext(
        Actor("B0001", "計測 職員", "本庁舎 市民課", frozenset({Role.SUPERVISOR})), "BENCH-T01"
    )
    rng = random.Random(7)
    with store.transaction() as session:
        total = session.scalar(select(func.count()).select_from(Person)) or 0
        people = session.scalars(
            select(Person).where(
                literal_column("persons.rowid").in_(
                    [rng.randrange(1, total + 1) for _ in range(SAMPLES)]
                )
            )
        ).all()
        towns = {t.code: t for t in session.scalars(select(RefTown))}
        six = (
            session.execute(
                select(Person.household_no)
                .group_by(Person.household_no)
                .having(func.count() == 6)
                .limit(SAMPLES)
            )
            .scalars()
            .all()
        )
    people = list(people)
    rng.shuffle(people)

    def wareki(p: Person) -> str:
        return RegisterDate.from_iso(
            p.birth_date, era=p.birth_date_era, qualifier=p.birth_date_qualifier
        ).display()

    def town_text(p: Person) -> str:
        t = towns[p.address_code]
        return t.town_name + (t.chome or "")

    search = services.search.search
    shapes: dict[str, list[Callable[[], object]]] = {
        "氏（カナ）＋生年月日": [
            (lambda p=p: search(ctx, SearchCriteria(name=p.family_name_kana, birth_date=wareki(p))))
            for p in people
        ],
        "氏名（漢字）＋住所（町字）": [
            (
                lambda p=p: search(
                    ctx,
                    SearchCriteria(name=f"{p.family_name} {p.given_name}", address=town_text(p)),
                )
            )
            for p in people
        ],
        "名（カナ）のみ＋住所（町字・番地）": [
            (
                lambda p=p: search(
                    ctx, SearchCriteria(name=p.given_name_kana, address=town_text(p) + p.banchi)
                )
            )
            for p in people
        ],
        "氏（カナ）＋住所（町字）": [
            (lambda p=p: search(ctx, SearchCriteria(name=p.family_name_kana, address=town_text(p))))
            for p in people
        ],
        "宛名番号": [
            (lambda p=p: search(ctx, SearchCriteria(atena_no=p.atena_no))) for p in people
        ],
        "個人番号": [
            (lambda p=p: search(ctx, SearchCriteria(individual_number=p.individual_number or "")))
            for p in people
            if p.individual_number
        ],
    }
    rows = [
        "| What | n | rows returned (mean) | p50 ms | p95 ms | max ms | budget |",
        "|---|---|---|---|---|---|---|",
    ]
    for label, calls in shapes.items():
        timed(calls[:10])  # warm the page cache the way a working counter is warm
        times, returned = timed(calls)
        rows.append(
            f"| Search: {label} | {len(times)} | {returned / len(times):.1f} | {statistics.median(times):.1f} "
            f"| {percentile(times, 95):.1f} | {max(times):.1f} | p95 ≤ 20 ms |"
        )
    household_calls = [(lambda h=h: services.register_view.household(ctx, h)) for h in six]
    timed(household_calls[:10])
    times, _ = timed(household_calls)
    rows.append(
        f"| Open a household of 6 with history | {len(times)} | 6 | {statistics.median(times):.1f} "
        f"| {percentile(times, 95):.1f} | {max(times):.1f} | ≤ 50 ms |"
    )
    store.close()

    startup = []
    for _ in range(5):
        spawned = time.time()
        result = subprocess.run(
            [
                sys.executable,
                str(ROOT / "main.py"),
                "--demo",
                "--store",
                str(path),
                "--staff",
                "S0001",
                "--benchmark-startup",
            ],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")},
        )
        marks = json.loads(result.stdout.strip().splitlines()[-1])
        startup.append({**marks, "spawned": spawned})
    login = statistics.median(s["login_window_at"] - s["spawned"] for s in startup)
    main_window = statistics.median(s["main_window_at"] - s["spawned"] for s in startup)
    rss = max(s["max_rss_mb"] for s in startup)
    rows.append(f"| Program start to login window | 5 | – | {login * 1000:.0f} | – | – | ≤ 2 s |")
    rows.append(
        f"| Program start to main window (login + first search) | 5 | – | {main_window * 1000:.0f} | – | – | – |"
    )
    rows.append(
        f"| Resident memory of the program, after a search (max RSS) | 5 | – | {rss:.0f} MB | – | – | ≤ 400 MB |"
    )
    build_seconds = (
        (OUT / "build-seconds.txt").read_text().strip()
        if (OUT / "build-seconds.txt").exists()
        else "?"
    )
    body = (
        f"Store: {total:,} persons (current + 除票), encrypted (SQLCipher), file "
        f"{path.stat().st_size / 1e6:.0f} MB; built by the demo-city generator in {build_seconds} s.  \n"
        "Each search goes through `SearchService.search` — criteria rules, query, and the audit "
        "entry with its outbox op committed with synchronous=FULL — as the counter does.\n\n"
        + "\n".join(rows)
    )
    write_section(
        "Search, household, start-up, memory (1,000,000 persons)",
        f"python bench/bench_search.py --persons {args.persons}",
        body,
    )
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
