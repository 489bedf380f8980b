"""``zsim run`` and ``zsim validate``: thin commands over :mod:`zsim.api` and the config loaders."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from zsim import api
from zsim.analysis.tables import print_tables, tier_tables, validation_table
from zsim.validate import validate_file

console = Console(width=None if sys.stdout.isatty() else 160)
err_console = Console(stderr=True)


class _LazyProgress:
    """A progress bar that appears only once a run has taken longer than a second."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.t0 = time.perf_counter()
        self.bar: Progress | None = None
        self.task: int | None = None

    def __call__(self, _result: object, total: int) -> None:
        if self.bar is None and time.perf_counter() - self.t0 > 1.0:
            self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                TimeElapsedColumn(), console=err_console, transient=True)
            self.bar.start()
            self.task = self.bar.add_task(self.label, total=total)
            self._done = 0
        if self.bar is not None and self.task is not None:
            self.bar.advance(self.task)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def run_command(
    experiment: Annotated[Path, typer.Argument(help="experiment YAML file")],
    out: Annotated[Path | None, typer.Option("--out", help="run folder to create (must not exist)")] = None,
    reps: Annotated[int | None, typer.Option("--reps", min=1, help="replications (overrides the file)")] = None,
    seed: Annotated[int | None, typer.Option("--seed", min=0, help="root seed (overrides the file)")] = None,
    workers: Annotated[int | None, typer.Option("--workers", min=1, help="local worker processes")] = None,
    metrics: Annotated[list[str] | None, typer.Option("--metric", help="only show metrics matching (glob)")] = None,
) -> None:
    """Run an experiment: a table per tier (mean, 95 % CI, paired overhead) and a run folder."""
    exp = api.load(experiment, replications=reps, seed=seed)
    progress = _LazyProgress(f"{exp.config.name}")
    try:
        result = api.run(exp, out=out, workers=workers, progress=progress)
    finally:
        progress.close()
    for warning in result.warnings:
        err_console.print(f"[yellow]warning:[/yellow] {warning}")
    print_tables(console, tier_tables(result.summary, exp.reference_tier, metrics))
    if len(result.validation):
        console.print(validation_table(result.validation))
    console.print(f"results: {result.run_dir}  ({result.manifest['timings']['wall_s']:.1f} s, "
                  f"{result.manifest['timings']['runs']} runs)")


def validate_command(
    files: Annotated[list[Path], typer.Argument(help="experiment, topology, tier, cost or campaign files")],
) -> None:
    """Check files without running them; exit 2 on the first bad one."""
    for path in files:
        kind = validate_file(path)
        console.print(f"{path}: ok ({kind})")


def register_run_commands(app: typer.Typer) -> None:
    app.command("run")(run_command)
    app.command("validate")(validate_command)
