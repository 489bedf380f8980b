"""The Python API behind the CLI, for notebooks and scripts.

>>> from zsim import api
>>> exp = api.load("experiments/quickstart.yaml", replications=2)
>>> out = api.run(exp, write=False)
>>> out.summary.head()  # doctest: +SKIP
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from zsim.analysis.summary import summarise
from zsim.analysis.validation import compare
from zsim.config.experiment import Experiment, load_experiment
from zsim.runner.executor import run_specs
from zsim.runner.expand import expand
from zsim.runner.spec import RunResult
from zsim.runner.store import (
    check_new_run_dir,
    default_run_dir,
    git_revision,
    machine_details,
    package_versions,
    records_frame,
    write_run_folder,
)

DEFAULT_RESULTS = Path("results")


@dataclass
class RunOutput:
    experiment: Experiment
    records: pd.DataFrame
    summary: pd.DataFrame
    validation: pd.DataFrame
    manifest: dict[str, Any]
    warnings: list[str] = field(default_factory=list)
    run_dir: Path | None = None


def load(path: str | Path, *, replications: int | None = None, seed: int | None = None) -> Experiment:
    """Load and validate an experiment file (raises :class:`zsim.errors.InputError`)."""
    return load_experiment(path, replications=replications, seed=seed)


def run(
    experiment: Experiment | str | Path,
    *,
    out: Path | None = None,
    results_root: Path = DEFAULT_RESULTS,
    workers: int | None = None,
    write: bool = True,
    progress: Callable[[RunResult, int], None] | None = None,
) -> RunOutput:
    """Run every (tier, replication) of an experiment and summarise; write a run folder unless ``write=False``."""
    if not isinstance(experiment, Experiment):
        experiment = load(experiment)
    run_dir = None
    if write:
        run_dir = out if out is not None else default_run_dir(results_root, experiment.config.name)
        check_new_run_dir(run_dir)
    specs = expand(experiment)
    started = datetime.now(UTC)
    t0 = time.perf_counter()
    done = 0

    def tick(result: RunResult) -> None:
        nonlocal done
        done += 1
        if progress:
            progress(result, len(specs))

    results = run_specs(experiment, specs, workers=workers, progress=tick)
    wall_s = time.perf_counter() - t0
    records = records_frame(results)
    summary = summarise(records, experiment.reference_tier, [t.name for t in experiment.tiers])
    validation = compare(summary, experiment.config.validation, experiment.reference_tier)
    warnings = sorted({w for r in results for w in r.warnings})
    manifest = {
        "experiment": experiment.config.name,
        "experiment_file": str(experiment.path),
        "config_hash": experiment.config_hash(),
        "root_seed": experiment.config.seed,
        "replications": experiment.config.replications,
        "reference_tier": experiment.reference_tier,
        "seeds": {str(r.spec.replication): str(r.seed) for r in results},
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
    if write and run_dir is not None:
        extra = {}
        if len(validation):
            extra["validation.csv"] = validation.to_csv(index=False, float_format="%.9g").encode()
        write_run_folder(run_dir, records, summary, manifest, extra)
    return RunOutput(experiment, records, summary, validation, manifest, warnings, run_dir)
