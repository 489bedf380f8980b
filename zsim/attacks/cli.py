"""``zsim attack``, ``zsim attack-matrix``, ``zsim attack-validate`` and ``zsim list campaigns``: thin commands over
:mod:`zsim.attacks.runner`, :mod:`zsim.attacks.report` and :mod:`zsim.attacks.validate`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.console import Console
from rich.table import Table

from zsim.attacks import report
from zsim.attacks.loader import get_campaign, library
from zsim.attacks.runner import ablation, attack_matrix, load_platform, resolve_tier, run_campaign
from zsim.errors import InputError
from zsim.rng import SeedTree
from zsim.units import format_duration_s

console = Console(width=None if sys.stdout.isatty() else 160)
Format = Literal["table", "json"]

TopologyOpt = Annotated[Path, typer.Option("--topology", "-t", help="topology file with a 'platform' section")]
TrialsOpt = Annotated[int, typer.Option("--trials", "-n", min=1, help="Monte Carlo trials per tier")]
SeedOpt = Annotated[int, typer.Option("--seed", min=0, help="root seed (same seeds for every tier)")]
FormatOpt = Annotated[str, typer.Option("--format", help="table or json")]


def _format(value: str) -> Format:
    if value not in ("table", "json"):
        raise InputError(f"unknown format {value!r} (table, json)", field="--format")
    return value  # type: ignore[return-value]


def attack_command(
    campaign: Annotated[str, typer.Argument(help="campaign id from the library, or a campaign YAML file")],
    topology: TopologyOpt,
    tier: Annotated[str, typer.Option("--tier", help="tier name from the catalog, or a tier/posture file")] = "none",
    trials: TrialsOpt = 10_000,
    seed: SeedOpt = 0,
    fmt: FormatOpt = "table",
    engine: Annotated[str, typer.Option("--engine", help="fast (vectorised) or simpy (reference)")] = "fast",
    survival: Annotated[bool, typer.Option("--survival", help="include the survival curve in JSON")] = False,
) -> None:
    """Run one attack campaign against a platform under one tier: success rate with a Wilson 95 % interval,
    time to compromise, blast radius, detection."""
    out = _format(fmt)
    if engine not in ("fast", "simpy"):
        raise InputError(f"unknown engine {engine!r} (fast, simpy)", field="--engine")
    platform = load_platform(topology)
    controls = resolve_tier(tier)
    result = run_campaign(get_campaign(campaign), platform, controls, SeedTree(seed).replication(0), trials,
                          engine=engine)  # type: ignore[arg-type]
    if out == "json":
        data = result.to_dict()
        if not survival:
            data.pop("survival", None)
        print(json.dumps(data, indent=2))
        return
    m = result.metrics
    table = Table(title=f"{result.campaign} under {result.tier} ({int(m['trials'])} trials, seed {seed})")
    table.add_column("metric")
    table.add_column("value", justify="right")
    table.add_row("success rate", f"{m['success_rate']:.4f}  [{m['ci_low']:.4f}, {m['ci_high']:.4f}] (95 %)")
    for key, label in (("ttc_median_s", "time to compromise, median"), ("ttc_p90_s", "time to compromise, p90"),
                       ("ttd_median_s", "time to detection, median")):
        table.add_row(label, "—" if m[key] != m[key] else format_duration_s(m[key]))
    table.add_row("blast radius, components (mean)", f"{m['blast_radius_mean']:.2f}")
    table.add_row("blast radius, bytes (mean)", f"{m['blast_bytes_mean']:.4g}")
    table.add_row("detected", f"{m['detected_rate']:.4f}")
    console.print(table)


def matrix_command(
    topology: TopologyOpt,
    tiers: Annotated[list[str] | None, typer.Option("--tier", help="tiers to compare (repeat)")] = None,
    campaigns: Annotated[list[str] | None, typer.Option("--campaign", help="campaigns (repeat; default all)")] = None,
    trials: TrialsOpt = 10_000,
    seed: SeedOpt = 0,
    fmt: FormatOpt = "table",
    metric: Annotated[str, typer.Option("--metric", help="metric shown in the table and heatmap")] = "success_rate",
    out: Annotated[Path | None, typer.Option("--out", help="write <out>.png and <out>.svg heatmaps")] = None,
    ablate: Annotated[bool, typer.Option("--ablate", help="also show what each control buys within each tier")]
    = False,
) -> None:
    """The attack × tier matrix: every campaign under every tier on common random numbers."""
    kind = _format(fmt)
    platform = load_platform(topology)
    sets = {t: resolve_tier(t) for t in (tiers or ["none", "baseline", "strict"])}
    for cid in campaigns or []:
        get_campaign(cid)
    results = attack_matrix(platform, {c.tier: c for c in sets.values()}, campaigns=campaigns, trials=trials,
                            seed=seed)
    if results and metric not in next(iter(results.values())).metrics:
        raise InputError(f"unknown metric {metric!r}", field="--metric")
    if out is not None:
        for path in report.heatmap(results, out, metric):
            print(f"wrote {path}", file=sys.stderr)
    if kind == "json":
        print(json.dumps([r.to_dict() for r in results.values()], indent=2))
    else:
        print(report.matrix_table(results, metric))
    if ablate and kind == "table":
        for controls in sets.values():
            if any(True for _ in controls.active()):
                deltas = ablation(platform, controls, campaigns=campaigns, trials=trials, seed=seed)
                print(f"\nsuccess-rate rise when one control of {controls.tier!r} is switched off:")
                print(report.ablation_table(deltas))


def validate_command(
    campaign: Annotated[Path, typer.Argument(help="campaign YAML file")],
    topology: Annotated[Path | None, typer.Option("--topology", "-t", help="also check against a platform")] = None,
) -> None:
    """Check a campaign file: schema, dangling references, cycles, unreachable goals (and, given a topology,
    whether the goal can be reached on that platform)."""
    from zsim.attacks.validate import validate_file

    problems = validate_file(campaign, topology)
    for p in problems:
        print(f"{campaign}: {p}", file=sys.stderr if p.severity == "error" else sys.stdout)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise InputError(f"{len(errors)} error(s)", file=campaign)
    print(f"{campaign}: ok ({len(problems)} warning(s))")


def list_campaigns() -> None:
    """The campaign library: ids, techniques, entry and goal."""
    table = Table(title="campaigns")
    table.add_column("id")
    table.add_column("techniques")
    table.add_column("title")
    for cid, c in library().items():
        table.add_row(cid, ", ".join(c.techniques), c.title)
    console.print(table)


def register(app: typer.Typer, list_app: typer.Typer) -> None:
    """Add the attack commands to the main app and ``campaigns`` to ``zsim list``."""
    app.command("attack")(attack_command)
    app.command("attack-matrix")(matrix_command)
    app.command("attack-validate")(validate_command)
    list_app.command("campaigns")(list_campaigns)
