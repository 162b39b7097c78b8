"""Worker process of the demo-city build: writes one segment into a scratch database.

Run as ``python -m madoguchi.app.demo_city.worker`` by the loader, one process per segment
at a time. The city parameters come as arguments, the scratch key on standard input (never
on the command line), and the row counts go back as JSON on standard output.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from datetime import date
from pathlib import Path

from madoguchi.app.demo_city.generate import DemoCity, Segment
from madoguchi.app.demo_city.segments import write_segment


def main(argv: list[str] | None = None) -> int:
    """Write the segment described by ``argv``; print its counts as JSON."""
    parser = argparse.ArgumentParser(prog="python -m madoguchi.app.demo_city.worker")
    parser.add_argument("--persons", type=int, required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--today", type=date.fromisoformat, required=True)
    parser.add_argument("--segment-persons", type=int, required=True)
    parser.add_argument("--index", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    city = DemoCity(args.persons, args.seed, args.today, args.segment_persons)
    segment: Segment = city.segments()[args.index]
    key = sys.stdin.readline().strip()
    counts = write_segment(city, segment, args.out, key)
    print(json.dumps(dataclasses.asdict(counts)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
