"""Predicted against published: compare a run's metric means with the figures an experiment cites."""

from __future__ import annotations

import math

import pandas as pd

from zsim.config.experiment import ValidationRow

VALIDATION_COLUMNS = ["label", "metric", "point", "tier", "kind", "predicted", "published", "error_pct",
                      "tolerance_pct",
                      "within", "source"]


def compare(summary: pd.DataFrame, rows: list[ValidationRow], reference_tier: str) -> pd.DataFrame:
    out = []
    for row in rows:
        tier = row.tier or reference_tier
        hit = summary[(summary["metric"] == row.metric) & (summary["tier"] == tier)
                      & (summary["point"] == (row.point or ""))]
        predicted = float(hit["mean"].iloc[0]) if len(hit) else math.nan
        error = 100 * (predicted - row.published) / row.published if row.published else math.nan
        out.append({
            "label": row.label or row.metric, "metric": row.metric, "point": row.point or "", "tier": tier,
            "kind": row.kind,
            "predicted": predicted, "published": row.published, "error_pct": error,
            "tolerance_pct": row.tolerance_pct, "within": bool(abs(error) <= row.tolerance_pct),
            "source": row.source,
        })
    return pd.DataFrame(out, columns=VALIDATION_COLUMNS)
