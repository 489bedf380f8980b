"""Synthetic records and run folders for analysis tests: every metric family the plots and report read, with
values chosen so that the expected answers (frontier, heatmap, survival) are known in advance."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from zsim.analysis.summary import summarise
from zsim.runner.spec import RECORD_COLUMNS
from zsim.runner.store import write_run_folder

TIERS = ["none", "identity", "strict", "max"]
# cost factor and attack success per campaign, per tier. With cost = step-time overhead (0, 2, 5, 20 %) and
# risk = the worst campaign (0.9, 0.6, 0.4, 0.4), the frontier is none, identity, strict: max costs more than
# strict for the same worst case. With risk = the campaigns' mean (0.75, 0.55, 0.25, 0.225) all four are on it.
COST = {"none": 1.00, "identity": 1.02, "strict": 1.05, "max": 1.20}
SUCCESS = {"none": {"lateral": 0.9, "poison": 0.6}, "identity": {"lateral": 0.5, "poison": 0.6},
           "strict": {"lateral": 0.1, "poison": 0.4}, "max": {"lateral": 0.05, "poison": 0.4}}
PERCENTS = (1, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 99)


def records(points: tuple[str, ...] = ("",), reps: int = 4, seed: int = 7, tiers: list[str] | None = None,
            families: tuple[str, ...] = ("latency", "training", "attack")) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows: list[tuple[Any, ...]] = []
    for p_index, point in enumerate(points):
        for rep in range(reps):
            shared = rng.normal(0, 0.01)  # common random numbers: the same draw for every tier
            for tier in tiers or TIERS:
                f = COST[tier] * (1 + 0.1 * p_index)
                metrics: dict[str, float] = {}
                if "latency" in families:
                    for pct in PERCENTS:  # exponential latency with mean f: quantile -f ln(1 - q)
                        metrics[f"inference.latency_p{pct:02d}_s"] = -f * np.log(1 - pct / 100) * (1 + shared)
                if "training" in families:
                    metrics["training.step_time_s"] = 0.5 * f * (1 + shared)
                if "attack" in families:
                    for cid, p in SUCCESS[tier].items():
                        metrics[f"attack.{cid}.success_rate"] = p
                        metrics[f"attack.{cid}.ttc_median_s"] = 3600.0 * f
                        metrics[f"attack.{cid}.ttc_p90_s"] = 7200.0 * f
                rows += [("synth", tier, point, rep, 1000 + rep, m, float(v)) for m, v in metrics.items()]
    return pd.DataFrame(rows, columns=list(RECORD_COLUMNS))


def summary(**kwargs: Any) -> pd.DataFrame:
    recs = records(**kwargs)
    return summarise(recs, "none", list(dict.fromkeys(recs["tier"])))


def run_folder(path: Path, **kwargs: Any) -> Path:
    recs = records(**kwargs)
    summ = summarise(recs, "none", list(dict.fromkeys(recs["tier"])))
    manifest = {"experiment": "synth", "config_hash": "0" * 64, "reference_tier": "none", "replications": 4,
                "root_seed": 7, "timings": {"runs": int(recs.groupby(["tier", "point", "replication"]).ngroups),
                                            "wall_s": 0.1, "started_utc": "2026-01-01T00:00:00+00:00"},
                "warnings": [], "packages": {"zsim": "test"}}
    return write_run_folder(path, recs.sort_values(["tier", "point", "replication", "metric"]), summ, manifest)
