"""One calibration row: a measured quantity with its median and spread, or the reason it was skipped.

Every measurement repeats an operation and keeps one sample per repeat (seconds per operation, or bytes per
second for a throughput). A row reports the median and the spread of those samples: the interquartile range and
the 10th and 90th percentiles (the two quantiles a :class:`zsim.controls.dists.LatencyDist` can be fitted to).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np


class Skip(Exception):  # noqa: N818 (a signal, not an error)
    """Raised by a measurement that cannot run here; the message says why (shown as the row's note)."""


@dataclass(frozen=True)
class Row:
    """A measured quantity. ``unit`` is ``s`` (per operation), ``B/s`` or ``1/s``; ``median`` is None if skipped."""

    name: str
    unit: str
    median: float | None = None
    iqr: float | None = None
    p10: float | None = None
    p90: float | None = None
    n: int = 0
    note: str = ""

    @property
    def measured(self) -> bool:
        return self.median is not None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"unit": self.unit}
        if self.measured:
            out.update(median=_sig(self.median), iqr=_sig(self.iqr), p10=_sig(self.p10), p90=_sig(self.p90),
                       n=self.n)
        if self.note:
            out["note"] = self.note
        return out


def _sig(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else float(f"{value:.{digits}g}")


def summarise(name: str, unit: str, samples: Sequence[float], note: str = "") -> Row:
    """A row from per-repeat samples (at least one)."""
    if not samples:
        raise ValueError(f"{name}: no samples")
    arr = np.asarray(samples, dtype=float)
    q10, q25, q50, q75, q90 = np.quantile(arr, [0.10, 0.25, 0.50, 0.75, 0.90])
    return Row(name, unit, float(q50), float(q75 - q25), float(q10), float(q90), int(arr.size), note)


def skipped(name: str, unit: str, reason: str) -> Row:
    return Row(name, unit, note=reason)
