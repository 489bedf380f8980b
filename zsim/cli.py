"""The ``zsim`` command line: thin typer commands over the Python API.

Every command turns :class:`zsim.errors.InputError` into one line on stderr and exit code 2.
Sub-command groups live beside the code they drive (``zsim/<area>/cli.py``) and are added below.
"""

from __future__ import annotations

import sys

import typer

from zsim import list_cli
from zsim.artifacts import cli as artifacts_cli
from zsim.attacks import cli as attacks_cli
from zsim.audit import cli as audit_cli
from zsim.calibrate import cli as calibrate_cli
from zsim.cli_support import run_typer
from zsim.identity import cli as identity_cli
from zsim.run_cli import register_run_commands
from zsim.sweep_cli import register_sweep_commands

app = typer.Typer(
    name="zsim",
    help="Simulate and benchmark zero-trust controls on AI infrastructure.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# --- sub-command groups (one line each; keep this block sorted) -------------------------------------------
attacks_cli.register(app, list_cli.app)  # zsim attack, attack-matrix, attack-validate, list campaigns
app.add_typer(artifacts_cli.app, name="artifacts")
app.add_typer(audit_cli.app, name="audit")
app.command("calibrate")(calibrate_cli.calibrate_command)
app.add_typer(identity_cli.app, name="identity")
app.add_typer(list_cli.app, name="list")
app.command("validate-model")(calibrate_cli.validate_model_command)

register_run_commands(app)
register_sweep_commands(app)


def main() -> None:
    """Console entry point: bad input is one line on stderr and exit code 2, never a traceback."""
    sys.exit(run_typer(app))
