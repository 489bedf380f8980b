"""``zsim calibrate`` and ``zsim validate-model``: thin commands over :mod:`zsim.calibrate` and
:mod:`zsim.validate_model`."""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from zsim.analysis.tables import format_value
from zsim.calibrate.budget import FULL, QUICK
from zsim.calibrate.groups import PUBLISHED, Group
from zsim.calibrate.profile import write_atomic
from zsim.calibrate.run import Calibration, run_calibration
from zsim.calibrate.stats import Row
from zsim.controls.registry import CONTROLS
from zsim.errors import InputError
from zsim.units import format_duration_s

_WIDTH = None if sys.stdout.isatty() else 160


def _fmt(row: Row, value: float | None) -> str:
    if value is None:
        return "–"
    if row.unit == "B/s":
        return f"{value / 1e9:.3g} GB/s"
    if row.unit == "1/s":
        return f"{value:,.0f} /s"
    return format_duration_s(value)


def rows_table(cal: Calibration) -> Table:
    table = Table(title=f"calibration ({cal.mode}, {cal.wall_s:.1f} s)", title_justify="left")
    for col in ("measurement", "median", "IQR", "p10 – p90", "n", "published", "ratio", "note"):
        table.add_column(col, justify="right" if col in ("median", "IQR", "n", "ratio") else "left")
    for row in cal.rows.values():
        text, ref = PUBLISHED.get(row.name, ("", None))
        ratio = f"{row.median / ref:.2f}" if row.measured and ref and row.median is not None else ""
        spread = f"{_fmt(row, row.p10)} – {_fmt(row, row.p90)}" if row.measured else ""
        table.add_row(row.name, _fmt(row, row.median), _fmt(row, row.iqr), spread, str(row.n or ""), text, ratio,
                      row.note)
    return table


def _value_text(value: object) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k} {format_duration_s(v)}" for k, v in value.items())
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def profile_table(cal: Calibration) -> Table:
    table = Table(title="cost profile: calibrated against default", title_justify="left")
    for col in ("control.field", "calibrated", "default", "× default"):
        table.add_column(col, justify="right" if col == "× default" else "left")
    for control, fields in cal.profile.items():
        defaults = CONTROLS[control].Params()
        for field, value in fields.items():
            default = getattr(defaults, field)
            default = default.model_dump(exclude_defaults=True) if hasattr(default, "model_dump") else default
            factor = ""
            if isinstance(value, float) and isinstance(default, float) and default > 0:
                factor = f"{value / default:.2f}"
            table.add_row(f"{control}.{field}", _value_text(value), _value_text(default), factor)
    for key in cal.not_calibrated:
        table.add_row(key, "[dim]default (not measured here)[/dim]", "", "")
    return table


def _write(path: Path, text: str) -> None:
    try:
        write_atomic(path, text)
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror or exc}", file=path) from None


def calibrate_command(
    quick: Annotated[bool, typer.Option("--quick", help="fewer repeats and smaller sizes (< 20 s)")] = False,
    out: Annotated[Path | None, typer.Option("--out", help="write the cost profile here (else to stdout)")] = None,
) -> None:
    """Measure the real operations behind the cost fields on this machine and write a cost profile."""
    if out is not None and out.is_dir():
        raise InputError("is a folder; --out names the profile file to write", file=out)
    err = Console(stderr=True, width=_WIDTH)
    shown = Console(width=_WIDTH, stderr=out is None)  # the YAML owns stdout when there is no --out

    def progress(group: Group, rows: list[Row]) -> None:
        notes = {r.note for r in rows if not r.measured}
        err.print(f"  {group.name}: " + ("; ".join(sorted(notes)) if notes else "ok"), highlight=False)

    err.print(f"calibrating ({'quick' if quick else 'full'}) ...")
    cal = run_calibration(QUICK if quick else FULL, mode="quick" if quick else "full", progress=progress)
    shown.print(rows_table(cal))
    shown.print(profile_table(cal))
    text = cal.to_yaml()
    if out is None:
        sys.stdout.write(text)
        return
    _write(out, text)
    shown.print(f"cost profile: {out}  (use it with `costs: {out}` in an experiment)")


def validate_model_command(
    directory: Annotated[Path, typer.Option("--dir", help="folder of validation experiments")] = Path(
        "experiments/validation"),
    out: Annotated[Path | None, typer.Option("--out", help="write the comparison as CSV")] = None,
    markdown: Annotated[Path | None, typer.Option(
        "--markdown", help="rewrite the marked table of this Markdown file (docs/validation.md)")] = None,
    workers: Annotated[int | None, typer.Option("--workers", min=1, help="local worker processes")] = None,
) -> None:
    """Run every validation experiment: predicted against published, error in %, target met or not."""
    from zsim.validate_model import TARGET_PCT, run_validation, update_markdown, write_csv

    console = Console(width=_WIDTH)
    err = Console(stderr=True, width=_WIDTH)
    table = run_validation(directory, workers=workers,
                           progress=lambda p, f: err.print(f"  {p.name}: {len(f)} rows", highlight=False))
    view = Table(title="predicted against published", title_justify="left")
    for col in ("experiment", "figure", "kind", "predicted", "published", "error", "target", "met"):
        view.add_column(col, justify="right" if col in ("predicted", "published", "error", "target") else "left")
    for _, r in table.iterrows():
        error = "–" if math.isnan(r["error_pct"]) else f"{r['error_pct']:+.1f} %"
        view.add_row(r["experiment"], r["label"], r["kind"], format_value(r["metric"], r["predicted"]),
                     format_value(r["metric"], r["published"]), error, f"±{r['target_pct']:g} %",
                     "[green]yes[/green]" if r["meets_target"] else "[red]no[/red]")
    console.print(view)
    for kind, target in TARGET_PCT.items():
        rows = table[table["kind"] == kind]
        if len(rows):
            console.print(f"{kind} rows within ±{target:g} %: {int(rows['meets_target'].sum())} of {len(rows)}")
    if out is not None:
        try:
            write_csv(table, out)
        except OSError as exc:
            raise InputError(f"cannot write: {exc.strerror or exc}", file=out) from None
        console.print(f"csv: {out}")
    if markdown is not None:
        update_markdown(markdown, table)
        console.print(f"markdown table: {markdown}")
