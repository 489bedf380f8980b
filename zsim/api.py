"""The Python API behind the CLI, for notebooks and scripts.

>>> from zsim import api
>>> exp = api.load("experiments/quickstart.yaml", replications=2)
>>> out = api.run(exp, write=False)
>>> out.summary.head()  # doctest: +SKIP

``sweep`` runs the same experiment with each run persisted as it finishes, resumable, on local processes or
Dask (:func:`zsim.runner.sweep.run_sweep`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from zsim.config.experiment import Experiment, load_experiment
from zsim.runner.executor import run_specs
from zsim.runner.expand import expand
from zsim.runner.outputs import RunOutput, build_output, write_output
from zsim.runner.spec import RunResult
from zsim.runner.store import check_new_run_dir, default_run_dir
from zsim.runner.sweep import run_sweep as sweep

__all__ = ["DEFAULT_RESULTS", "RunOutput", "load", "run", "sweep"]

DEFAULT_RESULTS = Path("results")


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
    output = build_output(experiment, results, started=started, wall_s=time.perf_counter() - t0)
    if write and run_dir is not None:
        write_output(run_dir, output)
    return output
