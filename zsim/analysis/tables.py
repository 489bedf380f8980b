"""Rich tables for the terminal: one per tier, and predicted-against-published rows."""

from __future__ import annotations

import fnmatch
import math

import pandas as pd
from rich.console import Console
from rich.table import Table

from zsim.units import format_duration_s


def format_value(metric: str, value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if metric.endswith(("_per_s", "_rps")):
        return f"{value:.4g} /s"
    if metric.endswith("_s"):
        return format_duration_s(value)
    if metric.endswith("_Bps"):
        return f"{value / 1e9:.4g} GB/s"
    if metric.endswith("_bytes"):
        return f"{value / 1e9:.4g} GB"
    return f"{value:.4g}"


def _half_width(row: pd.Series) -> float:
    if math.isnan(row["ci_high"]):
        return math.nan
    half = (row["ci_high"] - row["ci_low"]) / 2
    return 0.0 if abs(half) <= 1e-9 * max(abs(row["mean"]), 1e-300) else half


def _pct(value: float) -> str:
    return f"{value:+.3g} %" if abs(value) >= 1e-6 else "0 %"


def tier_tables(summary: pd.DataFrame, reference_tier: str, metrics: list[str] | None = None) -> list[Table]:
    tables = []
    for (point, tier), block in summary.groupby(["point", "tier"], sort=False):
        title = f"tier [bold]{tier}[/bold]" + (f" · {point}" if point else "")
        if tier == reference_tier:
            title += " (reference)"
        table = Table(title=title, title_justify="left")
        table.add_column("metric")
        table.add_column("mean", justify="right")
        table.add_column("± 95% CI", justify="right")
        if tier != reference_tier:
            table.add_column("overhead", justify="right")
            table.add_column("95% CI", justify="right")
        for _, row in block.iterrows():
            if metrics and not any(fnmatch.fnmatch(row["metric"], m) for m in metrics):
                continue
            cells = [row["metric"], format_value(row["metric"], row["mean"]),
                     format_value(row["metric"], _half_width(row))]
            if tier != reference_tier:
                pct = row["overhead_pct"]
                cells.append("–" if math.isnan(pct) else _pct(pct))
                lo, hi = row["overhead_ci_low_pct"], row["overhead_ci_high_pct"]
                cells.append("–" if math.isnan(lo) else f"[{_pct(lo)}, {_pct(hi)}]")
            table.add_row(*cells)
        tables.append(table)
    return tables


def validation_table(frame: pd.DataFrame) -> Table:
    table = Table(title="predicted against published", title_justify="left")
    for col in ("figure", "kind", "predicted", "published", "error", "within", "source"):
        table.add_column(col, justify="right" if col in ("predicted", "published", "error") else "left")
    for _, row in frame.iterrows():
        ok = "[green]yes[/green]" if row["within"] else "[red]no[/red]"
        table.add_row(
            row["label"], row["kind"], format_value(row["metric"], row["predicted"]),
            format_value(row["metric"], row["published"]), f"{row['error_pct']:+.1f} %",
            f"{ok} (±{row['tolerance_pct']:g} %)", row["source"],
        )
    return table


def print_tables(console: Console, tables: list[Table]) -> None:
    for table in tables:
        console.print(table)
