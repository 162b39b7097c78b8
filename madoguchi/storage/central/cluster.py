"""A throwaway PostgreSQL cluster for tests, the migration check and benchmarks.

``initdb`` and ``pg_ctl`` from the system's PostgreSQL (Debian keeps them in
``/usr/lib/postgresql/<version>/bin``) build and start a cluster in a fresh temporary
directory that listens only on a Unix socket in that directory: no port, no clash with
another cluster. PostgreSQL refuses to run as root, so when we are root the server runs as
the ``postgres`` OS user (``runuser``), and the directory belongs to that user.

    with ThrowawayCluster.started() as cluster:
        psycopg.connect(cluster.dsn("postgres"))

The superuser is ``madoguchi_admin`` with ``trust`` authentication on the socket; other
roles (terminal roles) connect the same way by name. Production uses TLS with a client
certificate per terminal instead (docs/SYNC.md).
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

SUPERUSER = "madoguchi_admin"
PACKAGE = "postgresql"
_RUN_AS = "postgres"


class ClusterError(RuntimeError):
    """The throwaway cluster could not be built, started or stopped; the message says why."""


def _version_key(bin_dir: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", Path(bin_dir).parent.name))


def postgres_program(name: str) -> Path:
    """The PostgreSQL server program ``name`` (``initdb``, ``pg_ctl`` …), newest version first.

    Raises ClusterError naming the Debian package when PostgreSQL is not installed.
    """
    for bin_dir in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version_key, reverse=True):
        candidate = Path(bin_dir) / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which(name)
    if found is None:
        raise ClusterError(
            f"PostgreSQL program '{name}' not found in /usr/lib/postgresql/*/bin or on PATH: "
            f"install the Debian package '{PACKAGE}' (`make sysdeps` does it as root)"
        )
    return Path(found)


def _as_server_user(command: Sequence[str]) -> list[str]:
    """``command`` run as the ``postgres`` OS user when we are root, else as ourselves."""
    if os.geteuid() != 0:
        return list(command)
    runuser = shutil.which("runuser") or "/usr/sbin/runuser"
    if not Path(runuser).exists():
        raise ClusterError("running as root needs 'runuser' (Debian package 'util-linux')")
    return [runuser, "-u", _RUN_AS, "--", *command]


def _run(command: Sequence[str], what: str, timeout: float = 120) -> str:
    done = subprocess.run(
        _as_server_user(command), capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        raise ClusterError(f"{what} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
    return done.stdout


@dataclass
class ThrowawayCluster:
    """A PostgreSQL cluster in a temporary directory, reached through a Unix socket there."""

    root: Path
    settings: dict[str, str] = field(default_factory=dict)

    @property
    def data_dir(self) -> Path:
        """The cluster's data directory."""
        return self.root / "data"

    @property
    def socket_dir(self) -> str:
        """The directory holding the server's Unix socket (libpq's ``host``)."""
        return str(self.root)

    @property
    def log_file(self) -> Path:
        """The server log."""
        return self.root / "server.log"

    def dsn(self, dbname: str = "postgres", user: str = SUPERUSER) -> str:
        """A libpq connection string for ``dbname`` as ``user``."""
        port = f" port={self.settings['port']}" if "port" in self.settings else ""
        return f"host={self.socket_dir}{port} dbname={dbname} user={user}"

    @classmethod
    def create(
        cls, settings: dict[str, str] | None = None, *, durable: bool = False
    ) -> ThrowawayCluster:
        """initdb a new cluster in a fresh temporary directory (not started yet).

        ``durable`` keeps fsync on (benchmarks); tests run without it, which loses nothing
        but a crash of the whole machine.
        """
        initdb = postgres_program("initdb")
        root = Path(tempfile.mkdtemp(prefix="madoguchi-pg-"))
        if os.geteuid() == 0:
            shutil.chown(root, _RUN_AS, _RUN_AS)
        defaults = {"listen_addresses": "''", "max_connections": "60"}
        if not durable:
            defaults |= {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
        cluster = cls(root, {**defaults, **(settings or {})})
        try:
            _run(
                [
                    str(initdb),
                    "-D",
                    str(cluster.data_dir),
                    "-U",
                    SUPERUSER,
                    "--auth=trust",
                    "-E",
                    "UTF8",
                    "--locale=C",
                    "--no-sync",
                ],
                "initdb",
            )
        except BaseException:
            shutil.rmtree(root, ignore_errors=True)
            raise
        return cluster

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        options = " ".join(f"-c {key}={value}" for key, value in self.settings.items())
        _run(
            [
                str(postgres_program("pg_ctl")),
                "-D",
                str(self.data_dir),
                "-l",
                str(self.log_file),
                "-w",
                "-t",
                "60",
                "-o",
                f"-k {self.socket_dir} {options}",
                "start",
            ],
            "pg_ctl start",
        )

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (``mode``: smart, fast or immediate — the last is a crash)."""
        _run(
            [str(postgres_program("pg_ctl")), "-D", str(self.data_dir), "-m", mode, "-w", "stop"],
            f"pg_ctl stop -m {mode}",
        )

    @property
    def running(self) -> bool:
        """True while the postmaster of this cluster runs."""
        done = subprocess.run(
            _as_server_user([str(postgres_program("pg_ctl")), "-D", str(self.data_dir), "status"]),
            capture_output=True,
            text=True,
            check=False,
        )
        return done.returncode == 0

    def destroy(self) -> None:
        """Stop the server if it runs and delete the directory."""
        try:
            if self.data_dir.exists() and self.running:
                self.stop("immediate")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def server_log(self, last: int = 4000) -> str:
        """The end of the server log (for failure messages)."""
        try:
            return self.log_file.read_text(errors="replace")[-last:]
        except OSError:
            return ""

    @classmethod
    @contextmanager
    def started(
        cls, settings: dict[str, str] | None = None, *, durable: bool = False
    ) -> Iterator[ThrowawayCluster]:
        """A running cluster for the ``with`` block, destroyed afterwards."""
        cluster = cls.create(settings, durable=durable)
        try:
            cluster.start()
            yield cluster
        finally:
            cluster.destroy()
