"""Reading run folders back (``zsim compare``, ``zsim report``, resuming a finished sweep).

A folder is a run when it holds ``manifest.json`` (written last), ``summary.csv`` and ``runs.parquet``. Every
problem is an :class:`~zsim.errors.InputError` naming the file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from zsim.analysis.summary import SUMMARY_COLUMNS
from zsim.errors import InputError
from zsim.runner.spec import RECORD_COLUMNS
from zsim.runner.store import MANIFEST

TEXT_COLUMNS = ("tier", "point", "metric")
SWEEP_FILE = "sweep.json"


@dataclass
class RunFolder:
    path: Path
    manifest: dict[str, Any]
    summary: pd.DataFrame
    records: pd.DataFrame | None = None
    validation: pd.DataFrame | None = None

    @property
    def reference_tier(self) -> str:
        ref = self.manifest.get("reference_tier")
        return str(ref) if ref else str(self.summary["tier"].iloc[0]) if len(self.summary) else ""

    @property
    def name(self) -> str:
        return str(self.manifest.get("experiment", self.path.name))


def read_summary_csv(path: Path) -> pd.DataFrame:
    """A summary CSV with empty point labels kept as "" (not NaN) and tier names such as ``none`` kept as text."""
    try:
        frame = pd.read_csv(path, dtype={c: str for c in TEXT_COLUMNS}, keep_default_na=False,
                            na_values={c: ["", "nan", "NaN"] for c in SUMMARY_COLUMNS if c not in TEXT_COLUMNS})
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise InputError(f"not a readable summary CSV ({exc})", file=path) from None
    missing = [c for c in SUMMARY_COLUMNS if c not in frame.columns]
    if missing:
        raise InputError(f"not a zsim summary: missing columns {', '.join(missing)}", file=path)
    for col in SUMMARY_COLUMNS:
        if col not in TEXT_COLUMNS and not pd.api.types.is_numeric_dtype(frame[col]):
            raise InputError(f"column {col!r} holds non-numbers", file=path)
    return frame


def read_records(path: Path) -> pd.DataFrame:
    try:
        frame = pq.read_table(path).to_pandas()
    except (OSError, pa.ArrowException) as exc:
        raise InputError(f"not a readable Parquet file ({exc})", file=path) from None
    if list(frame.columns) != list(RECORD_COLUMNS):
        raise InputError(f"not zsim records: columns {list(frame.columns)}", file=path)
    return frame


def load_run_folder(path: Path, *, records: bool = False) -> RunFolder:
    """Read a finished run folder; ``records=True`` also loads ``runs.parquet``."""
    path = Path(path)
    if not path.is_dir():
        raise InputError("no such run folder", file=path)
    manifest_path = path / MANIFEST
    if not manifest_path.is_file():
        if (path / SWEEP_FILE).is_file():
            raise InputError("an unfinished sweep (finish it with: zsim sweep EXPERIMENT --resume "
                             f"{path})", file=path)
        raise InputError("not a run folder (no manifest.json)", file=path)
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"not valid JSON ({exc})", file=manifest_path) from None
    if not isinstance(manifest, dict):
        raise InputError("a manifest must be a JSON object", file=manifest_path)
    summary_path = path / "summary.csv"
    if not summary_path.is_file():
        raise InputError("not a run folder (no summary.csv)", file=path)
    folder = RunFolder(path, manifest, read_summary_csv(summary_path))
    if records:
        runs = path / "runs.parquet"
        if not runs.is_file():
            raise InputError("not a run folder (no runs.parquet)", file=path)
        folder.records = read_records(runs)
    validation = path / "validation.csv"
    if validation.is_file():
        folder.validation = pd.read_csv(validation, keep_default_na=False, na_values={"predicted": [""]})
    return folder
