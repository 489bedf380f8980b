"""The attack × tier matrix: a table (text, with Wilson 95 % intervals) and a heatmap (PNG and SVG)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path

from zsim.attacks.runner import CampaignResult

Matrix = Mapping[tuple[str, str], CampaignResult]


def axes(results: Matrix) -> tuple[list[str], list[str]]:
    """Campaigns and tiers in first-seen order."""
    campaigns: list[str] = []
    tiers: list[str] = []
    for cid, tier in results:
        if cid not in campaigns:
            campaigns.append(cid)
        if tier not in tiers:
            tiers.append(tier)
    return campaigns, tiers


def cell(result: CampaignResult, metric: str = "success_rate") -> str:
    m = result.metrics
    if metric == "success_rate":
        return f"{m['success_rate']:.3f} [{m['ci_low']:.3f}, {m['ci_high']:.3f}]"
    value = m[metric]
    return "—" if isinstance(value, float) and math.isnan(value) else f"{value:.4g}"


def matrix_table(results: Matrix, metric: str = "success_rate") -> str:
    """A plain-text (Markdown) table: one row per campaign, one column per tier."""
    campaigns, tiers = axes(results)
    header = ["campaign", *tiers]
    rows = [[cid, *(cell(results[(cid, t)], metric) for t in tiers)] for cid in campaigns]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = ["| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |",
             "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    lines += ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in rows]
    return "\n".join(lines)


def ablation_table(deltas: Mapping[tuple[str, str], float]) -> str:
    """Rows: campaigns; columns: controls; cells: the success-rate rise without that control."""
    campaigns = list(dict.fromkeys(c for c, _ in deltas))
    controls = list(dict.fromkeys(k for _, k in deltas))
    header = ["campaign", *controls]
    rows = [[cid, *(f"{deltas[(cid, k)]:+.3f}" for k in controls)] for cid in campaigns]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = ["| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |",
             "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    lines += ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in rows]
    return "\n".join(lines)


def heatmap(results: Matrix, out_stem: str | Path, metric: str = "success_rate",
            title: str | None = None) -> list[Path]:
    """Write ``<stem>.png`` and ``<stem>.svg``: campaigns down, tiers across, ``metric`` as colour."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    campaigns, tiers = axes(results)
    values = np.array([[results[(c, t)].metrics[metric] for t in tiers] for c in campaigns], dtype=float)
    fig, ax = plt.subplots(figsize=(1.6 + 1.3 * len(tiers), 0.9 + 0.42 * len(campaigns)))
    bounded = metric.endswith("_rate")
    image = ax.imshow(values, cmap="Reds", vmin=0.0 if bounded else None, vmax=1.0 if bounded else None,
                      aspect="auto")
    ax.set_xticks(range(len(tiers)), tiers)
    ax.set_yticks(range(len(campaigns)), campaigns)
    ax.xaxis.tick_top()
    for i in range(len(campaigns)):
        for j in range(len(tiers)):
            v = values[i, j]
            text = "—" if math.isnan(v) else f"{v:.2f}"
            dark = bounded and not math.isnan(v) and v > 0.6
            ax.text(j, i, text, ha="center", va="center", fontsize=8, color="white" if dark else "black")
    fig.colorbar(image, ax=ax, label=metric)
    ax.set_title(title or f"attack {metric} by tier", pad=24)
    fig.tight_layout()
    stem = Path(out_stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    paths = [stem.with_suffix(".png"), stem.with_suffix(".svg")]
    for path in paths:
        fig.savefig(path, dpi=150, bbox_inches="tight")
    plt.close(fig)
    return paths
