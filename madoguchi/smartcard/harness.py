"""A private pcscd with the vpcd virtual reader, and the virtual card behind it (R-CARD-7).

Used by the tests, by ``make run``'s demo and by the 研修モード card. vpcd listens on all
interfaces (MYNUMBER_CARD.md §3), so pcscd runs in its own network namespace — and in its own
mount namespace, where a private directory is bound over ``/run/pcscd`` — and the virtual card
joins that network namespace. Clients reach this pcscd through ``PCSCLITE_CSOCK_NAME``, which
must be set before the process's first PC/SC call (libpcsclite reads it once).

Unprivileged, the same is done inside a user namespace (``unshare --map-root-user``).
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Final

VPCD_DRIVER_CANDIDATES: Final = (
    Path("/usr/lib/pcsc/drivers/serial/libifdvpcd.so"),
    Path("/usr/lib/x86_64-linux-gnu/pcsc/drivers/serial/libifdvpcd.so"),
    Path("/usr/local/lib/pcsc/drivers/serial/libifdvpcd.so"),
)
VPCD_PORT: Final = 0x8C7B
SOCKET_NAME: Final = "pcscd.comm"
SBIN_DIRS: Final = ("/usr/sbin", "/sbin", "/usr/local/sbin")


class HarnessError(RuntimeError):
    """A system part is missing or did not start; the message names it."""


def find_program(name: str, package: str) -> str:
    """The program's path, or ``HarnessError`` naming the Debian package to install."""
    found = shutil.which(name) or next(
        (f"{folder}/{name}" for folder in SBIN_DIRS if Path(folder, name).is_file()), None
    )
    if found is None:
        raise HarnessError(f"{name} が見つかりません: sudo apt-get install {package}")
    return found


def find_vpcd_driver() -> Path:
    """The vsmartcard vpcd driver for pcscd."""
    for candidate in VPCD_DRIVER_CANDIDATES:
        if candidate.exists():
            return candidate
    raise HarnessError(
        "vpcd ドライバ (libifdvpcd.so) が見つかりません: sudo apt-get install vsmartcard-vpcd"
    )


def _unshare_prefix() -> list[str]:
    unshare = find_program("unshare", "util-linux")
    # --kill-child: when unshare goes (see _die_with_parent), pcscd goes with it.
    if os.geteuid() == 0:
        return [unshare, "--net", "--mount", "--fork", "--kill-child"]
    return [unshare, "--user", "--map-root-user", "--net", "--mount", "--fork", "--kill-child"]


_PR_SET_PDEATHSIG: Final = 1


def _die_with_parent(signal_number: int = signal.SIGTERM) -> None:
    """In the child before exec: receive ``signal_number`` when the starting process dies.

    The parts run in their own session (so a terminal's Ctrl+C reaches only the program),
    and a killed or crashed program must not leave pcscd or the card behind.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal_number, 0, 0, 0)


def _kill_with_parent() -> None:
    # unshare --fork ignores SIGTERM (it leaves it to its child), so only SIGKILL ends it.
    _die_with_parent(signal.SIGKILL)


class PrivatePcscd:
    """pcscd serving only the vpcd reader, isolated in its own namespaces."""

    def __init__(self, workdir: Path, *, log_apdus: bool = False) -> None:
        self.workdir = workdir
        self.run_dir = workdir / "run"
        self.socket_path = self.run_dir / SOCKET_NAME
        self.log_path = workdir / "pcscd.log"
        self._log_apdus = log_apdus
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def environment(self) -> dict[str, str]:
        """What a client process needs to reach this pcscd."""
        return {"PCSCLITE_CSOCK_NAME": str(self.socket_path)}

    @property
    def pid(self) -> int:
        """pcscd's process id (its namespaces are /proc/PID/ns/…)."""
        if self._process is None:
            raise HarnessError("pcscd is not running")
        return self._process.pid

    def start(self, timeout: float = 10.0) -> None:
        """Start pcscd and wait for its socket."""
        pcscd = find_program("pcscd", "pcscd")
        driver = find_vpcd_driver()
        find_program("ip", "iproute2")
        self.run_dir.mkdir(parents=True, exist_ok=True)
        if self.socket_path.exists():
            self.socket_path.unlink()
        config = self.workdir / "reader.conf"
        config.write_text(
            'FRIENDLYNAME "Virtual PCD"\n'
            "DEVICENAME   /dev/null:0x8C7B\n"
            f"LIBPATH      {driver}\n"
            "CHANNELID    0x8C7B\n",
            encoding="ascii",
        )
        flags = "-f -a" if self._log_apdus else "-f"
        script = (
            "set -e; ip link set lo up; mkdir -p /run/pcscd; "
            f"mount --bind '{self.run_dir}' /run/pcscd; "
            f"exec '{pcscd}' {flags} -c '{config}'"
        )
        with self.log_path.open("ab") as log_file:
            self._process = subprocess.Popen(
                [*_unshare_prefix(), "sh", "-c", script],
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_kill_with_parent,
            )
        deadline = time.monotonic() + timeout
        while not self.socket_path.exists():
            if self._process.poll() is not None or time.monotonic() > deadline:
                log = self.log_path.read_text(errors="replace")[-2000:]
                self.stop()
                raise HarnessError(f"pcscd did not start:\n{log}")
            time.sleep(0.05)

    def namespace_command(self, command: list[str]) -> list[str]:
        """``command`` run inside pcscd's network namespace."""
        nsenter = find_program("nsenter", "util-linux")
        prefix = [nsenter, "-t", str(self.pid), "--net"]
        if os.geteuid() != 0:
            prefix += ["--user", "--preserve-credentials"]
        return [*prefix, *command]

    def stop(self) -> None:
        """Stop pcscd (and its namespaces with it)."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)


@dataclass
class VirtualCardProcess:
    """The virtual card program, joined to a private pcscd's network namespace."""

    pcscd: PrivatePcscd
    profiles: Path
    pki_dir: Path
    insert: int | None = None

    def __post_init__(self) -> None:
        self.control_path = self.pcscd.workdir / "virtual-card.sock"
        self.log_path = self.pcscd.workdir / "virtual-card.log"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60.0) -> None:
        """Start the card program and wait until its control socket is up."""
        if self.control_path.exists():
            self.control_path.unlink()
        command = [
            sys.executable,
            "-m",
            "madoguchi.smartcard.virtual",
            "--host",
            "127.0.0.1",
            "--port",
            str(VPCD_PORT),
            "--control",
            str(self.control_path),
            "--profiles",
            str(self.profiles),
            "--pki-dir",
            str(self.pki_dir),
        ]
        if self.insert is not None:
            command += ["--insert", str(self.insert)]
        environment = dict(os.environ)
        environment["PYTHONPATH"] = os.pathsep.join(
            [str(Path(__file__).resolve().parents[2]), environment.get("PYTHONPATH", "")]
        )
        with self.log_path.open("ab") as log_file:
            self._process = subprocess.Popen(
                self.pcscd.namespace_command(command),
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                env=environment,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )
        deadline = time.monotonic() + timeout
        while not self.control_path.exists():
            if self._process.poll() is not None or time.monotonic() > deadline:
                log = self.log_path.read_text(errors="replace")[-2000:]
                self.stop()
                raise HarnessError(f"the virtual card did not start:\n{log}")
            time.sleep(0.05)

    def stop(self) -> None:
        """Stop the card program (the card leaves the reader)."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)
