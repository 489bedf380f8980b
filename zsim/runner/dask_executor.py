"""Run a sweep on Dask distributed: a ``LocalCluster`` on this machine, or any scheduler by address.

* **Connecting.** Before a ``Client`` exists, the scheduler is probed with one ``identity`` RPC bounded by
  ``connect_timeout_s``: an unreachable or non-Dask address becomes an :class:`~zsim.errors.InputError` (exit 2)
  before anything is written. (A ``Client`` that fails to connect would also stall the interpreter's exit while
  it closes itself.)
* **Batching.** A task round trip costs ~10 ms and a no-op task ~1.5 ms, so each task runs a batch of specs,
  sized as the sweep goes (:func:`next_batch_size`): single runs until a run's cost is known, then tasks of
  about 0.25 s, shrinking towards the end so the workers finish together. ``tasks_per_slot`` tasks per worker
  thread stay queued, so a worker never waits for a round trip.
* **Shipping the experiment.** The loaded experiment is scattered once to every worker; workers need the same
  zsim version but not the experiment's files (trace data referenced as ``builtin:`` ships with the package).
* **Persistence.** Results come back a batch at a time, and the sweep writes each run's part as its batch
  returns: a kill loses at most the batches in flight.
* **Waiting for workers.** A cluster with no workers yet (jobs still queued) is waited for, not an error.
* **Workers.** The LocalCluster starts one single-threaded process per worker, without the
  ``MALLOC_TRIM_THRESHOLD_=65536`` that Dask's nanny puts in its workers' environment by default: setting it
  switches off glibc's adaptive mmap threshold, so every large numpy array is mapped and faulted in afresh, and a
  fleet run took ~1.6x the CPU time it takes in a plain process. For a cluster of your own, set
  ``distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_: null`` in the workers' Dask config (see
  ``docs/sweeps.md``).
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections import deque
from collections.abc import Iterator, Sequence
from typing import Any

from zsim.config.experiment import Experiment
from zsim.errors import InputError
from zsim.runner.executor import default_workers, run_batch
from zsim.runner.spec import RunResult, RunSpec

DEFAULT_CONNECT_TIMEOUT_S = 5.0
# environment Dask's nanny would give worker processes that slows numpy-heavy runs (see the module docs)
NANNY_ENV_UNSET = {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}


TARGET_TASK_S = 0.25  # a task this long pays ~1.5 ms of Dask overhead: < 1 %
MAX_BATCH = 64  # bounds the work a killed sweep loses in flight


def next_batch_size(remaining: int, slots: int, mean_run_s: float | None,
                    target_task_s: float = TARGET_TASK_S, cap: int = MAX_BATCH) -> int:
    """Guided self-scheduling: one run per task until a run's cost is known; then enough runs for a task of
    ``target_task_s``, but never more than half a slot's fair share of what remains, so batches shrink towards the
    end and the workers finish together."""
    if mean_run_s is None:
        return 1
    by_overhead = math.ceil(target_task_s / max(mean_run_s, 1e-9))
    by_balance = math.ceil(remaining / (2 * max(slots, 1)))
    return max(1, min(cap, by_overhead, by_balance))


def local_cluster(workers: int | None = None) -> Any:
    """A ``distributed.LocalCluster`` fit for sweeps: single-threaded worker processes, quiet logs, no malloc
    trimming, and its HTTP endpoint on a free port (several clusters may run on one machine)."""
    import dask
    from distributed import LocalCluster

    with dask.config.set(NANNY_ENV_UNSET):
        return LocalCluster(n_workers=workers or default_workers(1 << 30), threads_per_worker=1, processes=True,
                            dashboard_address=":0", silence_logs=logging.ERROR)


async def _identity(address: str, timeout_s: float) -> dict[str, Any]:
    from distributed.core import rpc

    remote = rpc(address, timeout=timeout_s)
    try:
        return await asyncio.wait_for(remote.identity(), timeout_s)
    finally:
        await remote.close_rpc()


def probe_scheduler(address: str, timeout_s: float = DEFAULT_CONNECT_TIMEOUT_S) -> dict[str, Any]:
    """The scheduler's identity, or InputError naming the address when it cannot be reached in time."""
    try:
        info = asyncio.run(_identity(address, timeout_s))
    except ValueError as exc:
        raise InputError(f"bad scheduler address {address!r}: {exc}", field="--scheduler") from None
    except (OSError, TimeoutError) as exc:
        detail = str(exc) or f"no answer after {timeout_s:g} s"
        raise InputError(f"cannot reach the Dask scheduler at {address} ({detail})", field="--scheduler") from None
    except Exception as exc:  # a server that speaks something else (comm closed, bad frames)
        raise InputError(f"{address} did not answer as a Dask scheduler ({type(exc).__name__}: {exc})",
                         field="--scheduler") from None
    if not isinstance(info, dict) or info.get("type") != "Scheduler":
        raise InputError(f"{address} is not a Dask scheduler", field="--scheduler")
    return info


class DaskExecutor:
    """Dask distributed. ``scheduler=None`` starts a LocalCluster of ``workers`` processes (closed on close)."""

    name = "dask"

    def __init__(
        self,
        scheduler: str | None = None,
        workers: int | None = None,
        *,
        connect_timeout_s: float = DEFAULT_CONNECT_TIMEOUT_S,
        batch_size: int | None = None,
        tasks_per_slot: int = 2,
    ) -> None:
        from distributed import Client

        self.scheduler = scheduler
        self.workers = workers
        self.batch_size = batch_size
        self.tasks_per_slot = tasks_per_slot
        self._cluster: Any = None
        if scheduler is None:
            self._cluster = local_cluster(workers)
            address = self._cluster.scheduler_address
        else:
            probe_scheduler(scheduler, connect_timeout_s)
            address = scheduler
        try:
            self.client = Client(address, timeout=connect_timeout_s, set_as_default=False)
        except BaseException:
            self.close()
            raise

    @property
    def slots(self) -> int:
        workers = self.client.scheduler_info().get("workers", {})
        threads = sum(int(w.get("nthreads", 1)) for w in workers.values())
        return threads or self.workers or 1

    def results(self, experiment: Experiment, specs: Sequence[RunSpec]) -> Iterator[RunResult]:
        from distributed import as_completed

        if not specs:
            return
        self.client.wait_for_workers(1)  # a batch-queue cluster (dask-jobqueue) may still be starting them
        # replicated to every worker: losing one (a preempted job) does not lose the experiment
        shipped = self.client.scatter(experiment, hash=False, broadcast=True)
        pending = deque(specs)
        run_s: list[float] = []
        in_flight: set[Any] = set()

        def top_up(queue: Any) -> None:
            slots = self.slots
            while pending and len(in_flight) < self.tasks_per_slot * slots:
                mean = sum(run_s) / len(run_s) if run_s else None
                size = self.batch_size or next_batch_size(len(pending), slots, mean)
                batch = [pending.popleft() for _ in range(min(size, len(pending)))]
                future = self.client.submit(run_batch, shipped, batch, pure=False)
                in_flight.add(future)
                queue.add(future)

        queue = as_completed([], loop=self.client.loop)
        top_up(queue)
        try:
            for future in queue:
                in_flight.discard(future)
                results = future.result()
                future.release()
                run_s.extend(r.wall_s for r in results)
                top_up(queue)
                yield from results
        finally:
            self.client.cancel([f for f in in_flight if not f.done()])
            shipped.release()

    def close(self) -> None:
        client = getattr(self, "client", None)
        if client is not None:
            client.close()
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None
