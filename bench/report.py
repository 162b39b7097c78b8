"""Writing a benchmark's table into its own section of docs/BENCHMARKS.md."""

from __future__ import annotations

import datetime as dt
import os
import platform
import re
import subprocess
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent.parent / "docs" / "BENCHMARKS.md"
HEADER = (
    "# Benchmarks\n\n"
    "Each section is written by the command named in it; budgets are REQUIREMENTS §12.\n"
    "Figures are from one run on the machine described in the section.\n"
)


def machine() -> str:
    """One line describing this machine."""
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return f"{cpu}, {os.cpu_count()} cores{mem}, {platform.system()} {platform.release()}, Python {platform.python_version()}"


def commit() -> str:
    """The git commit the figures were measured at."""
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def write_section(name: str, command: str, body: str) -> None:
    """Replace (or add) the section ``name`` of docs/BENCHMARKS.md."""
    BENCHMARKS.parent.mkdir(parents=True, exist_ok=True)
    text = BENCHMARKS.read_text() if BENCHMARKS.exists() else HEADER
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    section = (
        f"{start}\n## {name}\n\n"
        f"Command: `{command}`  \n"
        f"Measured: {dt.datetime.now().strftime('%Y-%m-%d %H:%M')}, commit {commit()}  \n"
        f"Machine: {machine()}\n\n{body.strip()}\n{end}"
    )
    pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.S)
    text = (
        pattern.sub(section, text)
        if pattern.search(text)
        else text.rstrip() + "\n\n" + section + "\n"
    )
    BENCHMARKS.write_text(text)
