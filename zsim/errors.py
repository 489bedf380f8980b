"""One error type for bad input, rendered as ``FILE: path.to.field: message``.

Every loader (configs, manifests, run folders, certificates, cost profiles) raises :class:`InputError`;
the CLI turns it into one line on stderr and exit code 2, with no traceback and nothing written.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from pydantic import ValidationError

EXIT_BAD_INPUT = 2


class InputError(Exception):
    """Bad input: names the file and the field path that are wrong."""

    def __init__(self, message: str, *, file: str | Path | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.file = str(file) if file is not None else None
        self.field = field or None

    def with_file(self, file: str | Path) -> InputError:
        """The same error, attributed to ``file`` when it names none yet."""
        if self.file is None:
            self.file = str(file)
        return self

    def prefixed(self, prefix: str) -> InputError:
        """The same error with ``prefix`` prepended to its field path (for nested documents)."""
        self.field = f"{prefix}.{self.field}" if self.field else prefix
        return self

    def __str__(self) -> str:
        parts = [p for p in (self.file, self.field) if p]
        return ": ".join([*parts, self.message])


def field_path(loc: Sequence[str | int]) -> str:
    """``("tiers", 0, "controls", "mtls")`` → ``tiers[0].controls.mtls``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def from_validation_error(
    err: ValidationError, *, file: str | Path | None = None, prefix: Iterable[str | int] = ()
) -> InputError:
    """Turn a pydantic error into one :class:`InputError` naming every failing field."""
    lines = []
    first_field = None
    for item in err.errors(include_url=False):
        loc = [*prefix, *(p for p in item["loc"] if not _is_pydantic_tag(p))]
        path = field_path(loc)
        first_field = first_field or path
        msg = item["msg"]
        if item["type"] == "extra_forbidden":
            msg = "unknown key"
        elif msg.startswith("Value error, "):
            msg = msg.removeprefix("Value error, ")
        lines.append((path, msg))
    if len(lines) == 1:
        return InputError(lines[0][1], file=file, field=lines[0][0])
    detail = "; ".join(f"{p}: {m}" if p else m for p, m in lines)
    return InputError(f"{len(lines)} errors: {detail}", file=file, field=None)


def _is_pydantic_tag(part: str | int) -> bool:
    # pydantic inserts union member tags such as "function-after[...]" into locations.
    return isinstance(part, str) and ("[" in part and part.endswith("]") and "-" in part)
