"""From finished runs to what a run folder holds: records, summary, validation and manifest.

``zsim run`` and ``zsim sweep`` both end here, so their folders have one format. Aggregation itself lives in
:mod:`zsim.analysis.summary`; this module only assembles.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from zsim.analysis.summary import summarise
from zsim.analysis.validation import compare
from zsim.config.experiment import Experiment
from zsim.runner.spec import RunResult
from zsim.runner.store import git_revision, machine_details, package_versions, records_frame, write_run_folder


@dataclass
class RunOutput:
    experiment: Experiment
    records: pd.DataFrame
    summary: pd.DataFrame
    validation: pd.DataFrame
    manifest: dict[str, Any]
    warnings: list[str] = field(default_factory=list)
    run_dir: Path | None = None
    already_finished: bool = False  # a resumed sweep that had finished: nothing was computed or written


def _json_safe(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def build_output(
    experiment: Experiment,
    results: Sequence[RunResult],
    *,
    started: datetime,
    wall_s: float,
    extra_manifest: dict[str, Any] | None = None,
) -> RunOutput:
    """Records sorted independently of execution order, the CRN summary, validation rows and the manifest."""
    records = records_frame(results)
    summary = summarise(records, experiment.reference_tier, [t.name for t in experiment.tiers],
                        [p.label for p in experiment.points])
    validation = compare(summary, experiment.config.validation, experiment.reference_tier)
    warnings = sorted({w for r in results for w in r.warnings})
    manifest: dict[str, Any] = {
        "experiment": experiment.config.name,
        "experiment_file": str(experiment.path),
        "config_hash": experiment.config_hash(),
        "root_seed": experiment.config.seed,
        "replications": experiment.config.replications,
        "reference_tier": experiment.reference_tier,
        "seeds": {str(r.spec.replication): str(r.seed) for r in sorted(results, key=lambda r: r.spec.replication)},
        "tiers": {t.name: {"description": t.description, "controls": t.controls.describe()}
                  for t in experiment.tiers},
        "packages": package_versions(),
        "git_revision": git_revision(experiment.base_dir),
        "machine": machine_details(),
        "timings": {"started_utc": started.isoformat(), "wall_s": round(wall_s, 3),
                    "runs": len(results), "run_wall_s_total": round(sum(r.wall_s for r in results), 3)},
        "warnings": warnings,
        "unstable": bool(any("unstable" in w for w in warnings)),
    }
    if experiment.config.sweep is not None:
        manifest["points"] = {p.label: _json_safe(p.values) for p in experiment.points}
    manifest.update(extra_manifest or {})
    return RunOutput(experiment, records, summary, validation, manifest, warnings)


def extra_files(output: RunOutput) -> dict[str, bytes]:
    """Files beside the three standard ones (``validation.csv`` when the experiment cites figures)."""
    if len(output.validation):
        return {"validation.csv": output.validation.to_csv(index=False, float_format="%.9g").encode()}
    return {}


def write_output(run_dir: Path, output: RunOutput) -> RunOutput:
    """Write a new run folder atomically (see :func:`zsim.runner.store.write_run_folder`)."""
    write_run_folder(run_dir, output.records, output.summary, output.manifest, extra_files(output))
    output.run_dir = run_dir
    return output
