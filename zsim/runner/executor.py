"""Run a list of RunSpecs serially or in local worker processes; results come back in spec order.

Workers receive the experiment's file path and rebuild it (configs are cheap to load and pickling a loaded
experiment would tie workers to the parent's objects). Order of completion never affects the results.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from functools import lru_cache
from pathlib import Path

from zsim.config.experiment import Experiment, load_experiment
from zsim.engine.run import simulate
from zsim.runner.spec import RunResult, RunSpec

ProgressFn = Callable[[RunResult], None]


@lru_cache(maxsize=4)
def _worker_experiment(path: str, replications: int, seed: int) -> Experiment:
    return load_experiment(Path(path), replications=replications, seed=seed)


def _run_in_worker(args: tuple[str, int, int, RunSpec]) -> RunResult:
    path, replications, seed, spec = args
    return simulate(_worker_experiment(path, replications, seed), spec)


def default_workers(n_runs: int) -> int:
    return max(1, min(os.cpu_count() or 1, n_runs))


def run_specs(
    experiment: Experiment,
    specs: Sequence[RunSpec],
    *,
    workers: int | None = None,
    progress: ProgressFn | None = None,
) -> list[RunResult]:
    workers = default_workers(len(specs)) if workers is None else workers
    results: list[RunResult] = []
    if workers <= 1 or len(specs) <= 1:
        for spec in specs:
            result = simulate(experiment, spec)
            results.append(result)
            if progress:
                progress(result)
        return results
    cfg = experiment.config
    args = [(str(experiment.path.resolve()), cfg.replications, cfg.seed, spec) for spec in specs]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for result in pool.map(_run_in_worker, args, chunksize=max(1, len(args) // (4 * workers))):
            results.append(result)
            if progress:
                progress(result)
    return results
