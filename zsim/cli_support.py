"""Running a typer app with zsim's contract: bad input is one line on stderr and exit code 2, never a traceback."""

from __future__ import annotations

import sys

import typer

from zsim.errors import EXIT_BAD_INPUT, InputError


def run_typer(app: typer.Typer, argv: list[str] | None = None) -> int:
    """Run ``app`` on ``argv`` (default: the process arguments) and return its exit code."""
    try:
        code = app(args=argv, standalone_mode=False)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        print("aborted", file=sys.stderr)
        return 130
    except Exception as exc:
        # click usage errors (typer vendors its own click) carry a message and exit code 2
        show, exit_code = getattr(exc, "show", None), getattr(exc, "exit_code", None)
        if callable(show) and isinstance(exit_code, int):
            show()
            return exit_code
        raise
    return code if isinstance(code, int) else 0
