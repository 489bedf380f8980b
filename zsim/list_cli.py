"""``zsim list``: what the catalog holds (tiers, controls, cost defaults with their sources)."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from zsim.config.tiers import catalog
from zsim.controls.base import cost_fields
from zsim.controls.registry import CONTROLS, control_names

app = typer.Typer(help="List tiers, controls and costs.", no_args_is_help=True)
console = Console()


@app.command("tiers")
def list_tiers() -> None:
    """The tier catalog with what each tier switches on."""
    table = Table(title="tiers")
    table.add_column("tier")
    table.add_column("controls")
    table.add_column("why")
    for name, spec in catalog().items():
        controls = "; ".join(f"{c}: {v}" for c, v in spec.controls.items()) or "(none)"
        table.add_row(name, controls, spec.description)
    console.print(table)


@app.command("controls")
def list_controls() -> None:
    """Every registered control and its parameters."""
    table = Table(title="controls")
    table.add_column("control")
    table.add_column("what it does")
    table.add_column("parameters (defaults mean off)")
    for name in control_names():
        cls = CONTROLS[name]
        params = ", ".join(k for k in cls.Params.model_fields if k not in cost_fields(cls.Params))
        table.add_row(name, cls.summary, params)
    console.print(table)


@app.command("costs")
def list_costs() -> None:
    """Every cost parameter's default and the published source it comes from."""
    table = Table(title="default costs")
    table.add_column("control.cost")
    table.add_column("default", justify="right")
    table.add_column("source")
    for name in control_names():
        params = CONTROLS[name].Params()
        for field, source in cost_fields(CONTROLS[name].Params).items():
            value = getattr(params, field)
            shown = value.model_dump(exclude_defaults=True) if hasattr(value, "model_dump") else value
            table.add_row(f"{name}.{field}", str(shown), source)
    console.print(table)
