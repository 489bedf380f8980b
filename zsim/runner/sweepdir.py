"""A sweep's folder while it runs: ``sweep.json`` says which experiment it belongs to, ``parts/`` holds the
finished runs, and an advisory lock (``.lock``, ``flock``) keeps two sweeps from writing it at once. The kernel
drops the lock when its holder dies, SIGKILL included.

``sweep.json`` identifies the experiment by its config hash (:meth:`Experiment.config_hash`, which covers the
resolved tiers of every point, the topology, the seed and the replication count), so resuming with a changed
experiment is refused before anything is written.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import tempfile
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import IO, Any

from zsim.config.experiment import Experiment
from zsim.errors import InputError
from zsim.runner.parts import PARTS_DIR
from zsim.runner.runfolder import SWEEP_FILE
from zsim.runner.store import MANIFEST, check_new_run_dir

FORMAT = 1
LOCK_FILE = ".lock"


def identity(experiment: Experiment, n_runs: int) -> dict[str, Any]:
    try:
        version = metadata.version("zsim")
    except metadata.PackageNotFoundError:
        version = "unknown"
    return {
        "kind": "zsim-sweep",
        "format": FORMAT,
        "experiment": experiment.config.name,
        "experiment_file": str(experiment.path),
        "config_hash": experiment.config_hash(),
        "runs": n_runs,
        "created_utc": datetime.now(UTC).isoformat(),
        "zsim_version": version,
    }


def create_sweep_dir(run_dir: Path, ident: dict[str, Any]) -> Path:
    """Create ``run_dir`` with its ``sweep.json`` and empty ``parts/`` in one rename: it never exists half-made."""
    check_new_run_dir(run_dir)
    run_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{run_dir.name}.", dir=run_dir.parent))
    try:
        (tmp / PARTS_DIR).mkdir()
        (tmp / SWEEP_FILE).write_text(json.dumps(ident, indent=2, sort_keys=True) + "\n")
        (tmp / LOCK_FILE).touch()
        os.rename(tmp, run_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return run_dir


def check_resumable(run_dir: Path, experiment: Experiment) -> bool:
    """Check that ``run_dir`` is a sweep of this very experiment; True when it has already finished.
    Reads only: a refusal leaves the folder exactly as it was."""
    if not run_dir.is_dir():
        raise InputError("no such sweep folder to resume", file=run_dir)
    ident_path = run_dir / SWEEP_FILE
    if not ident_path.is_file():
        what = "a zsim run folder, not a sweep" if (run_dir / MANIFEST).is_file() else "not a sweep folder"
        raise InputError(f"{what} (no {SWEEP_FILE}); nothing to resume", file=run_dir)
    try:
        ident = json.loads(ident_path.read_text(encoding="utf-8"))
        theirs, name = str(ident["config_hash"]), str(ident["experiment"])
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise InputError(f"unreadable sweep identity ({type(exc).__name__}: {exc})", file=ident_path) from None
    ours = experiment.config_hash()
    if theirs != ours:
        raise InputError(
            f"this folder belongs to experiment {name!r} (config {theirs[:12]}), not to "
            f"{experiment.config.name!r} as loaded now (config {ours[:12]}); resume with the same experiment "
            "file, replications and seed, or start a new sweep with --out",
            file=ident_path,
        )
    return (run_dir / MANIFEST).is_file()


def read_identity(run_dir: Path) -> dict[str, Any]:
    return dict(json.loads((run_dir / SWEEP_FILE).read_text(encoding="utf-8")))


class SweepLock:
    """Exclusive, non-blocking ``flock`` on ``RUN_DIR/.lock`` for as long as the sweep writes the folder."""

    def __init__(self, run_dir: Path) -> None:
        self.path = run_dir / LOCK_FILE
        self._handle: IO[str] | None = None

    def __enter__(self) -> SweepLock:
        handle = open(self.path, "a")  # noqa: SIM115 (held open for the lock's lifetime)
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise InputError("another zsim sweep is writing this folder", file=self.path.parent) from None
        self._handle = handle
        return self

    def __exit__(self, *exc: object) -> None:
        if self._handle is not None:
            fcntl.flock(self._handle.fileno(), fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None
