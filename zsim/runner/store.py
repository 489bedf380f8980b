"""The run folder: ``runs.parquet`` (tidy records), ``summary.csv`` and ``manifest.json``, written atomically.

Everything is first written into a hidden sibling folder, then renamed into place in one step, so a run folder
either holds a complete result or does not exist. An existing folder is never overwritten.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from zsim.errors import InputError
from zsim.runner.spec import RECORD_COLUMNS, RunResult

PACKAGES = ("zsim", "simpy", "numpy", "numba", "pandas", "pyarrow", "pydantic", "cryptography", "spiffe", "dask")

RECORD_SCHEMA = pa.schema(
    [
        ("experiment", pa.string()),
        ("tier", pa.string()),
        ("point", pa.string()),
        ("replication", pa.int32()),
        ("seed", pa.uint64()),
        ("metric", pa.string()),
        ("value", pa.float64()),
    ]
)


def records_frame(results: Sequence[RunResult]) -> pd.DataFrame:
    """Tidy records, one row per (run, metric), sorted so the order never depends on execution."""
    rows = [
        (r.spec.experiment, r.spec.tier, r.spec.point, r.spec.replication, r.seed, metric, value)
        for r in results
        for metric, value in r.metrics.items()
    ]
    frame = pd.DataFrame(rows, columns=list(RECORD_COLUMNS))
    return frame.sort_values(["tier", "point", "replication", "metric"], kind="stable").reset_index(drop=True)


def write_parquet(frame: pd.DataFrame, path: Path) -> None:
    table = pa.Table.from_pandas(frame, schema=RECORD_SCHEMA, preserve_index=False).replace_schema_metadata(None)
    pq.write_table(table, path, compression="zstd", write_statistics=True)


def package_versions() -> dict[str, str]:
    out = {}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out


def git_revision(start: Path) -> str | None:
    try:
        rev = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=start, capture_output=True, text=True, timeout=5, check=False
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=start, capture_output=True, text=True, timeout=5, check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if rev.returncode != 0:
        return None
    return rev.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")


def default_run_dir(results_root: Path, experiment: str) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    candidate = results_root / f"{experiment}-{stamp}"
    n = 1
    while candidate.exists():
        n += 1
        candidate = results_root / f"{experiment}-{stamp}-{n}"
    return candidate


def check_new_run_dir(run_dir: Path) -> None:
    if run_dir.exists():
        raise InputError("run folder already exists; zsim never overwrites a run (choose another --out)",
                         file=run_dir)


MANIFEST = "manifest.json"  # written last: a folder with a manifest holds a complete result


def _write_files(
    target: Path,
    records: pd.DataFrame,
    summary: pd.DataFrame,
    manifest: dict[str, Any],
    extra_files: dict[str, bytes] | None,
) -> list[str]:
    """Write every file of a run folder into ``target``; their names, the manifest last."""
    write_parquet(records, target / "runs.parquet")
    summary.to_csv(target / "summary.csv", index=False, float_format="%.9g")
    names = ["runs.parquet", "summary.csv"]
    for name, blob in (extra_files or {}).items():
        path = target / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(blob)
        names.append(name)
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return [*names, MANIFEST]


def write_run_folder(
    run_dir: Path,
    records: pd.DataFrame,
    summary: pd.DataFrame,
    manifest: dict[str, Any],
    extra_files: dict[str, bytes] | None = None,
) -> Path:
    """Write everything into a temporary sibling, then rename it to ``run_dir`` in one step."""
    check_new_run_dir(run_dir)
    run_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{run_dir.name}.", dir=run_dir.parent))
    try:
        _write_files(tmp, records, summary, manifest, extra_files)
        os.rename(tmp, run_dir)  # atomic on one filesystem; fails if run_dir appeared meanwhile
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return run_dir


def commit_run_files(
    run_dir: Path,
    records: pd.DataFrame,
    summary: pd.DataFrame,
    manifest: dict[str, Any],
    extra_files: dict[str, bytes] | None = None,
) -> Path:
    """Write the result files into an existing folder (a sweep's): each lands by ``os.replace``, the manifest
    last, so a reader that finds ``manifest.json`` finds every other file complete. Killed midway, a second call
    rewrites the same bytes."""
    tmp = Path(tempfile.mkdtemp(prefix=".commit.", dir=run_dir))
    try:
        for name in _write_files(tmp, records, summary, manifest, extra_files):
            target = run_dir / name
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp / name, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return run_dir


def machine_details() -> dict[str, Any]:
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
    }
