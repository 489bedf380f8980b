"""The Pareto frontier of cost against attack success, across tiers and sweep points.

Each (tier, point) of a run is one design with two numbers to minimise:

* **cost**: a metric's paired overhead in percent against the reference tier of the same point
  (``overhead_pct``; the reference tier itself costs 0), or the metric's plain mean (``cost="mean"``, which
  compares across sweep points on one scale);
* **attack success**: the campaigns' ``attack.<campaign-id>.success_rate`` means, combined by ``mean`` (the
  average over the campaign library, default) or ``max`` (the worst campaign; it saturates when one campaign
  gets through every tier, as artifact poisoning does without signing).

A design is *on the frontier* when no other design is at least as good on both and strictly better on one.
Designs with identical coordinates do not dominate each other, so both stay on the frontier.
"""

from __future__ import annotations

import fnmatch
import math

import numpy as np
import pandas as pd

ATTACK_GLOB = "attack.*.success_rate"
FRONTIER_COLUMNS = ["tier", "point", "cost", "attack_success", "campaigns", "on_frontier"]
# the usual costs, one per workload (the first of each group the run has): what a training step, an inference
# request and a model deployment pay for the controls
COST_CANDIDATES = (("training.step_time_s",), ("inference.latency_p99_s", "inference.latency_mean_s"),
                   ("pipeline.e2e_time_s", "pipeline.deploy_time_p95_s"))


def frontier_mask(cost: np.ndarray, risk: np.ndarray) -> np.ndarray:
    """Boolean mask of the non-dominated points when minimising both ``cost`` and ``risk`` (O(n log n))."""
    cost = np.asarray(cost, dtype=float)
    risk = np.asarray(risk, dtype=float)
    n = cost.size
    mask = np.zeros(n, dtype=bool)
    order = np.lexsort((risk, cost))  # by cost, then risk
    best_risk = math.inf
    i = 0
    while i < n:
        # a run of identical cost: its lowest risk is on the frontier if it beats every cheaper point
        j = i
        while j < n and cost[order[j]] == cost[order[i]]:
            j += 1
        group = order[i:j]
        lowest = risk[group[0]]
        if lowest < best_risk:
            mask[group[risk[group] == lowest]] = True
            best_risk = lowest
        i = j
    return mask


def cost_metrics(summary: pd.DataFrame) -> list[str]:
    """The usual cost metrics (:data:`COST_CANDIDATES`) this run has: at most one per workload, in that order."""
    metrics = set(summary["metric"])
    found = (next((m for m in group if m in metrics), None) for group in COST_CANDIDATES)
    return [m for m in found if m is not None]


def default_cost_metric(summary: pd.DataFrame) -> str | None:
    return next(iter(cost_metrics(summary)), None)


def attack_metrics(summary: pd.DataFrame, glob: str = ATTACK_GLOB) -> list[str]:
    return sorted({m for m in summary["metric"] if fnmatch.fnmatchcase(m, glob)})


def pareto_table(
    summary: pd.DataFrame,
    cost_metric: str | None = None,
    *,
    cost: str = "overhead_pct",
    attack_glob: str = ATTACK_GLOB,
    combine: str = "mean",
) -> pd.DataFrame:
    """One row per (tier, point) that has both the cost metric and at least one campaign; empty when the run
    has no cost metric or no campaigns."""
    if cost not in ("overhead_pct", "mean"):
        raise ValueError("cost must be 'overhead_pct' or 'mean'")
    if combine not in ("max", "mean"):
        raise ValueError("combine must be 'max' or 'mean'")
    cost_metric = cost_metric or default_cost_metric(summary)
    attacks = attack_metrics(summary, attack_glob)
    if cost_metric is None or not attacks:
        return pd.DataFrame(columns=FRONTIER_COLUMNS)
    costs = summary[summary["metric"] == cost_metric].set_index(["tier", "point"])
    # the reference tier has no overhead against itself: 0
    cost_values = costs["overhead_pct"].fillna(0.0) if cost == "overhead_pct" else costs["mean"]
    risk = summary[summary["metric"].isin(attacks)].groupby(["tier", "point"], sort=False)["mean"]
    risk_values = risk.max() if combine == "max" else risk.mean()
    counts = risk.count()
    keys = [k for k in costs.index if k in risk_values.index]
    frame = pd.DataFrame({
        "tier": [k[0] for k in keys],
        "point": [k[1] for k in keys],
        "cost": [float(cost_values[k]) for k in keys],
        "attack_success": [float(risk_values[k]) for k in keys],
        "campaigns": [int(counts[k]) for k in keys],
    })
    frame["on_frontier"] = frontier_mask(frame["cost"].to_numpy(), frame["attack_success"].to_numpy()) \
        if len(frame) else np.zeros(0, dtype=bool)
    frame.attrs.update(cost_metric=cost_metric, cost=cost, combine=combine, attack_glob=attack_glob)
    return frame[FRONTIER_COLUMNS]
