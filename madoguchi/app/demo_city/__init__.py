"""The demo city 架空県みどり市: a deterministic, entirely fictional municipality.

Prefecture code 99 does not exist, so nothing here can be taken for a real place: the
municipality code is 99201, the 114 address-master rows (40 町字, most with 丁目) have 11-digit
codes 99201xxxyyy and postal codes 909-01xx. People, households and their histories are
generated from a seed and a "today" (default 2026-11-01) only — no clock, no global random.

- ``DemoCity(persons=…, seed=…, today=…)`` describes a city; ``households()`` yields its rows
  household by household (module ``generate``).
- ``build_demo_store(store, persons=…, seed=…)`` writes it into a local store (module ``load``);
  ``python -m madoguchi.app.demo_city --persons N --out PATH`` does the same from a shell.
"""

from madoguchi.app.demo_city.generate import DEFAULT_SEED, DEFAULT_TODAY, DemoCity
from madoguchi.app.demo_city.load import DemoSummary, build_demo_store

__all__ = ["DEFAULT_SEED", "DEFAULT_TODAY", "DemoCity", "DemoSummary", "build_demo_store"]
