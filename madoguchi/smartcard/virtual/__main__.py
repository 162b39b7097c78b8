"""``python -m madoguchi.smartcard.virtual``: run a virtual My Number card behind vpcd.

Runs until the ``shutdown`` control command, SIGTERM or SIGINT. Ready when the control socket
exists (it is renamed into place once it accepts requests) and the line ``READY control=PATH``
has been printed on standard output.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path
from types import FrameType

from madoguchi.smartcard.virtual.control import CardService, ControlServer
from madoguchi.smartcard.virtual.profile import load_profiles, sample_profile
from madoguchi.smartcard.virtual.vicc import DEFAULT_HOST, DEFAULT_PORT, VirtualCardSlot


def default_pki_dir() -> Path:
    """Where the test PKI's keys are cached when ``--pki-dir`` is not given."""
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "madoguchi" / "virtual-card-pki"


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="python -m madoguchi.smartcard.virtual",
        description="A virtual My Number card (test data only) for pcscd's vpcd reader.",
    )
    parser.add_argument("--host", default=DEFAULT_HOST, help="vpcd host (default %(default)s)")
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help="vpcd port (default %(default)s)"
    )
    parser.add_argument("--control", type=Path, required=True, help="control socket path")
    parser.add_argument(
        "--profiles", type=Path, help="JSON list of card profiles (default: one sample person)"
    )
    parser.add_argument("--pki-dir", type=Path, default=None, help="test PKI key cache")
    parser.add_argument("--insert", type=int, default=None, help="insert this profile at start")
    parser.add_argument(
        "--connect-timeout",
        type=float,
        default=10.0,
        help="seconds to keep retrying while vpcd is not listening (default %(default)s)",
    )
    parser.add_argument(
        "--swap-delay",
        type=float,
        default=1.0,
        help="seconds the reader stays empty between two cards (default %(default)s)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the card program; the exit status."""
    arguments = parse_arguments(argv)
    profiles = load_profiles(arguments.profiles) if arguments.profiles else [sample_profile()]
    slot = VirtualCardSlot(
        arguments.host, arguments.port, arguments.connect_timeout, arguments.swap_delay
    )
    service = CardService(slot, profiles, arguments.pki_dir or default_pki_dir())

    def request_stop(signum: int, frame: FrameType | None) -> None:
        service.stop_requested.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    if arguments.insert is not None:
        service.insert(arguments.insert)
    server = ControlServer(arguments.control, service)
    worker = server.serve_in_thread()
    print(f"READY control={arguments.control}", flush=True)
    try:
        # A timed wait, so that the signal handler gets to run on the main thread.
        while not service.stop_requested.wait(0.2):
            pass
    finally:
        server.shutdown()
        worker.join(timeout=5.0)
        server.close()
        slot.remove()
    return 0


if __name__ == "__main__":
    sys.exit(main())
