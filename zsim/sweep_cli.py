"""``zsim sweep``, ``zsim compare`` and ``zsim report``: thin commands over :mod:`zsim.runner.sweep` and
:mod:`zsim.analysis` (compare, report)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from zsim.analysis.tables import print_tables, tier_tables, validation_table
from zsim.run_cli import _LazyProgress, console, err_console


def sweep_command(
    experiment: Annotated[Path, typer.Argument(help="experiment YAML file (its sweep: section, if any)")],
    executor: Annotated[str | None, typer.Option("--executor", help="local (default) or dask")] = None,
    scheduler: Annotated[str | None, typer.Option("--scheduler", help="Dask scheduler, e.g. tcp://host:8786 "
                                                  "(implies --executor dask)")] = None,
    workers: Annotated[int | None, typer.Option("--workers", min=1, help="local processes, or LocalCluster "
                                                "workers with --executor dask")] = None,
    resume: Annotated[Path | None, typer.Option("--resume", help="finish an interrupted sweep in this folder")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="run folder to create (must not exist)")] = None,
    reps: Annotated[int | None, typer.Option("--reps", min=1, help="replications (overrides the file)")] = None,
    seed: Annotated[int | None, typer.Option("--seed", min=0, help="root seed (overrides the file)")] = None,
    batch_size: Annotated[int | None, typer.Option("--batch-size", min=1, help="runs per task")] = None,
    connect_timeout_s: Annotated[float, typer.Option("--connect-timeout", min=0.1,
                                                     help="seconds to reach the scheduler")] = 5.0,
    metrics: Annotated[list[str] | None, typer.Option("--metric", help="print tables of metrics matching "
                                                      "(glob)")] = None,
) -> None:
    """Run every (point × tier × replication), each run saved as it finishes; resumable after a kill."""
    from zsim import api

    exp = api.load(experiment, replications=reps, seed=seed)
    name = executor or ("dask" if scheduler else "local")
    progress = _LazyProgress(exp.config.name)
    try:
        result = api.sweep(exp, out=out, resume=resume, executor=name, scheduler=scheduler,  # type: ignore[arg-type]
                           workers=workers, batch_size=batch_size, connect_timeout_s=connect_timeout_s,
                           progress=progress)
    finally:
        progress.close()
    for warning in result.warnings:
        err_console.print(f"[yellow]warning:[/yellow] {warning}")
    if metrics:
        print_tables(console, tier_tables(result.summary, exp.reference_tier, metrics))
    if len(result.validation):
        console.print(validation_table(result.validation))
    info = result.manifest.get("sweep", {})
    detail = ("already finished, nothing computed" if result.already_finished else
              f"{info.get('runs_computed', 0)} computed, {info.get('runs_resumed', 0)} resumed, "
              f"executor {info.get('executor')}")
    console.print(f"results: {result.run_dir}  ({result.manifest['timings']['runs']} runs: {detail}; "
                  f"{result.manifest['timings']['wall_s']:.1f} s)")


def compare_command(
    run_a: Annotated[Path, typer.Argument(help="baseline run folder")],
    run_b: Annotated[Path, typer.Argument(help="candidate run folder")],
    fail_on: Annotated[list[str] | None, typer.Option(
        "--fail-on", help="'METRIC_GLOB>5%' or '<-0.01' (signed change B−A; clauses comma-separated or "
                          "repeated); exit 1 when one trips")] = None,
    show_all: Annotated[bool, typer.Option("--all", help="list every compared metric")] = False,
) -> None:
    """Compare summary means per tier, point and metric; gate CI on design regressions."""
    from zsim.analysis.compare import compare_runs, comparison_table, parse_clauses

    clauses = parse_clauses(fail_on or [])
    result = compare_runs(run_a, run_b, clauses)
    console.print(comparison_table(result, show_all=show_all))
    for line in result.messages():
        console.print(line)
    if result.tripped:
        raise typer.Exit(1)


def report_command(
    run_dir: Annotated[Path, typer.Argument(help="run folder (from zsim run or zsim sweep)")],
) -> None:
    """Write report.md and a self-contained report.html (plots embedded) into the run folder."""
    from zsim.analysis.report import write_report

    paths = write_report(run_dir)
    console.print("report: " + "  ".join(str(p) for p in paths))


def register_sweep_commands(app: typer.Typer) -> None:
    app.command("sweep")(sweep_command)
    app.command("compare")(compare_command)
    app.command("report")(report_command)
