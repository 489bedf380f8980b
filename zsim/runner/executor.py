"""Executors run RunSpecs and hand back RunResults as they finish; the local one is here, Dask's beside it.

An executor's :meth:`~Executor.results` yields each result as soon as it exists, in completion order; callers
that need spec order (``zsim run``) sort, and the record store sorts anyway, so the order of completion never
affects what is written. Every executor runs :func:`zsim.engine.run.simulate` on the same pickled
:class:`~zsim.config.experiment.Experiment`, whose runs depend only on their RunSpec: results are identical
whichever executor, worker or batch ran them.

Runs go to workers in batches (consecutive specs, i.e. every tier of one replication together): a batch
amortises the per-task overhead and the batch size bounds what a killed sweep loses in flight.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Protocol

from zsim.config.experiment import Experiment
from zsim.engine.run import simulate
from zsim.runner.spec import RunResult, RunSpec

ProgressFn = Callable[[RunResult], None]


class Executor(Protocol):
    name: str

    @property
    def slots(self) -> int:
        """How many runs can execute at once."""
        ...

    def results(self, experiment: Experiment, specs: Sequence[RunSpec]) -> Iterator[RunResult]:
        """Run every spec; yield results as they finish."""
        ...

    def close(self) -> None: ...


def default_workers(n_runs: int) -> int:
    return max(1, min(os.cpu_count() or 1, n_runs))


def batch_size_for(n_runs: int, slots: int, tasks_per_slot: int, cap: int = 64) -> int:
    """Runs per task so that every slot gets about ``tasks_per_slot`` tasks (load balance) but no fewer runs
    than one per task and no more than ``cap`` (bounds the work lost in flight when a sweep is killed)."""
    return max(1, min(cap, math.ceil(n_runs / max(1, slots * tasks_per_slot))))


def batches(specs: Sequence[RunSpec], size: int) -> list[list[RunSpec]]:
    return [list(specs[i:i + size]) for i in range(0, len(specs), size)]


def run_batch(experiment: Experiment, specs: Sequence[RunSpec]) -> list[RunResult]:
    """What a worker task does: simulate each spec of one batch."""
    return [simulate(experiment, spec) for spec in specs]


_WORKER_EXPERIMENT: list[Experiment] = []  # set once per worker process by the pool's initializer


def _init_worker(experiment: Experiment) -> None:
    _WORKER_EXPERIMENT[:] = [experiment]


def _run_batch_in_worker(specs: list[RunSpec]) -> list[RunResult]:
    return run_batch(_WORKER_EXPERIMENT[0], specs)


class LocalExecutor:
    """Serial in this process (``workers=1``) or a pool of local worker processes."""

    name = "local"

    def __init__(self, workers: int | None = None, batch_size: int | None = None) -> None:
        self.workers = workers
        self.batch_size = batch_size

    @property
    def slots(self) -> int:
        return self.workers or default_workers(1 << 30)

    def results(self, experiment: Experiment, specs: Sequence[RunSpec]) -> Iterator[RunResult]:
        workers = default_workers(len(specs)) if self.workers is None else min(self.workers, len(specs))
        if workers <= 1 or len(specs) <= 1:
            for spec in specs:
                yield simulate(experiment, spec)
            return
        size = self.batch_size or batch_size_for(len(specs), workers, tasks_per_slot=16)
        with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=(experiment,)) as pool:
            pending: set[Future[list[RunResult]]] = {pool.submit(_run_batch_in_worker, b)
                                                     for b in batches(specs, size)}
            try:
                while pending:
                    finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for future in finished:
                        yield from future.result()
            finally:
                for future in pending:
                    future.cancel()

    def close(self) -> None:
        return None


def run_specs(
    experiment: Experiment,
    specs: Sequence[RunSpec],
    *,
    workers: int | None = None,
    progress: ProgressFn | None = None,
) -> list[RunResult]:
    """Every spec's result, in spec order (``zsim run``)."""
    by_spec: dict[RunSpec, RunResult] = {}
    for result in LocalExecutor(workers).results(experiment, specs):
        by_spec[result.spec] = result
        if progress:
            progress(result)
    return [by_spec[spec] for spec in specs]
