"""Sync with the centre at 1,000,000 persons: bootstrap, push, and time-to-visible.

    .venv/bin/python bench/bench_sync.py [--persons 1000000] [--runs 3] [--samples 20] [--ops 1000]
                                         [--centre-dir DIR] [--bootstrap-only] [--no-report]

Uses the encrypted demo city that bench/bench_search.py builds and caches (bench/out/), starts
a throwaway PostgreSQL cluster (fsync on), loads the centre from a migrated copy of the city,
then measures (REQUIREMENTS §12):

- bootstrap of a new terminal's replica from the centre (budget ≤ 120 s, with progress),
  ``--runs`` times into a new store each time (every run reported, median and worst), with the
  process's peak RSS during each run (VmHWM, reset before the run), against the same tables
  read through a raw psycopg ``COPY … TO STDOUT`` (the physical limit of getting the rows out
  of PostgreSQL into this process);
- a push of N ops (audit entries of N searches) from one terminal;
- one approved change visible on another terminal (budget ≤ 2 s when both are online): the
  approving terminal's worker is nudged after the approval (as the GUI does after a write),
  the other terminal's worker waits on LISTEN/NOTIFY with a 30 s timer.

Writes the "Sync" section of docs/BENCHMARKS.md (not with ``--no-report``).

``--centre-dir DIR`` keeps the centre's cluster in DIR after the run and reuses it when DIR
already holds a loaded centre (loading takes ~270 s at 1,000,000 persons): for iterating.
A reused centre carries the ops of earlier runs' push and latency measures; recorded figures
come from the plain command, which loads a fresh centre. ``--bootstrap-only`` skips the push
and time-to-visible measures.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime as dt
import multiprocessing
import os
import shutil
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
WORK = OUT / "sync"
sys.path.insert(0, str(ROOT))
os.environ.setdefault("XDG_DATA_HOME", str(OUT / "xdg"))
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")

import keyring  # noqa: E402
import psycopg  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from bench.report import write_section  # noqa: E402
from madoguchi.app.context import Actor, FixedClock, ServiceContext  # noqa: E402
from madoguchi.app.domain.permissions import Role  # noqa: E402
from madoguchi.app.services.centre_setup import install_centre_permissions  # noqa: E402
from madoguchi.app.services.search import SearchCriteria, SearchService  # noqa: E402
from madoguchi.storage.central.admin import (  # noqa: E402
    central_engine,
    create_database,
    provision_terminal,
)
from madoguchi.storage.central.cluster import ThrowawayCluster  # noqa: E402
from madoguchi.storage.central.load import load_register  # noqa: E402
from madoguchi.storage.migrations import upgrade_central  # noqa: E402
from madoguchi.storage.models import Person  # noqa: E402
from madoguchi.storage.store import (  # noqa: E402
    KEYRING_SERVICE,
    LocalStore,
    forget_key,
    keyring_username,
    load_key,
)
from madoguchi.storage.sync import (  # noqa: E402
    BootstrapProgress,
    BootstrapReport,
    PostgresCentre,
    SyncWorker,
    bootstrap,
    enrol_loaded_copy,
)
from madoguchi.storage.sync.push import push_pending  # noqa: E402

BULK = (
    "ref_change_reasons",
    "ref_towns",
    "households",
    "persons",
    "change_history",
    "individual_items",
    "alias_history",
    "drafts",
)
TERMINALS = {"BENCH-A": "bench_a", "BENCH-B": "bench_b", "BENCH-NEW": "bench_new"}


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def copy_store(source: Path, target: Path) -> LocalStore:
    """A copy of an encrypted store with its key (removing an old copy first)."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    key = load_key(source)
    assert key is not None, f"no key for {source} in the keyring"
    shutil.copyfile(source, target)
    keyring.set_password(KEYRING_SERVICE, keyring_username(target), key)
    return LocalStore.open(target)


def fresh_store(path: Path) -> LocalStore:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    forget_key(path)
    return LocalStore.open(path, create=True)


def raw_copy(dsn: str) -> tuple[float, int, int]:
    """Seconds, bytes and rows of ``COPY table TO STDOUT`` for every replica table."""
    started, size, rows = time.perf_counter(), 0, 0
    with psycopg.connect(dsn) as conn:
        for table in BULK:
            with conn.cursor().copy(f"COPY {table} TO STDOUT") as copy:
                for block in copy:
                    size += len(block)
            rows += conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # type: ignore[index]
    return time.perf_counter() - started, size, rows


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))]


def move_household(
    store: LocalStore,
    household_no: str,
    banchi: str,
    clerk: ServiceContext,
    supervisor: ServiceContext,
) -> str:
    """A 転居 of a whole household, saved by a clerk and approved by a supervisor; returns
    the 宛名番号 of one of the movers."""
    from madoguchi.app.domain.intake import (
        Destination,
        IdentityCheckRecord,
        IntakeForm,
        Mover,
        NotifierKind,
        Variant,
    )
    from madoguchi.app.services.intake import MoveWithinService
    from madoguchi.app.services.intake.base import AlertsNotConfirmed
    from madoguchi.app.services.review.service import ReviewService

    with store.transaction() as session:
        members = session.scalars(
            select(Person).where(Person.household_no == household_no, Person.status == "current")
        ).all()
        town = members[0].address_code
    form = IntakeForm(
        variant=Variant.MOVE_WITHIN,
        moved_on=clerk.today() - dt.timedelta(days=1),
        notified_on=clerk.today(),
        movers=tuple(
            Mover(
                atena_no=m.atena_no,
                family_name=m.family_name,
                given_name=m.given_name,
                relationship=m.relationship,
            )
            for m in members
        ),
        destination=Destination(address_code=town, banchi=banchi, katagaki=None),
        identity_check=IdentityCheckRecord(
            notifier_kind=NotifierKind.SELF,
            notifier_name="計測　届出人",
            documents=("P02",),
            power_of_attorney=False,
        ),
    )
    service = MoveWithinService(store)
    try:
        draft = service.save(clerk, form)
    except AlertsNotConfirmed as alerts:
        draft = service.save(clerk, form, confirmed={a.key for a in alerts.alerts})
    ReviewService(store).approve(supervisor, draft.draft_id)
    return members[0].atena_no


@dataclass
class Figures:
    """Everything the report shows."""

    persons: int
    load_seconds: float = 0.0
    copy: tuple[float, int, int] = (0.0, 0, 0)
    bootstrap: BootstrapReport | None = None
    runs: list[tuple[float, float]] = field(default_factory=list)  # seconds, peak RSS MB
    rss_before: float = 0.0
    reports: list[tuple[BootstrapReport, list[str]]] = field(default_factory=list)
    progress: list[str] = field(default_factory=list)
    replica_mb: float = 0.0
    pushed: int = 0
    push_batches: int = 0
    push_seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)


def load_centre(source_path: Path, dsn: str) -> tuple[float, dict[str, int]]:
    """Load the centre from the store at ``source_path``: seconds and rows per table."""
    last = [0.0]

    def load_progress(table: str, done: int, total: int) -> None:
        if time.perf_counter() - last[0] > 10:
            last[0] = time.perf_counter()
            say(f"  load {table}: {done:,}/{total:,}")

    source = LocalStore.open(source_path)
    try:
        loaded = load_register(source, dsn, progress=load_progress)
    finally:
        source.close()
    return loaded.seconds, dict(loaded.rows)


def set_up_centre(cluster: ThrowawayCluster, source_path: Path, figures: Figures) -> str:
    """The centre's database: schema, the city, the matrix and the benchmark's terminals."""
    dsn = create_database(cluster.dsn(), "centre")
    engine = central_engine(dsn)
    upgrade_central(engine)
    engine.dispose()
    say("loading the centre (in a child process: this one's RSS is measured later) …")
    spawn = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=spawn) as child:
        seconds, rows = child.submit(load_centre, source_path, dsn).result()
    figures.load_seconds = seconds
    say(f"centre loaded in {seconds:.0f} s: {rows}")
    with psycopg.connect(dsn) as conn:
        install_centre_permissions(conn)
        for terminal_id, role in TERMINALS.items():
            provision_terminal(
                conn, terminal_id, role=role, office="本庁舎 市民課", description=terminal_id
            )
    return dsn


def reset_peak_rss() -> bool:
    """Reset the process's peak RSS (VmHWM) to its current RSS; False where Linux cannot."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def peak_rss_mb(field: str = "VmHWM") -> float:
    """The process's peak RSS (VmHWM) in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return 0.0


def rss_mb() -> float:
    """The process's RSS now, in MB."""
    return peak_rss_mb("VmRSS")


def measure_bootstrap(cluster: ThrowawayCluster, figures: Figures, run: int) -> LocalStore:
    """A new terminal's replica from the centre, with its progress as shown."""
    replica = fresh_store(WORK / "replica.db")
    shown = [0.0]
    progress_lines: list[str] = []

    def progress(event: BootstrapProgress) -> None:
        if os.environ.get("BENCH_SYNC_VERBOSE"):
            say(
                f"    {event.seconds:5.1f} s {event.table} {event.table_done:,} rss {rss_mb():.0f} MB"
            )
        if event.seconds - shown[0] >= 10 or event.fraction == 1.0:
            shown[0] = event.seconds
            line = (
                f"{event.seconds:5.1f} s  {event.fraction:6.1%}  {event.table} "
                f"{event.table_done:,}/{event.table_total:,}  (RSS {rss_mb():,.0f} MB)"
            )
            progress_lines.append(line)
            say("  bootstrap " + line)

    centre = PostgresCentre(cluster.dsn("centre", user="bench_new"))
    say(f"bootstrap of a new replica (run {run}) … (RSS {rss_mb():,.0f} MB)")
    if not figures.runs:
        figures.rss_before = rss_mb()
    reset = reset_peak_rss()
    try:
        report = bootstrap(replica, centre, progress=progress)
    finally:
        centre.close()
    rss = peak_rss_mb() if reset else 0.0
    figures.runs.append((report.seconds, rss))
    figures.reports.append((report, progress_lines))
    # The report shows the median run's details.
    middle = median_run(figures)
    figures.bootstrap, figures.progress = min(
        figures.reports, key=lambda run: abs(run[0].seconds - middle)
    )
    figures.replica_mb = (WORK / "replica.db").stat().st_size / 1e6
    say(
        f"bootstrap: {sum(report.rows.values()):,} rows in {report.seconds:.1f} s, "
        f"peak RSS {rss:,.0f} MB"
    )
    return replica


def median_run(figures: Figures) -> float:
    return statistics.median(seconds for seconds, _ in figures.runs)


def contexts(clock: FixedClock) -> tuple[ServiceContext, ServiceContext]:
    """A clerk and a supervisor on terminal BENCH-A."""
    office = "本庁舎 市民課"
    clerk = ServiceContext(
        Actor("S0001", "計測", office, frozenset({Role.CLERK})), "BENCH-A", clock
    )
    supervisor = ServiceContext(
        Actor("S0005", "計測", office, frozenset({Role.SUPERVISOR})), "BENCH-A", clock
    )
    return clerk, supervisor


def measure_push(store: LocalStore, centre: PostgresCentre, ops: int, figures: Figures) -> None:
    """Push the audit entries of ``ops`` searches made on the terminal."""
    clock = FixedClock(dt.datetime(2026, 11, 2, 10, 30))
    clerk, _ = contexts(clock)
    search = SearchService(store)
    with store.transaction() as session:
        numbers = session.scalars(select(Person.atena_no).limit(ops)).all()
    for atena_no in numbers:
        search.search(clerk, SearchCriteria(atena_no=atena_no))
    started = time.perf_counter()
    pushed = push_pending(store, centre, clock.now)
    figures.push_seconds = time.perf_counter() - started
    figures.pushed, figures.push_batches = pushed.delivered, pushed.batches
    say(f"push: {pushed.delivered} ops in {figures.push_seconds:.2f} s")


def wait_for(store: LocalStore, atena_no: str, banchi: str, since: float) -> float:
    """Milliseconds from ``since`` until the replica shows the person at ``banchi``."""
    raw = store.engine.raw_connection()
    try:
        while True:
            cursor = raw.cursor()
            row = cursor.execute(
                "SELECT banchi FROM persons WHERE atena_no = ?", (atena_no,)
            ).fetchone()
            if row and row[0] == banchi:
                return (time.perf_counter() - since) * 1000
            if time.perf_counter() - since > 30:
                raise RuntimeError("the change did not arrive within 30 s")
            time.sleep(0.005)
    finally:
        raw.close()


def measure_latency(
    cluster: ThrowawayCluster,
    a_store: LocalStore,
    centre_a: PostgresCentre,
    replica: LocalStore,
    samples: int,
    figures: Figures,
) -> None:
    """Approvals on BENCH-A, each timed until BENCH-B (the new replica) shows it."""
    clock = FixedClock(dt.datetime(2026, 11, 2, 10, 30))
    clerk, supervisor = contexts(clock)
    worker_a = SyncWorker(a_store, centre_a, clock=clock.now, poll_seconds=30)
    centre_b = PostgresCentre(cluster.dsn("centre", user="bench_b"))
    worker_b = SyncWorker(replica, centre_b, clock=clock.now, poll_seconds=30)
    worker_b.run_once()
    with a_store.transaction() as session:
        households = session.scalars(
            select(Person.household_no)
            .where(Person.status == "current")
            .group_by(Person.household_no)
            .having(func.count() == 2)
            .limit(samples)
        ).all()
    worker_a.start()
    worker_b.start()
    time.sleep(1)
    try:
        for index, household_no in enumerate(households):
            banchi = f"{90 + index}-1"
            atena_no = move_household(a_store, household_no, banchi, clerk, supervisor)
            approved = time.perf_counter()
            worker_a.nudge()  # what the GUI does after a write
            figures.latencies.append(wait_for(replica, atena_no, banchi, approved))
            time.sleep(0.2)
    finally:
        worker_a.stop()
        worker_b.stop()
    say(f"visible on B: p50 {statistics.median(figures.latencies):.0f} ms")


def report(figures: Figures) -> None:
    """Write the section of docs/BENCHMARKS.md."""
    boot = figures.bootstrap
    assert boot is not None
    rows = sum(boot.rows.values())
    median, worst = median_run(figures), max(seconds for seconds, _ in figures.runs)
    runs = ", ".join(f"{seconds:.1f} s" for seconds, _ in figures.runs)
    peaks = ", ".join(f"{rss:,.0f} MB" for _, rss in figures.runs)
    base = figures.rss_before
    copy_seconds, copy_bytes, copy_rows = figures.copy
    lat = figures.latencies
    rows_line = ", ".join(f"{name} {count:,}" for name, count in boot.rows.items())
    progress = "\n".join(figures.progress)
    body = f"""
Centre: PostgreSQL 15 (throwaway cluster on the same machine, fsync on, Unix socket), loaded
from the {figures.persons:,}-person demo city in {figures.load_seconds:.0f} s. Terminals:
encrypted local stores (SQLCipher, WAL, synchronous=FULL).

| What | n | result | budget |
|---|---|---|---|
| Bootstrap of a new replica ({rows:,} rows), each run into a new store | {len(figures.runs)} | median {median:.1f} s ({rows / median:,.0f} rows/s), worst {worst:.1f} s; runs {runs}; store {figures.replica_mb:,.0f} MB | ≤ 120 s, with progress |
| Peak RSS of the process during each bootstrap (VmHWM; {base:,.0f} MB before the first, later runs start from what the previous left) | {len(figures.runs)} | {peaks} | ≤ 400 MB (the running program) |
| Raw psycopg `COPY … TO STDOUT` of the same tables (physical limit of reading them) | 1 | {copy_seconds:.1f} s ({copy_rows / copy_seconds:,.0f} rows/s, {copy_bytes / 1e6:,.0f} MB) | – |
| Push of {figures.pushed:,} ops (audit entries of searches), {figures.push_batches} calls | 1 | {figures.push_seconds:.2f} s ({figures.pushed / figures.push_seconds:,.0f} ops/s) | – |
| One approved change visible on another terminal | {len(lat)} | p50 {statistics.median(lat):.0f} ms, p95 {percentile(lat, 95):.0f} ms, max {max(lat):.0f} ms | ≤ 2 s |

Rows per table: {rows_line}.

Bootstrap progress as shown (the median run):

```
{progress}
```
"""
    write_section(
        f"Sync with the centre ({figures.persons:,} persons)",
        f"python bench/bench_sync.py --persons {figures.persons}",
        body,
    )


SETTINGS = {
    "shared_buffers": "512MB",
    "max_wal_size": "8GB",
    "checkpoint_timeout": "30min",
    "work_mem": "64MB",
    "maintenance_work_mem": "512MB",
}


@contextmanager
def centre_cluster(
    directory: Path | None, source_path: Path, figures: Figures
) -> Iterator[tuple[ThrowawayCluster, str]]:
    """The centre's cluster and DSN: a throwaway one loaded now, or the one kept in
    ``directory`` (loaded there the first time, stopped but kept afterwards)."""
    if directory is None:
        with ThrowawayCluster.started(SETTINGS, durable=True) as cluster:
            yield cluster, set_up_centre(cluster, source_path, figures)
        return
    loaded = directory / "loaded-seconds"
    if not loaded.exists():
        shutil.rmtree(directory, ignore_errors=True)
        made = ThrowawayCluster.create(SETTINGS, durable=True)
        directory.parent.mkdir(parents=True, exist_ok=True)
        os.rename(made.root, directory)
    # The settings ThrowawayCluster.create(SETTINGS, durable=True) starts a cluster with.
    cluster = ThrowawayCluster(
        directory, {"listen_addresses": "''", "max_connections": "60", **SETTINGS}
    )
    cluster.start()
    try:
        if loaded.exists():
            figures.load_seconds = float(loaded.read_text())
            say(f"reusing the centre in {directory} (loaded in {figures.load_seconds:.0f} s)")
            dsn = cluster.dsn("centre")
        else:
            dsn = set_up_centre(cluster, source_path, figures)
            loaded.write_text(f"{figures.load_seconds:.1f}")
        yield cluster, dsn
    finally:
        cluster.stop()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3, help="bootstraps of a new replica")
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--ops", type=int, default=1000)
    parser.add_argument("--centre-dir", type=Path, help="keep and reuse the centre's cluster")
    parser.add_argument("--bootstrap-only", action="store_true")
    parser.add_argument("--no-report", action="store_true", help="leave BENCHMARKS.md alone")
    args = parser.parse_args()
    city = OUT / f"city-{args.persons}.db"
    if not city.exists():
        say(f"{city} is missing: run bench/bench_search.py --persons {args.persons} first")
        return 2
    WORK.mkdir(parents=True, exist_ok=True)
    source_path = WORK / "centre-source.db"
    if not (source_path.exists() and load_key(source_path)):
        say("copying and migrating the city for the centre …")
        copy_store(city, source_path).close()
    figures = Figures(args.persons)
    with centre_cluster(args.centre_dir, source_path, figures) as (cluster, dsn):
        say("raw COPY of the replica tables …")
        figures.copy = raw_copy(dsn)
        for run in range(1, args.runs + 1):
            replica = measure_bootstrap(cluster, figures, run)
            if run < args.runs:
                replica.close()
        runs = ", ".join(f"{seconds:.1f} s" for seconds, _ in figures.runs)
        say(f"bootstrap runs: {runs}; median {median_run(figures):.1f} s")
        if args.bootstrap_only:
            replica.close()
        else:
            a_store = copy_store(source_path, WORK / "terminal-a.db")
            enrol_loaded_copy(a_store, 0)
            centre_a = PostgresCentre(cluster.dsn("centre", user="bench_a"))
            try:
                measure_push(a_store, centre_a, args.ops, figures)
                measure_latency(cluster, a_store, centre_a, replica, args.samples, figures)
            finally:
                a_store.close()
                replica.close()
    if not args.no_report and not args.bootstrap_only:
        report(figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
