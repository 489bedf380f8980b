"""Plot of posture drift: attack success and open holes over time, one line per testing interval.

Reads a run's summary (``summary.csv``: tier, point, metric, mean, ci_low, ci_high) for the ``drift`` workload's
series ``drift.success_rate@dNNN`` (or ``drift.<campaign>.success_rate@dNNN``) and ``drift.open_holes@dNNN``,
and draws them against the day, with the 95 % band over replications, one line per sweep point (testing
interval, most frequent first, "never" last). Matplotlib's object API with the Agg canvas: no pyplot state.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import matplotlib
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from zsim.units import parse_duration_s

_SERIES = re.compile(r"^drift\.(?:(?P<campaign>.+)\.)?(?P<what>success_rate|open_holes)@d(?P<day>\d+)$")
PALETTE = matplotlib.colormaps["viridis"]


def drift_series(summary: pd.DataFrame, *, tier: str | None = None, campaign: str | None = None) -> pd.DataFrame:
    """Tidy rows (point, what, day, mean, ci_low, ci_high) of one tier (the first by default); ``campaign``
    None takes the mean over the campaigns."""
    tiers = list(dict.fromkeys(summary["tier"]))
    if not tiers:
        return pd.DataFrame(columns=["point", "what", "day", "mean", "ci_low", "ci_high"])
    chosen = tiers[0] if tier is None else tier
    rows = []
    for r in summary[summary["tier"] == chosen].itertuples():
        m = _SERIES.match(str(r.metric))
        if m is None or (m["what"] == "success_rate" and m["campaign"] != campaign):
            continue
        if m["what"] == "open_holes" and m["campaign"] is not None:
            continue
        point = "" if pd.isna(r.point) else str(r.point)
        rows.append((point, m["what"], int(m["day"]), float(r.mean), float(r.ci_low), float(r.ci_high)))
    return pd.DataFrame(rows, columns=["point", "what", "day", "mean", "ci_low", "ci_high"])


def _interval_s(point: str) -> float:
    value = point.rsplit("=", 1)[-1]
    try:
        return parse_duration_s(value)
    except ValueError:
        return math.inf  # "never" (and anything that is not a duration) goes last


def _legend(point: str) -> str:
    value = point.rsplit("=", 1)[-1]
    if not point:
        return "run"
    return "never tested" if math.isinf(_interval_s(point)) else f"test every {value}"


def drift_figure(summary: pd.DataFrame, *, tier: str | None = None, campaign: str | None = None) -> Figure | None:
    """Success over time (top) and open holes (bottom), a line per testing interval; None without drift data."""
    data = drift_series(summary, tier=tier, campaign=campaign)
    if data.empty or not (data["what"] == "success_rate").any():
        return None
    points = sorted(dict.fromkeys(data["point"]), key=lambda p: (_interval_s(p), p))
    fig = Figure(figsize=(7.5, 6.0), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(2, 1, sharex=True, height_ratios=[3, 2])
    for i, point in enumerate(points):
        colour = PALETTE(i / max(len(points) - 1, 1) * 0.9)
        for ax, what in zip(axes, ("success_rate", "open_holes"), strict=True):
            block = data[(data["point"] == point) & (data["what"] == what)].sort_values("day")
            if block.empty:
                continue
            ax.plot(block["day"], block["mean"], color=colour, lw=1.6, label=_legend(point))
            ax.fill_between(block["day"], block["ci_low"], block["ci_high"], color=colour, alpha=0.18, lw=0)
    tier_name = tier if tier is not None else str(summary["tier"].iloc[0])
    axes[0].set_ylabel(f"{campaign or 'mean over campaigns'}\nattack success rate")
    axes[0].set_ylim(bottom=0)
    axes[0].set_title(f"Posture drift · tier {tier_name}")
    axes[0].legend(fontsize=8, loc="upper left")
    axes[1].set_ylabel("open holes")
    axes[1].set_xlabel("day")
    axes[1].set_ylim(bottom=0)
    for ax in axes:
        ax.grid(alpha=0.3)
    return fig


def drift_plot(summary: pd.DataFrame, out_dir: str | Path, *, tier: str | None = None,
               campaign: str | None = None, name: str = "drift") -> list[Path]:
    """Write ``name.png`` and ``name.svg`` into ``out_dir`` (nothing when the summary has no drift series)."""
    fig = drift_figure(summary, tier=tier, campaign=campaign)
    if fig is None:
        return []
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    png, svg = out / f"{name}.png", out / f"{name}.svg"
    with matplotlib.rc_context({"svg.hashsalt": "zsim", "svg.fonttype": "path"}):
        fig.savefig(png, dpi=110, metadata={"Software": None})
        fig.savefig(svg, metadata={"Date": None, "Creator": None})
    return [png, svg]
