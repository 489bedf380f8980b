"""Risk metrics of a campaign's trials.

=========================  =================================================================================
metric                     definition (over the N trials of one tier)
=========================  =================================================================================
``success_rate``           share of trials in which any plan reached the goal before eviction and horizon
``ci_low``, ``ci_high``    Wilson score 95 % interval of ``success_rate``
``ttc_median_s``           median time to compromise of the compromised trials (NaN if none)
``ttc_p90_s``              90th percentile of the same
``blast_radius_mean``      mean number of components reached (entry included), largest over plans
``blast_bytes_mean``       mean bytes held by those components
``detected_rate``          share of trials in which the defender detected the attacker (evicting it, or after
                           the goal through a delayed alert)
``ttd_median_s``           median time from the campaign's start to detection, over detected trials
``trials``                 N
=========================  =================================================================================

The survival curve (:func:`survival_curve`) is the share of trials not yet compromised at each time.
"""

from __future__ import annotations

import math

import numpy as np

from zsim.attacks.montecarlo import TrialResults

Z95 = 1.959963984540054


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion."""
    if n <= 0:
        return 0.0, 1.0
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return low, high


def _quantile(x: np.ndarray, q: float) -> float:
    return float(np.quantile(x, q)) if x.size else math.nan


def summarize(r: TrialResults) -> dict[str, float]:
    n = r.trials
    k = int(r.success.sum())
    lo, hi = wilson(k, n)
    ttc = r.ttc_s[r.success]
    ttd = r.ttd_s[r.detected]
    return {
        "success_rate": k / n,
        "ci_low": lo,
        "ci_high": hi,
        "trials": float(n),
        "ttc_median_s": _quantile(ttc, 0.5),
        "ttc_p90_s": _quantile(ttc, 0.9),
        "blast_radius_mean": float(r.blast_n.mean()),
        "blast_bytes_mean": float(r.blast_bytes.mean()),
        "detected_rate": float(r.detected.mean()),
        "ttd_median_s": _quantile(ttd, 0.5),
    }


def survival_curve(r: TrialResults, points: int = 50) -> dict[str, list[float]]:
    """``time_s`` and ``not_compromised`` (share of trials still safe at that time), on a grid spanning the
    observed times to compromise, plus the step points of the empirical curve when there are few."""
    ttc = np.sort(r.ttc_s[r.success])
    if ttc.size == 0:
        return {"time_s": [0.0], "not_compromised": [1.0]}
    grid = np.unique(np.concatenate([[0.0], np.quantile(ttc, np.linspace(0, 1, points))]))
    compromised = np.searchsorted(ttc, grid, side="right") / r.trials
    return {"time_s": grid.tolist(), "not_compromised": (1.0 - compromised).tolist()}
