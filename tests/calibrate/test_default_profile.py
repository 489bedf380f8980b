"""zsim/catalog/costs-default.yaml: current with the code, loads as a cost profile, equals the code defaults (so
using it changes nothing), and names every cost field of every control with its source beside it."""

from __future__ import annotations

import re

import pytest
import yaml

from tests.conftest import SHARED
from zsim.calibrate import default_profile
from zsim.config.costs import load_cost_profile
from zsim.controls.base import cost_fields
from zsim.controls.registry import CONTROLS, build_params, control_names

PATH = default_profile.PATH
LINE = re.compile(r"^  (\w+): (.+?)  # (.+)$")


def test_file_is_current() -> None:
    assert PATH.read_text(encoding="utf-8") == default_profile.render_default(), (
        "stale: run python -m zsim.calibrate.default_profile")
    assert default_profile.main(["--check"]) == 0


def test_loads_and_equals_the_code_defaults() -> None:
    profile = load_cost_profile(PATH)
    for name in control_names():
        fields = cost_fields(CONTROLS[name].Params)
        if not fields:
            continue
        assert set(profile[name]) == set(fields), name
        assert build_params(name, profile[name]) == CONTROLS[name].Params(), name


def test_every_cost_field_has_its_source_beside_it() -> None:
    text = PATH.read_text(encoding="utf-8")
    control = None
    seen = {}
    for line in text.splitlines():
        if re.match(r"^\w+:$", line):
            control = line[:-1]
        elif line.startswith("  "):
            m = LINE.match(line)
            assert m, f"no source comment: {line!r}"
            seen[f"{control}.{m.group(1)}"] = m.group(3)
    for name in control_names():
        for field, source in cost_fields(CONTROLS[name].Params).items():
            assert seen.get(f"{name}.{field}") == source, f"{name}.{field}"
            assert source.strip(), f"{name}.{field} has no source"
    assert yaml.safe_load(text).keys() == {n for n in control_names() if cost_fields(CONTROLS[n].Params)}


def _published_sources() -> list[str]:
    """The source column of every table in published.md (the part before any comma)."""
    path = SHARED / "reference" / "published.md"
    if not path.is_file():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and not set(cells[-1]) <= set("-: "):
            out += [part.strip().lower() for part in re.split(r"[,;]", cells[-1]) if len(part.strip()) > 4]
    return out


def test_every_source_cites_published_md_or_says_assumption() -> None:
    cited = _published_sources()
    for name in control_names():
        for field, source in cost_fields(CONTROLS[name].Params).items():
            s = source.lower()
            ok = "published.md" in s or s.startswith("assumption") or any(c in s for c in cited)
            assert ok, f"{name}.{field}: source {source!r} cites neither published.md nor a source it lists"


@pytest.mark.parametrize("name", ["authz", "mtls"])
def test_latency_distributions_round_trip_exactly(name: str) -> None:
    profile = load_cost_profile(PATH)
    params = build_params(name, profile[name])
    for field in cost_fields(CONTROLS[name].Params):
        assert getattr(params, field) == getattr(CONTROLS[name].Params(), field)
