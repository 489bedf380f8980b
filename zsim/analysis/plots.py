"""Plots of a run's summary, in matplotlib (object API, no pyplot state; Agg for PNG, SVG backend for SVG).

Every plot function takes a summary DataFrame (``summary.csv``: tier, point, metric, n, mean, ci_low, ci_high,
overhead_*) and returns a :class:`~matplotlib.figure.Figure`, or ``None`` when the run lacks its metrics, so a
report can call them all. :func:`save_figure` writes PNG and SVG with fixed metadata, so the same summary
gives the same files.

Data each plot reads:

* :func:`pareto_plot`: a cost metric and ``attack.*.success_rate`` (:mod:`zsim.analysis.pareto`);
* :func:`latency_cdf_plot`: the quantiles ``inference.latency_p{NN}_s``, averaged over replications (quantile
  averaging), one curve per tier;
* :func:`step_time_plot`: ``training.step_time_s`` with its 95 % interval;
* :func:`attack_heatmap`: ``attack.<id>.success_rate``, campaigns × tiers;
* :func:`survival_plot`: ``attack.<id>.ttc_p{NN}_s`` / ``ttc_median_s`` (quantiles of the time to compromise
  among compromised trials, as :mod:`zsim.attacks.metrics` defines them) with ``success_rate`` p: the share
  not yet compromised at ``t = ttc_pNN`` is ``1 − p·NN/100``, and it levels out at ``1 − p``;
* :func:`sweep_plot`: one metric across sweep points, a line per tier with its 95 % band.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from zsim.analysis.pareto import ATTACK_GLOB, attack_metrics, pareto_table
from zsim.analysis.sweep_axis import ordered_points, sweep_axis

_QUANTILE = re.compile(r"^inference\.latency_p(\d+)_s$")
_TTC = re.compile(r"^attack\.(?P<id>.+)\.ttc_(?:p(?P<q>\d+)|(?P<median>median))_s$")
_SUCCESS = re.compile(r"^attack\.(?P<id>.+)\.success_rate$")
PALETTE = matplotlib.colormaps["tab10"].colors


def _figure(width_in: float = 7.0, height_in: float = 4.2) -> Figure:
    return Figure(figsize=(width_in, height_in), layout="constrained")


def tier_colours(summary: pd.DataFrame) -> dict[str, tuple[float, ...]]:
    tiers = list(dict.fromkeys(summary["tier"]))
    return {t: PALETTE[i % len(PALETTE)] for i, t in enumerate(tiers)}


def _one_point(summary: pd.DataFrame, point: str | None) -> tuple[pd.DataFrame, str]:
    chosen = ordered_points(list(summary["point"]))[0] if point is None else point
    return summary[summary["point"] == chosen], chosen


def _suffix(point: str) -> str:
    return f" · {point}" if point else ""


def save_figure(fig: Figure, out_dir: Path, name: str, *, dpi: int = 110) -> list[Path]:
    """Write ``name.png`` and ``name.svg`` into ``out_dir``; the same figure gives the same bytes."""
    out_dir.mkdir(parents=True, exist_ok=True)
    png, svg = out_dir / f"{name}.png", out_dir / f"{name}.svg"
    with matplotlib.rc_context({"svg.hashsalt": "zsim", "svg.fonttype": "path"}):
        fig.savefig(png, dpi=dpi, metadata={"Software": None})
        fig.savefig(svg, metadata={"Date": None, "Creator": None})
    return [png, svg]


def pareto_plot(summary: pd.DataFrame, cost_metric: str | None = None, *, cost: str = "overhead_pct",
                combine: str = "mean") -> Figure | None:
    table = pareto_table(summary, cost_metric, cost=cost, combine=combine)
    if table.empty:
        return None
    colours = tier_colours(summary)
    fig = _figure()
    ax = fig.add_subplot()
    many_points = table["point"].nunique() > 1
    for tier, block in table.groupby("tier", sort=False):
        ax.scatter(block["cost"], block["attack_success"], s=36, color=colours[tier], label=tier, zorder=3,
                   edgecolors=["black" if f else "none" for f in block["on_frontier"]])
    front = table[table["on_frontier"]].sort_values(["cost", "attack_success"])
    ax.step(front["cost"], front["attack_success"], where="post", color="black", lw=1.2, zorder=2,
            label="Pareto frontier")
    for (x, y), same in front.groupby(["cost", "attack_success"], sort=False):
        names = [f"{r.tier}{_suffix(r.point) if many_points else ''}" for r in same.itertuples()]
        text = ", ".join(names[:3]) + (f" (+{len(names) - 3})" if len(names) > 3 else "")
        ax.annotate(text, (x, y), textcoords="offset points", xytext=(5, 4), fontsize=8)
    metric = table.attrs["cost_metric"]
    ax.set_xlabel(f"{metric} overhead (%)" if cost == "overhead_pct" else metric)
    campaigns = int(table["campaigns"].max())
    ax.set_ylabel(f"attack success rate ({combine} of {campaigns} campaign{'s' * (campaigns != 1)})")
    ax.set_ylim(-0.03, 1.03)
    ax.set_title("cost against attack success (lower left is better)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return fig


def latency_cdf_plot(summary: pd.DataFrame, point: str | None = None) -> Figure | None:
    block, point = _one_point(summary, point)
    rows = block[block["metric"].str.match(_QUANTILE)]
    if rows.empty or rows["metric"].nunique() < 3:
        return None
    colours = tier_colours(summary)
    fig = _figure()
    ax = fig.add_subplot()
    for tier, tier_rows in rows.groupby("tier", sort=False):
        q = np.array([int(_QUANTILE.match(m).group(1)) / 100 for m in tier_rows["metric"]])  # type: ignore[union-attr]
        order = np.argsort(q)
        ax.plot(tier_rows["mean"].to_numpy()[order], q[order], marker="o", ms=3, color=colours[tier], label=tier)
    ax.set_xlabel("request latency (s)")
    ax.set_ylabel("fraction of requests")
    ax.set_ylim(0, 1)
    ax.set_title(f"inference latency CDF per tier{_suffix(point)}")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return fig


def step_time_plot(summary: pd.DataFrame, metric: str = "training.step_time_s") -> Figure | None:
    rows = summary[summary["metric"] == metric]
    if rows.empty:
        return None
    colours = tier_colours(summary)
    points = ordered_points(list(rows["point"]))
    tiers = list(dict.fromkeys(rows["tier"]))
    width = 0.8 / len(tiers)
    fig = _figure(max(7.0, 1.2 + 0.45 * len(points) * len(tiers)), 4.2)
    ax = fig.add_subplot()
    for i, tier in enumerate(tiers):
        sub = rows[rows["tier"] == tier].set_index("point").reindex(points)
        x = np.arange(len(points)) + (i - (len(tiers) - 1) / 2) * width
        err = np.vstack([sub["mean"] - sub["ci_low"], sub["ci_high"] - sub["mean"]])
        bars = ax.bar(x, sub["mean"], width, color=colours[tier], label=tier,
                      yerr=np.nan_to_num(err), capsize=3)
        for bar, pct in zip(bars, sub["overhead_pct"], strict=True):
            if isinstance(pct, float) and math.isfinite(pct):
                ax.annotate(f"{pct:+.1f} %", (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                            textcoords="offset points", xytext=(0, 6), ha="center", fontsize=7)
    ax.set_xticks(np.arange(len(points)), [p or "all" for p in points], rotation=20 if len(points) > 3 else 0,
                  fontsize=8)
    ax.set_ylabel("training step time (s)")
    ax.set_title("training step time per tier (95 % CI; overhead against the reference)")
    ax.legend(fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    return fig


def attack_heatmap(summary: pd.DataFrame, point: str | None = None, glob: str = ATTACK_GLOB) -> Figure | None:
    block, point = _one_point(summary, point)
    metrics = attack_metrics(block, glob)
    if not metrics:
        return None
    tiers = list(dict.fromkeys(block["tier"]))
    grid = block[block["metric"].isin(metrics)].pivot_table(index="metric", columns="tier", values="mean",
                                                            dropna=False).reindex(index=metrics, columns=tiers)
    fig = _figure(max(5.0, 2.5 + 0.9 * len(tiers)), max(2.5, 1.2 + 0.42 * len(metrics)))
    ax = fig.add_subplot()
    image = ax.imshow(grid.to_numpy(dtype=float), cmap="Reds", vmin=0.0, vmax=1.0, aspect="auto")
    for (i, j), value in np.ndenumerate(grid.to_numpy(dtype=float)):
        if math.isfinite(value):
            ax.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=8,
                    color="white" if value > 0.6 else "black")
    ax.set_xticks(range(len(tiers)), tiers, fontsize=8)
    ax.set_yticks(range(len(metrics)), [m.removeprefix("attack.").removesuffix(".success_rate") for m in metrics],
                  fontsize=8)
    ax.set_title(f"attack success rate, campaign × tier{_suffix(point)}")
    fig.colorbar(image, ax=ax, label="success rate")
    return fig


def _survival_curves(block: pd.DataFrame) -> dict[str, dict[str, list[tuple[float, float]]]]:
    """campaign → tier → [(t, share not yet compromised), ...] from TTC quantiles and success rates."""
    success = {(m.group("id"), t): v for t, metric, v in zip(block["tier"], block["metric"], block["mean"],
                                                           strict=True) if (m := _SUCCESS.match(metric))}
    curves: dict[str, dict[str, list[tuple[float, float]]]] = {}
    for tier, metric, value in zip(block["tier"], block["metric"], block["mean"], strict=True):
        m = _TTC.match(metric)
        if m is None or not math.isfinite(value):
            continue
        q = 0.5 if m.group("median") else int(m.group("q")) / 100
        p = success.get((m.group("id"), tier), 1.0)
        curves.setdefault(m.group("id"), {}).setdefault(tier, []).append((value, 1.0 - p * q))
    return curves


def _time_unit(t_max_s: float) -> tuple[str, float]:
    for unit, scale in (("d", 86400.0), ("h", 3600.0), ("min", 60.0)):
        if t_max_s >= 2 * scale:
            return unit, scale
    return "s", 1.0


def survival_plot(summary: pd.DataFrame, point: str | None = None, max_campaigns: int = 12) -> Figure | None:
    """Solid: the share not yet compromised through the known TTC quantiles (linear between them); dotted: the
    level it settles at, ``1 − p``, reached at the longest time to compromise (not in the summary), or 1 for a
    tier the campaign never gets through."""
    block, point = _one_point(summary, point)
    curves = _survival_curves(block)
    if not curves:
        return None
    colours = tier_colours(summary)
    ids = sorted(curves)[:max_campaigns]
    cols = min(4, len(ids))
    rows = math.ceil(len(ids) / cols)
    fig = _figure(3.3 * cols + 0.6, 2.7 * rows + 0.5)
    axes = fig.subplots(rows, cols, squeeze=False)
    success = {(m.group("id"), t): v for t, metric, v in zip(block["tier"], block["metric"], block["mean"],
                                                           strict=True) if (m := _SUCCESS.match(metric))}
    for ax, cid in zip(axes.flat, ids, strict=False):
        t_last = max(t for pts in curves[cid].values() for t, _ in pts)
        unit, scale = _time_unit(t_last)
        right = 1.25 * t_last / scale or 1.0
        for tier, pts in curves[cid].items():
            pts = sorted(pts)
            ax.plot([0.0, *[t / scale for t, _ in pts]], [1.0, *[s for _, s in pts]], marker="o", ms=3,
                    color=colours.get(tier), label=tier)
            ax.plot([pts[-1][0] / scale, right], [1.0 - success.get((cid, tier), 1.0)] * 2, ls=":",
                    color=colours.get(tier))
        for (other, tier), p in success.items():  # tiers this campaign never got through: no TTC, flat at 1
            if other == cid and tier not in curves[cid] and p == 0:
                ax.plot([0.0, right], [1.0, 1.0], ls=":", color=colours.get(tier), label=tier)
        ax.set_title(cid, fontsize=9)
        ax.set_xlim(0, right)
        ax.set_ylim(-0.02, 1.02)
        ax.set_xlabel(f"time ({unit})", fontsize=8)
        ax.set_ylabel("not yet compromised", fontsize=8)
        ax.grid(alpha=0.3)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(ids):]:
        ax.set_visible(False)
    legend: dict[str, object] = {}
    for ax in axes.flat:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            legend.setdefault(label, handle)
    order = [t for t in colours if t in legend]
    fig.legend([legend[t] for t in order], order, loc="outside right upper", fontsize=8)
    more = f" (first {len(ids)} of {len(curves)})" if len(curves) > len(ids) else ""
    fig.suptitle(f"time to compromise: share of trials not yet compromised{_suffix(point)}{more}", fontsize=10)
    return fig


def sweep_plot(summary: pd.DataFrame, metric: str, param: str | None = None) -> Figure | None:
    rows = summary[summary["metric"] == metric]
    points = list(dict.fromkeys(summary["point"]))
    if rows.empty or len(points) < 2:
        return None
    axis = sweep_axis(points, param)
    colours = tier_colours(summary)
    fig = _figure()
    ax = fig.add_subplot()
    for (tier, rest), block in rows.groupby([rows["tier"], rows["point"].map(axis.rest)], sort=False):
        block = block.assign(x=block["point"].map(axis.x)).sort_values("x")
        label = f"{tier} · {rest}" if rest else tier
        ax.plot(block["x"], block["mean"], marker="o", ms=3, color=colours[tier], label=label,
                ls="-" if not rest else "--")
        ok = block["ci_low"].notna() & block["ci_high"].notna()
        if ok.any():
            ax.fill_between(block["x"][ok], block["ci_low"][ok], block["ci_high"][ok], color=colours[tier],
                            alpha=0.18, lw=0)
    if axis.categorical:
        ax.set_xticks(range(len(axis.ticks)), axis.ticks, rotation=20, fontsize=8)
    elif axis.log:
        ax.set_xscale("log")
    ax.set_xlabel(axis.label)
    ax.set_ylabel(metric)
    ax.set_title(f"{metric} across the sweep (95 % CI bands)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    return fig
