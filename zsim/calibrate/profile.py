"""Writing cost profiles as YAML: one section per control, a comment beside every value, ``meta`` at the end.

The loader (:func:`zsim.config.costs.load_cost_profile`) reads the sections and ignores ``meta``. Floats are
written the way YAML reads them back as floats (``5000000000.0``, ``4.0e-04``), rounded to ``digits``
significant figures (or exactly, with ``digits=None``).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from zsim.fsutil import write_text_atomic


def rounded(value: Any, digits: int | None) -> Any:
    """Floats (also inside a mapping) to ``digits`` significant figures; ``None`` keeps them as they are."""
    if digits is None:
        return value
    if isinstance(value, float):
        return float(f"{value:.{digits}g}")
    if isinstance(value, dict):
        return {k: rounded(v, digits) for k, v in value.items()}
    return value


def yaml_scalar(value: Any, digits: int | None = 4) -> str:
    """One value in YAML flow style (a mapping such as a latency distribution stays on one line); ``digits=None``
    keeps every digit, so that the value reads back exactly."""
    text = yaml.safe_dump(rounded(value, digits), default_flow_style=True, width=10_000, sort_keys=False)
    return text.strip().removesuffix("...").strip()


def render_profile(
    sections: Mapping[str, Mapping[str, Any]],
    comments: Mapping[str, str],
    *,
    header: list[str],
    meta: Mapping[str, Any] | None = None,
    digits: int | None = 4,
) -> str:
    """``comments`` is keyed ``control.field``; ``header`` lines become ``#`` comments at the top."""
    lines = [f"# {h}".rstrip() for h in header]
    for control in sorted(sections):
        lines.append(f"{control}:")
        for field, value in sections[control].items():
            comment = comments.get(f"{control}.{field}", "")
            entry = f"  {field}: {yaml_scalar(value, digits)}"
            lines.append(f"{entry}  # {comment}" if comment else entry)
    if meta:
        lines.append(yaml.safe_dump({"meta": dict(meta)}, sort_keys=False, width=110, allow_unicode=True).rstrip())
    return "\n".join(lines) + "\n"


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder: never a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, text)
