"""Per-run part files: how a sweep survives being killed.

Each finished run is written to ``RUN_DIR/parts/<key-hash>.parquet``: its tidy records (the run folder's record
schema) plus, in the file's schema metadata, the run's key, seed, warnings and wall time. The file is written
under a temporary name in the same folder and moved into place with ``os.replace``, so a part either exists
complete or not at all, whenever the process dies (SIGKILL included; durability across a power cut would also
need an fsync, which this does not pay). The name is a hash of the run's key, so writing a run twice replaces
one file with identical content: a run can never be counted twice.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from zsim.runner.spec import RunResult, RunSpec
from zsim.runner.store import RECORD_SCHEMA

PARTS_DIR = "parts"
_META_KEY = b"zsim.part"
_TMP_PREFIX = ".tmp-"


def key_hash(spec: RunSpec) -> str:
    """A file-name-safe digest of (tier, point, replication); point labels may hold any character."""
    blob = "\x1f".join((spec.tier, spec.point, str(spec.replication))).encode()
    return hashlib.sha256(blob).hexdigest()[:24]


def part_path(run_dir: Path, spec: RunSpec) -> Path:
    return run_dir / PARTS_DIR / f"{key_hash(spec)}.parquet"


def write_part(run_dir: Path, result: RunResult) -> Path:
    spec = result.spec
    names = list(result.metrics)
    n = len(names)
    table = pa.table(
        {
            "experiment": pa.array([spec.experiment] * n, pa.string()),
            "tier": pa.array([spec.tier] * n, pa.string()),
            "point": pa.array([spec.point] * n, pa.string()),
            "replication": pa.array([spec.replication] * n, pa.int32()),
            "seed": pa.array([result.seed] * n, pa.uint64()),
            "metric": pa.array(names, pa.string()),
            "value": pa.array([result.metrics[m] for m in names], pa.float64()),
        },
        schema=RECORD_SCHEMA,
    )
    meta = {"tier": spec.tier, "point": spec.point, "replication": spec.replication, "seed": str(result.seed),
            "warnings": list(result.warnings), "wall_s": result.wall_s}
    table = table.replace_schema_metadata({_META_KEY: json.dumps(meta).encode()})
    final = part_path(run_dir, spec)
    tmp = final.with_name(f"{_TMP_PREFIX}{final.stem}-{os.getpid()}.parquet")
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, final)
    return final


def remove_stale_temporaries(run_dir: Path) -> int:
    """Delete half-written parts left by a killed sweep (call only while holding the sweep's lock)."""
    removed = 0
    for tmp in (run_dir / PARTS_DIR).glob(f"{_TMP_PREFIX}*"):
        tmp.unlink(missing_ok=True)
        removed += 1
    return removed


def read_parts(run_dir: Path, specs: Iterable[RunSpec]) -> tuple[dict[RunSpec, RunResult], list[str]]:
    """The finished runs among ``specs``, and notes on files that were ignored."""
    expected = {key_hash(s): s for s in specs}
    done: dict[RunSpec, RunResult] = {}
    notes: list[str] = []
    folder = run_dir / PARTS_DIR
    for path in sorted(folder.glob("*.parquet")) if folder.is_dir() else []:
        if path.name.startswith(_TMP_PREFIX):
            continue
        spec = expected.get(path.stem)
        try:
            table = pq.read_table(path)
            meta = json.loads((table.schema.metadata or {})[_META_KEY])
        except (OSError, KeyError, ValueError, pa.ArrowException) as exc:
            notes.append(f"{path.name}: unreadable part ignored ({exc}); its run is recomputed")
            continue
        if spec is None or (meta["tier"], meta["point"], meta["replication"]) != (
            spec.tier, spec.point, spec.replication
        ):
            notes.append(f"{path.name}: part of no run in this sweep, ignored")
            continue
        cols = table.to_pydict()
        metrics = dict(zip(cols["metric"], cols["value"], strict=True))
        done[spec] = RunResult(spec, int(meta["seed"]), metrics, list(meta["warnings"]), float(meta["wall_s"]))
    return done, notes
