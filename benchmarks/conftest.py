"""Benchmarks report ratios against a reference measured in the same session, so figures hold across machines.

Each benchmark stores its ratio in ``benchmark.extra_info["ratio"]`` (and the rates behind it); ``make
bench-compare`` compares those against the saved baseline.
"""

from __future__ import annotations

import time
from collections.abc import Callable


def best_rate(fn: Callable[[], int], rounds: int = 3) -> float:
    """Items per second of ``fn`` (which returns how many items it processed), best of ``rounds``."""
    best = 0.0
    for _ in range(rounds):
        t0 = time.perf_counter()
        items = fn()
        best = max(best, items / (time.perf_counter() - t0))
    return best
