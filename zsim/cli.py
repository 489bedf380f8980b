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
from zsim.errors import EXIT_BAD_INPUT, InputError
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
    try:
        rc = app(standalone_mode=False)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(EXIT_BAD_INPUT)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        print("aborted", file=sys.stderr)
        sys.exit(130)
    except Exception as exc:
        # click usage errors (typer vendors its own click) carry a message and exit code 2
        show, exit_code = getattr(exc, "show", None), getattr(exc, "exit_code", None)
        if callable(show) and isinstance(exit_code, int):
            show()
            sys.exit(exit_code)
        raise
    sys.exit(rc if isinstance(rc, int) else 0)
