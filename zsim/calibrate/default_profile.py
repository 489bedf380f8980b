"""The default cost profile, ``zsim/catalog/costs-default.yaml``: the code defaults, each with its published row.

The code is the one truth: every cost field is declared with :func:`zsim.controls.base.cost_field`, which holds
its default and its source. The YAML file is that truth rendered as a profile an experiment can point at
(``costs: .../costs-default.yaml``) or copy and edit, with the source of every value beside it. Loading it
therefore changes nothing, and ``tests/calibrate/test_default_profile.py`` checks that it is current. After
adding or changing a cost field, regenerate it::

    python -m zsim.calibrate.default_profile          # rewrite the file
    python -m zsim.calibrate.default_profile --check  # exit 1 if it is stale
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from zsim.calibrate.profile import render_profile, write_atomic
from zsim.controls.base import cost_fields
from zsim.controls.registry import CONTROLS, control_names

PATH = Path(__file__).resolve().parents[1] / "catalog" / "costs-default.yaml"
HEADER = [
    "zsim default cost profile: every cost field of every control at its code default, with its source beside it",
    "(rows of ../shared/reference/published.md unless marked as an assumption). Generated from the code by",
    "`python -m zsim.calibrate.default_profile`; do not edit by hand (tests check it against the code).",
    "Use it as `costs: FILE` (it changes nothing), or copy it and edit values; `zsim calibrate` measures them.",
]


def default_value(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_defaults=True)
    return value


def default_sections() -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    sections: dict[str, dict[str, Any]] = {}
    comments: dict[str, str] = {}
    for name in control_names():
        params = CONTROLS[name].Params()
        fields = cost_fields(CONTROLS[name].Params)
        if not fields:
            continue
        sections[name] = {f: default_value(getattr(params, f)) for f in fields}
        comments.update({f"{name}.{f}": source for f, source in fields.items()})
    return sections, comments


def render_default() -> str:
    sections, comments = default_sections()
    return render_profile(sections, comments, header=HEADER, digits=None)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    text = render_default()
    if "--check" in args:
        current = PATH.read_text(encoding="utf-8") if PATH.exists() else ""
        if current != text:
            print(f"{PATH} is stale: run python -m zsim.calibrate.default_profile", file=sys.stderr)
            return 1
        print(f"{PATH}: current")
        return 0
    write_atomic(PATH, text)
    print(f"wrote {PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
