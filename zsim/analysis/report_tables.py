"""Tables of a report, each rendered as Markdown and as HTML (text escaped in both)."""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from zsim.analysis.tables import format_value


@dataclass
class Table:
    title: str
    headers: list[str]
    rows: list[list[str]] = field(default_factory=list)
    note: str = ""
    css_class: str = "data"

    def markdown(self) -> str:
        def cell(text: str) -> str:
            return text.replace("|", "\\|").replace("\n", " ")

        lines = [f"## {self.title}", ""]
        if self.note:
            lines += [self.note, ""]
        lines.append("| " + " | ".join(cell(h) for h in self.headers) + " |")
        lines.append("|" + "|".join(["---"] + ["---:"] * (len(self.headers) - 1)) + "|")
        lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in self.rows]
        return "\n".join(lines)

    def html(self) -> str:
        head = "".join(f"<th>{html.escape(h)}</th>" for h in self.headers)
        body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in self.rows)
        note = f"<p>{html.escape(self.note)}</p>" if self.note else ""
        return (f"<h2>{html.escape(self.title)}</h2>{note}<table class=\"{self.css_class}\"><thead><tr>{head}</tr>"
                f"</thead><tbody>{body}</tbody></table>")


def _pct(value: float) -> str:
    return "–" if not math.isfinite(value) else f"{value:+.3g} %"


def _mean_ci(metric: str, mean: float, lo: float, hi: float) -> str:
    text = format_value(metric, mean)
    if math.isfinite(lo) and math.isfinite(hi):
        half = (hi - lo) / 2
        if abs(half) > 1e-9 * max(abs(mean), 1e-300):
            text += f" ± {format_value(metric, half)}"
    return text


def manifest_table(manifest: dict[str, Any]) -> Table:
    timings = manifest.get("timings", {})
    rows = [
        ["experiment", str(manifest.get("experiment", ""))],
        ["experiment file", str(manifest.get("experiment_file", ""))],
        ["config hash", str(manifest.get("config_hash", ""))[:16]],
        ["reference tier", str(manifest.get("reference_tier", ""))],
        ["replications", str(manifest.get("replications", ""))],
        ["root seed", str(manifest.get("root_seed", ""))],
        ["runs", str(timings.get("runs", ""))],
        ["wall time", f"{timings.get('wall_s', float('nan')):.1f} s"],
        ["started (UTC)", str(timings.get("started_utc", ""))],
        ["git revision", str(manifest.get("git_revision", ""))],
        ["zsim", str(manifest.get("packages", {}).get("zsim", ""))],
    ]
    sweep = manifest.get("sweep")
    if isinstance(sweep, dict):
        rows.append(["sweep", f"{len(manifest.get('points', {}))} points, executor {sweep.get('executor')}, "
                              f"{sweep.get('runs_resumed', 0)} runs resumed"])
    for warning in manifest.get("warnings", []):
        rows.append(["warning", str(warning)])
    return Table("Run", ["item", "value"], rows, css_class="manifest")


def pareto_rows(front: pd.DataFrame) -> Table:
    cost = front.attrs.get("cost", "overhead_pct")
    metric = front.attrs.get("cost_metric", "")
    rows = [[r.tier, r.point, f"{r.cost:+.3g} %" if cost == "overhead_pct" else format_value(metric, r.cost),
             f"{r.attack_success:.3f}", str(r.campaigns), "yes" if r.on_frontier else ""]
            for r in front.sort_values(["cost", "attack_success"]).itertuples()]
    note = (f"Cost: {metric} ({'paired overhead against the reference tier' if cost == 'overhead_pct' else 'mean'})"
            f"; attack success: {front.attrs.get('combine', 'mean')} over campaigns. Lower is better on both.")
    return Table(f"Pareto frontier: {metric}", ["tier", "point", "cost", "attack success", "campaigns",
                                                 "on frontier"], rows, note)


def validation_rows(frame: pd.DataFrame) -> Table:
    rows = []
    for r in frame.to_dict("records"):
        metric = str(r.get("metric", ""))
        rows.append([str(r.get("label", metric)), str(r.get("kind", "")),
                     format_value(metric, float(r.get("predicted", math.nan))),
                     format_value(metric, float(r.get("published", math.nan))),
                     f"{float(r.get('error_pct', math.nan)):+.1f} %", str(r.get("within", "")),
                     str(r.get("source", ""))])
    return Table("Predicted against published",
                 ["figure", "kind", "predicted", "published", "error", "within", "source"], rows)


def summary_tables(summary: pd.DataFrame, reference_tier: str) -> list[Table]:
    """One table per sweep point: a row per metric, mean ± 95 % half-width per tier, paired overhead."""
    tables = []
    tiers = list(dict.fromkeys(summary["tier"]))
    for point, block in summary.groupby("point", sort=False):
        headers = ["metric"]
        for tier in tiers:
            headers.append(f"{tier} (reference)" if tier == reference_tier else tier)
            if tier != reference_tier:
                headers.append(f"{tier} overhead")
        rows = []
        by_key = {(r.tier, r.metric): r for r in block.itertuples()}
        for metric in dict.fromkeys(block["metric"]):
            row = [metric]
            for tier in tiers:
                r = by_key.get((tier, metric))
                row.append("–" if r is None else _mean_ci(metric, r.mean, r.ci_low, r.ci_high))
                if tier != reference_tier:
                    row.append("–" if r is None else _pct(r.overhead_pct))
            rows.append(row)
        title = f"Results · {point}" if point else "Results"
        tables.append(Table(title, headers, rows, "mean ± 95 % CI half-width over replications; overhead paired "
                                                  "against the reference tier under common random numbers"))
    return tables
