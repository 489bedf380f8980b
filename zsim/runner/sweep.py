"""Sweeps that survive being killed: every (point × tier × replication), each run persisted as it finishes.

Lifecycle of ``RUN_DIR``:

1. **Checks, no writes.** The experiment loads; ``--out`` must not exist, or ``--resume`` must name a sweep of
   the same experiment (same config hash); the executor connects (an unreachable scheduler fails here).
2. **Created in one rename** with ``sweep.json`` and an empty ``parts/``.
3. **Runs.** Under an exclusive lock, every finished run lands in ``parts/`` atomically
   (:mod:`zsim.runner.parts`). Resuming reads the parts, skips their runs and computes only the rest.
4. **Consolidation.** All results, sorted by key, become ``runs.parquet``, ``summary.csv``, ``manifest.json``
   (the same builders as ``zsim run``, so the same bytes for the same runs); each file lands by
   ``os.replace``, the manifest last, then ``parts/`` is removed. A folder with a manifest is finished;
   resuming it computes and writes nothing.

A kill at any instant leaves a folder that step 3 or 4 completes without recomputing a finished run or counting
one twice.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from zsim.config.experiment import Experiment, load_experiment
from zsim.errors import InputError
from zsim.runner.executor import Executor, LocalExecutor
from zsim.runner.expand import expand
from zsim.runner.outputs import RunOutput, build_output, extra_files
from zsim.runner.parts import PARTS_DIR, read_parts, remove_stale_temporaries, write_part
from zsim.runner.runfolder import load_run_folder
from zsim.runner.spec import RunResult, RunSpec
from zsim.runner.store import commit_run_files, default_run_dir
from zsim.runner.sweepdir import SweepLock, check_resumable, create_sweep_dir, identity, read_identity

ExecutorName = Literal["local", "dask"]
Progress = Callable[[RunResult, int], None]


def make_executor(
    name: str,
    *,
    scheduler: str | None = None,
    workers: int | None = None,
    batch_size: int | None = None,
    connect_timeout_s: float = 5.0,
) -> Executor:
    """An executor by name; connecting happens here, so an unreachable scheduler fails before any write."""
    if name == "local":
        if scheduler is not None:
            raise InputError("--scheduler needs --executor dask", field="--scheduler")
        return LocalExecutor(workers, batch_size)
    if name == "dask":
        from zsim.runner.dask_executor import DaskExecutor

        return DaskExecutor(scheduler, workers, connect_timeout_s=connect_timeout_s, batch_size=batch_size)
    raise InputError(f"unknown executor {name!r} (choose local or dask)", field="--executor")


def _finished(experiment: Experiment, run_dir: Path) -> RunOutput:
    folder = load_run_folder(run_dir, records=True)
    assert folder.records is not None
    import pandas as pd

    validation = folder.validation if folder.validation is not None else pd.DataFrame()
    warnings = [str(w) for w in folder.manifest.get("warnings", [])]
    return RunOutput(experiment, folder.records, folder.summary, validation, folder.manifest, warnings, run_dir,
                     already_finished=True)


def run_sweep(
    experiment: Experiment | str | Path,
    *,
    out: Path | None = None,
    resume: Path | None = None,
    results_root: Path = Path("results"),
    executor: ExecutorName | Executor = "local",
    scheduler: str | None = None,
    workers: int | None = None,
    batch_size: int | None = None,
    connect_timeout_s: float = 5.0,
    progress: Progress | None = None,
) -> RunOutput:
    """Run (or finish) a sweep into a run folder and return its output.

    ``executor`` is a name (the executor is made here, and closed at the end) or an executor object that the
    caller owns, e.g. a :class:`~zsim.runner.dask_executor.DaskExecutor` on a cluster already running.
    """
    if not isinstance(experiment, Experiment):
        experiment = load_experiment(experiment)
    specs = expand(experiment)
    if resume is not None:
        if out is not None and Path(out).resolve() != Path(resume).resolve():
            raise InputError("give --out or --resume, not both", field="--resume")
        run_dir = Path(resume)
        if check_resumable(run_dir, experiment):
            return _finished(experiment, run_dir)
    else:
        run_dir = Path(out) if out is not None else default_run_dir(results_root, experiment.config.name)
        if run_dir.exists():
            hint = " (to finish an interrupted sweep: --resume)" if (run_dir / "sweep.json").exists() else ""
            raise InputError(f"run folder already exists; zsim never overwrites a run{hint}", file=run_dir)
    owned = isinstance(executor, str)
    exe = make_executor(executor, scheduler=scheduler, workers=workers, batch_size=batch_size,
                        connect_timeout_s=connect_timeout_s) if isinstance(executor, str) else executor
    try:
        if resume is None:
            create_sweep_dir(run_dir, identity(experiment, len(specs)))
        with SweepLock(run_dir):
            return _run_locked(experiment, specs, run_dir, exe, progress)
    finally:
        if owned:
            exe.close()


def _run_locked(experiment: Experiment, specs: list[RunSpec], run_dir: Path, exe: Executor,
                progress: Progress | None) -> RunOutput:
    remove_stale_temporaries(run_dir)
    (run_dir / PARTS_DIR).mkdir(exist_ok=True)
    done, notes = read_parts(run_dir, specs)
    resumed = len(done)
    todo = [s for s in specs if s not in done]
    started = datetime.now(UTC)
    t0 = time.perf_counter()
    for result in exe.results(experiment, todo):
        write_part(run_dir, result)
        done[result.spec] = result
        if progress:
            progress(result, len(todo))
    missing = [s for s in specs if s not in done]
    if missing:  # an executor that returned fewer results than asked is a bug, never a silent gap
        raise RuntimeError(f"executor {exe.name} returned no result for {len(missing)} runs, e.g. {missing[0]}")
    sweep_info = {
        "executor": exe.name, "slots": exe.slots, "runs_resumed": resumed, "runs_computed": len(todo),
        "created_utc": read_identity(run_dir).get("created_utc"), "notes": notes,
    }
    output = build_output(experiment, [done[s] for s in specs], started=started,
                          wall_s=time.perf_counter() - t0, extra_manifest={"sweep": sweep_info})
    commit_run_files(run_dir, output.records, output.summary, output.manifest, extra_files(output))
    shutil.rmtree(run_dir / PARTS_DIR, ignore_errors=True)
    output.run_dir = run_dir
    return output
