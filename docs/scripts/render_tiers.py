"""Write docs/tiers.md from the tier catalog (zsim/catalog/tiers.yaml), so the page cannot drift from it.

Run: ``.venv/bin/python docs/scripts/render_tiers.py``; ``tests/test_tiers.py`` checks the page is current.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from zsim.config.tiers import catalog, resolve_tier

PAGE = Path(__file__).resolve().parents[1] / "tiers.md"


def _settings(values: dict) -> str:
    return ", ".join(f"`{k}: {json.dumps(v)}`" for k, v in values.items())


def render() -> str:
    lines = [
        "# The tier catalog",
        "",
        "Generated from `zsim/catalog/tiers.yaml` by `docs/scripts/render_tiers.py` (a test keeps it current).",
        "Controls a tier does not name keep their defaults, which mean *off*; costs come from the cost profile.",
        "`zsim list tiers` prints the same catalog; an experiment can extend any tier or override any parameter.",
        "",
    ]
    for name, spec in catalog().items():
        lines += [f"## `{name}`", "", " ".join(spec.description.split()), ""]
        if spec.extends:
            lines += [f"Extends `{spec.extends}`.", ""]
        controls = resolve_tier(spec).describe()
        zones = controls.pop("by_sensitivity", {})
        if controls:
            lines += ["| control | settings |", "|---|---|"]
            lines += [f"| `{c}` | {_settings(v) or '(on, defaults)'} |" for c, v in controls.items()]
            lines.append("")
        else:
            lines += ["No control is on.", ""]
        for level, zone in zones.items():
            lines += [f"Workloads and components of sensitivity **{level}** get:", "",
                      "| control | settings |", "|---|---|"]
            lines += [f"| `{c}` | {_settings(v) or '(on, defaults)'} |" for c, v in zone.items()]
            lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    PAGE.write_text(render())
    sys.stdout.write(f"wrote {PAGE}\n")
