"""Means with 95 % confidence intervals, and overheads paired under common random numbers.

Every tier of an experiment replays the same replication seeds, so for replication r the difference
``d_r = x(tier, r) - x(reference, r)`` removes the variance the tiers share. The overhead is
``mean(d) / mean(x_reference)`` with a Student-t interval on ``mean(d)``; the reference mean is taken as fixed
(its own sampling error is second order when the tiers are strongly correlated, which CRN makes them).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.special import ndtri, stdtrit

SUMMARY_COLUMNS = [
    "tier", "point", "metric", "n", "mean", "ci_low", "ci_high",
    "overhead_abs", "overhead_pct", "overhead_ci_low_pct", "overhead_ci_high_pct",
]


def t_interval(values: np.ndarray, confidence: float = 0.95) -> tuple[float, float, float]:
    """(mean, low, high); the interval is NaN with fewer than two values."""
    values = np.asarray(values, dtype=float)
    mean = float(values.mean()) if values.size else math.nan
    if values.size < 2:
        return mean, math.nan, math.nan
    sd = float(values.std(ddof=1))
    half = float(stdtrit(values.size - 1, 0.5 + confidence / 2)) * sd / math.sqrt(values.size)
    return mean, mean - half, mean + half


def summarise(
    records: pd.DataFrame,
    reference_tier: str,
    tier_order: list[str] | None = None,
    point_order: list[str] | None = None,
) -> pd.DataFrame:
    """One row per (tier, point, metric), in the experiment's order of sweep points and tiers."""
    rows = []
    wide = records.pivot_table(index=["point", "metric", "replication"], columns="tier", values="value",
                               dropna=False)
    tiers = tier_order or list(dict.fromkeys(records["tier"]))
    for (point, metric), block in wide.groupby(level=["point", "metric"], sort=True):
        ref = block[reference_tier].to_numpy() if reference_tier in block else None
        for tier in tiers:
            if tier not in block:
                continue
            x = block[tier].to_numpy()
            ok = ~np.isnan(x)
            if not ok.any():
                continue  # this tier does not produce the metric (e.g. no authorization service)
            mean, lo, hi = t_interval(x[ok])
            row = {"tier": tier, "point": point, "metric": metric, "n": int(ok.sum()),
                   "mean": mean, "ci_low": lo, "ci_high": hi,
                   "overhead_abs": math.nan, "overhead_pct": math.nan,
                   "overhead_ci_low_pct": math.nan, "overhead_ci_high_pct": math.nan}
            if ref is not None and tier != reference_tier:
                both = ok & ~np.isnan(ref)
                d_mean, d_lo, d_hi = t_interval(x[both] - ref[both])
                row["overhead_abs"] = d_mean
                ref_mean = float(ref[both].mean()) if both.any() else math.nan
                if ref_mean and math.isfinite(ref_mean):
                    row["overhead_pct"] = 100 * d_mean / ref_mean
                    row["overhead_ci_low_pct"] = 100 * d_lo / ref_mean
                    row["overhead_ci_high_pct"] = 100 * d_hi / ref_mean
            rows.append(row)
    frame = pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
    order = {"tier": {t: i for i, t in enumerate(tiers)},
             "point": {p: i for i, p in enumerate(point_order or sorted(set(frame["point"])))}}
    return frame.sort_values(["point", "tier", "metric"], key=lambda s: s.map(order[s.name]) if s.name in order else s,
                             kind="stable").reset_index(drop=True)


def wilson_interval(successes: int, trials: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion."""
    if trials == 0:
        return math.nan, math.nan
    z = float(ndtri(0.5 + confidence / 2))
    p = successes / trials
    denom = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denom
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)
