"""``zsim report RUN_DIR``: ``report.md`` (plots linked from ``plots/``) and a self-contained ``report.html``
(plots embedded as base64 PNG data URIs, tables as HTML, inline CSS, no scripts, nothing fetched).

The report reads only the run folder. Everything is rendered into a temporary folder inside it and moved into
place by ``os.replace`` (the HTML last), so a report is either the previous one or the new one, never a mix of
half-written files; the run's own results are never touched.
"""

from __future__ import annotations

import base64
import html
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from zsim.analysis import plots
from zsim.analysis.pareto import attack_metrics, cost_metrics, pareto_table
from zsim.analysis.report_tables import Table, manifest_table, pareto_rows, summary_tables, validation_rows
from zsim.attacks.drift_plot import drift_figure
from zsim.runner.runfolder import RunFolder, load_run_folder

CSS = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 72rem; padding: 0 1rem; color: #222; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; font-size: 0.85rem; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.5rem; text-align: right; }
th:first-child, td:first-child { text-align: left; }
thead th { background: #f3f3f3; }
figure { margin: 1rem 0 2rem; }
figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { font-size: 0.85rem; color: #555; }
code { background: #f6f6f6; padding: 0 0.2rem; }
"""


@dataclass
class Plot:
    name: str
    title: str
    figure: Figure


def _slug(metric: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", metric)


def sweep_metrics(summary: pd.DataFrame, limit: int = 6) -> list[str]:
    """Metrics worth a sweep plot: the campaigns' success rates (up to three), the usual cost metrics, then the
    other metrics whose means move most (relative range) across the sweep's points."""
    if summary["point"].nunique() < 2:
        return []
    chosen = [*attack_metrics(summary)[:3], *cost_metrics(summary)]
    others = summary[~summary["metric"].str.startswith("attack.") & ~summary["metric"].isin(chosen)]
    stats = others.groupby("metric")["mean"].agg(["min", "max"])
    scale = stats.abs().max(axis=1).replace(0, float("nan"))
    spread = ((stats["max"] - stats["min"]) / scale).dropna()
    movers = list(spread[spread > 1e-6].sort_values(ascending=False, kind="stable").index)
    return [*chosen, *movers][:limit]


def build_plots(summary: pd.DataFrame) -> list[Plot]:
    """Every plot the summary has data for, in report order."""
    candidates: list[tuple[str, str, Figure | None]] = [
        (f"pareto-{_slug(metric)}", f"Pareto frontier: {metric} overhead against attack success",
         plots.pareto_plot(summary, metric)) for metric in cost_metrics(summary)
    ]
    candidates += [
        ("attack-heatmap", "Attack success, campaign × tier", plots.attack_heatmap(summary)),
        ("survival", "Time to compromise", plots.survival_plot(summary)),
        ("latency-cdf", "Inference latency CDF per tier", plots.latency_cdf_plot(summary)),
        ("step-time", "Training step time per tier", plots.step_time_plot(summary)),
        ("drift", "Posture drift: attack success and open holes over time", drift_figure(summary)),
    ]
    for metric in sweep_metrics(summary):
        candidates.append((f"sweep-{_slug(metric)}", f"{metric} across the sweep", plots.sweep_plot(summary, metric)))
    return [Plot(name, title, fig) for name, title, fig in candidates if fig is not None]


def _tables(folder: RunFolder) -> list[Table]:
    tables = [manifest_table(folder.manifest)]
    for metric in cost_metrics(folder.summary):
        front = pareto_table(folder.summary, metric)
        if not front.empty:
            tables.append(pareto_rows(front))
    if folder.validation is not None and len(folder.validation):
        tables.append(validation_rows(folder.validation))
    tables.extend(summary_tables(folder.summary, folder.reference_tier))
    return tables


def render_markdown(folder: RunFolder, tables: list[Table], figures: list[Plot]) -> str:
    lines = [f"# {folder.name}: zsim report", "", f"Run folder `{folder.path.name}`.", ""]
    for table in tables:
        lines += [table.markdown(), ""]
    if figures:
        lines += ["## Plots", ""]
        for fig in figures:
            lines += [f"### {fig.title}", "", f"![{fig.title}](plots/{fig.name}.png)", "",
                      f"SVG: [plots/{fig.name}.svg](plots/{fig.name}.svg)", ""]
    return "\n".join(lines).rstrip() + "\n"


def render_html(folder: RunFolder, tables: list[Table], figures: list[Plot], png: dict[str, bytes]) -> str:
    title = html.escape(f"{folder.name}: zsim report")
    parts = ["<!DOCTYPE html>", "<html lang=\"en\"><head><meta charset=\"utf-8\">", f"<title>{title}</title>",
             f"<style>{CSS}</style></head><body>", f"<h1>{title}</h1>",
             f"<p>Run folder <code>{html.escape(folder.path.name)}</code>.</p>"]
    parts += [table.html() for table in tables]
    if figures:
        parts.append("<h2>Plots</h2>")
    for fig in figures:
        data = base64.b64encode(png[fig.name]).decode("ascii")
        caption = html.escape(fig.title)
        parts.append(f"<figure id=\"{fig.name}\"><img alt=\"{caption}\" src=\"data:image/png;base64,{data}\">"
                     f"<figcaption>{caption}</figcaption></figure>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def write_report(run_dir: Path) -> list[Path]:
    """Write ``report.md``, ``report.html`` and ``plots/`` into ``run_dir``; returns the two report paths."""
    run_dir = Path(run_dir)
    folder = load_run_folder(run_dir)
    figures = build_plots(folder.summary)
    tables = _tables(folder)
    tmp = Path(tempfile.mkdtemp(prefix=".report.", dir=run_dir))
    try:
        png: dict[str, bytes] = {}
        for fig in figures:
            written = plots.save_figure(fig.figure, tmp / "plots", fig.name)
            png[fig.name] = written[0].read_bytes()
        (tmp / "report.md").write_text(render_markdown(folder, tables, figures), encoding="utf-8")
        (tmp / "report.html").write_text(render_html(folder, tables, figures, png), encoding="utf-8")
        if figures:
            if (run_dir / "plots").exists():
                os.replace(run_dir / "plots", tmp / "old-plots")
            os.replace(tmp / "plots", run_dir / "plots")
        os.replace(tmp / "report.md", run_dir / "report.md")
        os.replace(tmp / "report.html", run_dir / "report.html")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return [run_dir / "report.md", run_dir / "report.html"]
