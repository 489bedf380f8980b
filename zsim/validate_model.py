"""``zsim validate-model``: every experiment under ``experiments/validation/``, predicted against published.

Each validation experiment cites published figures in its ``validation:`` rows (``kind: published``: a measured
figure from ``../shared/reference/published.md``; ``kind: analytic``: a closed form the simulation must reproduce).
This runs them all and gathers one table: predicted, published, error in %, the row's own tolerance, and the
project's target (published rows within 10 %, analytic rows within 2 %). The table goes to a CSV and, between
the markers ``<!-- validation:start -->`` and ``<!-- validation:end -->``, into ``docs/validation.md``: never typed
in, always regenerated (``tests/calibrate/test_validate_model.py`` checks the docs against a fresh run).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from zsim import api
from zsim.analysis.tables import format_value
from zsim.analysis.validation import VALIDATION_COLUMNS
from zsim.calibrate.markers import replace_section, section
from zsim.calibrate.profile import write_atomic
from zsim.errors import InputError

VALIDATION_DIR = Path("experiments/validation")
TARGET_PCT = {"published": 10.0, "analytic": 2.0}
COLUMNS = ["experiment", *VALIDATION_COLUMNS, "target_pct", "meets_target"]
START, END = "<!-- validation:start -->", "<!-- validation:end -->"


def experiment_files(directory: Path = VALIDATION_DIR) -> list[Path]:
    if not directory.is_dir():
        raise InputError("no such folder", file=directory)
    files = sorted(p for p in directory.iterdir() if p.suffix in (".yaml", ".yml"))
    if not files:
        raise InputError("no validation experiments (*.yaml) here", file=directory)
    return files


def run_validation(
    directory: Path = VALIDATION_DIR, *, workers: int | None = None,
    progress: Callable[[Path, pd.DataFrame], None] | None = None,
) -> pd.DataFrame:
    """One row per validation row of every experiment (file order), with the target and whether it is met."""
    frames = []
    for path in experiment_files(directory):
        out = api.run(api.load(path), write=False, workers=workers)
        frame = out.validation.copy()
        frame.insert(0, "experiment", path.stem)
        frames.append(frame)
        if progress:
            progress(path, frame)
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS[:-2])
    table["target_pct"] = [TARGET_PCT[k] for k in table["kind"]]
    table["meets_target"] = [bool(abs(e) <= t) if not math.isnan(e) else False
                             for e, t in zip(table["error_pct"], table["target_pct"], strict=True)]
    return table[COLUMNS]


def write_csv(table: pd.DataFrame, path: Path) -> None:
    write_atomic(path, table.to_csv(index=False, float_format="%.9g"))


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def to_markdown(table: pd.DataFrame) -> str:
    """The table as Markdown, with a one-line tally per kind."""
    lines = ["| experiment | figure | kind | predicted | published | error | target | meets target | source |",
             "|---|---|---|---:|---:|---:|---:|---|---|"]
    for _, r in table.iterrows():
        lines.append("| " + " | ".join(_cell(c) for c in (
            r["experiment"], r["label"], r["kind"], format_value(r["metric"], r["predicted"]),
            format_value(r["metric"], r["published"]), f"{r['error_pct']:+.1f} %", f"±{r['target_pct']:g} %",
            "yes" if r["meets_target"] else "**no**", r["source"],
        )) + " |")
    lines.append("")
    for kind, target in TARGET_PCT.items():
        rows = table[table["kind"] == kind]
        if len(rows):
            lines.append(f"* {kind} rows within ±{target:g} %: {int(rows['meets_target'].sum())} of {len(rows)}"
                         + _misses(rows))
        else:
            lines.append(f"* {kind} rows (target ±{target:g} %): none in these experiments")
    return "\n".join(lines) + "\n"


def _misses(rows: pd.DataFrame) -> str:
    missed = rows[~rows["meets_target"]]
    if not len(missed):
        return ""
    return " (not: " + "; ".join(f"{r['label']} {r['error_pct']:+.1f} %" for _, r in missed.iterrows()) + ")"


def docs_section(path: Path) -> str:
    """The generated table currently in a Markdown file."""
    return section(path.read_text(encoding="utf-8"), START, END)


def update_markdown(path: Path, table: pd.DataFrame) -> None:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", file=path) from None
    try:
        write_atomic(path, replace_section(text, to_markdown(table), START, END))
    except InputError as exc:
        raise exc.with_file(path) from None
