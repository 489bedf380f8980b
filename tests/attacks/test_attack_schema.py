"""Campaign schema, loader and graph checks; distributions; the platform model and generator."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from tests.attacks.helpers import TOPOLOGY, campaign
from zsim.attacks.dists import DAY_S, EffortLevel, TimeDist
from zsim.attacks.generator import synthetic_platform
from zsim.attacks.graph import CampaignGraph
from zsim.attacks.loader import LIBRARY_IDS, library, load_campaign
from zsim.attacks.platform import PlatformSpec
from zsim.attacks.runner import load_platform
from zsim.attacks.validate import validate_file
from zsim.errors import InputError

STEP = {"id": "a", "technique": "T1078", "requires": ["foothold"], "yields": ["goal"]}


def write(tmp_path: Path, data: Any, name: str = "c.yaml") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False))
    return path


def doc(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"id": "c", "title": "t", "entry": {"foothold": {"type": "training"}}, "goal": "goal",
                            "steps": [dict(STEP)]}
    base.update(over)
    return base


def test_library_has_exactly_the_issue_ids_with_valid_techniques() -> None:
    lib = library()
    assert tuple(lib) == LIBRARY_IDS
    assert "AML.T0010" in lib["artifact-poisoning"].techniques
    assert "AML.T0020" in lib["data-poisoning"].techniques
    for c in lib.values():
        assert all(t.startswith(("AML.T", "T")) for t in c.techniques)
        assert CampaignGraph(c).plans, c.id


@pytest.mark.parametrize(("data", "field", "text"), [
    (doc(steps=[{**STEP, "requires": ["nowhere"]}]), "steps[0].requires", "dangling"),
    (doc(goal="missing"), "goal", "dangling"),
    (doc(steps=[{**STEP, "technique": "X1"}]), "steps[0].technique", "pattern"),
    (doc(steps=[{**STEP, "surprise": 1}]), "steps[0].surprise", "unknown key"),
    (doc(steps=[{**STEP, "ttc": {"exponential": {"mean": "5 parsecs"}}}]), "steps[0].ttc.exponential.mean", "unit"),
    (doc(steps=[{**STEP, "ttc": {"fixed": 1, "effort": "EasyAndCertain"}}]), "steps[0].ttc", "exactly one"),
    (doc(steps=[{**STEP, "requires": {"all": ["foothold"], "any": ["foothold"]}}]), "steps[0].requires", "either"),
    (doc(steps=[{**STEP, "id": "a", "requires": ["b-out"], "yields": ["a-out"]},
                {**STEP, "id": "b", "requires": ["a-out"], "yields": ["b-out"]},
                {**STEP, "id": "c", "requires": ["a-out"], "yields": ["goal"]}]), "steps", "cycle"),
    (doc(steps=[{**STEP, "success_probability": 0.0}]), "goal", "cannot be reached"),
    (doc(steps=[{**STEP, "action": {"kind": "connect", "from": "loot", "to": {}}}]), "steps[0].action",
     "dangling"),
    (doc(steps=[{**STEP, "id": "s", "yields": ["tok"],
                 "action": {"kind": "steal-credential", "from": "foothold", "kinds": ["env-credential"]}},
                {**STEP, "id": "u", "requires": ["foothold", "tok"],
                 "action": {"kind": "connect", "from": "tok", "to": {}}}]), "steps[1].action.from", "position"),
    (doc(steps=[{**STEP, "action": {"kind": "use-credential", "from": "foothold", "credential": "foothold",
                                    "to": {}}}]), "steps[0].action.credential", "not a credential"),
    (doc(steps=[{**STEP, "action": {"kind": "teleport", "from": "foothold"}}]), "steps[0].action", "tag"),
])
def test_bad_campaigns_raise_input_error_naming_file_and_field(tmp_path: Path, data: dict[str, Any], field: str,
                                                                text: str) -> None:
    path = write(tmp_path, data)
    with pytest.raises(InputError) as exc:
        load_campaign(path)
    assert exc.value.file == str(path)
    assert exc.value.field is not None and exc.value.field.startswith(field), str(exc.value)
    assert text in str(exc.value)


@pytest.mark.parametrize("text", ["id: [unclosed", "- just\n- a list\n", "", "id: a\nid: b\n"])
def test_bad_yaml_is_an_input_error(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(InputError) as exc:
        load_campaign(path)
    assert exc.value.file == str(path)


def test_validate_reports_dangling_and_unreachable_on_a_platform(tmp_path: Path) -> None:
    bad = write(tmp_path, doc(steps=[{**STEP, "requires": ["nowhere"]}]))
    problems = validate_file(bad)
    assert any(p.severity == "error" and "dangling" in p.message for p in problems)
    # structurally fine, but the platform has no inference component to reach
    ok = doc(steps=[{**STEP, "action": {"kind": "connect", "from": "foothold", "to": {"type": "nothing-here"}}}])
    problems = validate_file(write(tmp_path, ok, "d.yaml"), TOPOLOGY)
    assert any(p.field == "goal" and p.severity == "error" for p in problems)
    assert any(p.field == "steps[0].action.to" and p.severity == "warning" for p in problems)
    nobody = doc(entry={"foothold": {"type": "quantum-computer"}})
    problems = validate_file(write(tmp_path, nobody, "e.yaml"), TOPOLOGY)
    assert any(p.field == "entry.foothold" for p in problems)
    for cid in LIBRARY_IDS:  # the library is sound on the shipped topology
        path = write(tmp_path, library()[cid].model_dump(mode="json", by_alias=True), f"{cid}.yaml")
        assert not [p for p in validate_file(path, TOPOLOGY) if p.severity == "error"], cid


def test_plans_pick_one_producer_per_capability_and_all_of_an_and() -> None:
    c = campaign([
        {"id": "a", "technique": "T1078", "requires": ["foothold"], "yields": ["x"]},
        {"id": "b", "technique": "T1078", "requires": ["foothold"], "yields": ["x"]},
        {"id": "c", "technique": "T1078", "requires": ["foothold"], "yields": ["y"]},
        {"id": "d", "technique": "T1078", "requires": {"all": ["x", "y"]}, "yields": ["g"]},
        {"id": "e", "technique": "T1078", "requires": {"any": ["y"]}, "yields": ["g"]},
    ], "g")
    plans = sorted(p.steps for p in CampaignGraph(c).plans)
    assert plans == [("a", "c", "d"), ("b", "c", "d"), ("c", "e")]


def test_time_distributions_follow_their_definitions() -> None:
    u = np.linspace(0.001, 0.999, 999)
    exp = TimeDist.model_validate({"exponential": {"mean": "10 min"}})
    assert np.allclose(exp.ppf(u), -600 * np.log1p(-u))
    logn = TimeDist.model_validate({"lognormal": {"median": 10, "p90": 40}})
    assert logn.ppf(np.array([0.5]))[0] == pytest.approx(10)
    assert logn.ppf(np.array([0.9]))[0] == pytest.approx(40)
    assert TimeDist.model_validate("3 min").ppf(u).tolist() == [180.0] * u.size
    hard = TimeDist(effort=EffortLevel.HARD_AND_UNCERTAIN)  # MAL: Exponential(0.1/day) x Bernoulli(0.5)
    assert hard.mean_s == pytest.approx(10 * DAY_S)
    assert hard.success_factor == 0.5
    assert TimeDist(effort=EffortLevel.EASY_AND_UNCERTAIN).ppf(u).max() == 0.0
    assert math.isclose(TimeDist(effort=EffortLevel.VERY_HARD_AND_CERTAIN).mean_s, 100 * DAY_S)


def test_platform_model_and_generator() -> None:
    with pytest.raises(ValueError, match="used twice"):
        PlatformSpec.model_validate({"components": [{"name": "a", "type": "training"}] * 2})
    spec = PlatformSpec.model_validate({"components": [{"name": "h", "type": "training", "host_network": True}]})
    assert spec.components[0].in_mesh is False  # no sidecar in hostNetwork pods
    big = synthetic_platform(workloads=1000, seed=3)
    again = synthetic_platform(workloads=1000, seed=3)
    assert len(big.components) == 1000
    assert big == again
    tenants = {c.tenant for c in big.components if c.tenant}
    assert len(tenants) == 4
    shared_nodes = {}
    for c in big.components:
        if c.node and c.tenant:
            shared_nodes.setdefault(c.node, set()).add(c.tenant)
    assert any(len(t) > 1 for t in shared_nodes.values())  # tenants share nodes (cross-tenant escape paths)


def test_topology_platform_section(tmp_path: Path) -> None:
    platform = load_platform(TOPOLOGY)
    assert {c.type for c in platform.components} >= {"training", "inference", "registry", "data-store",
                                                      "feature-store", "experiment-tracker", "pipeline",
                                                      "monitoring"}
    bare = write(tmp_path, {"name": "bare"}, "t.yaml")
    with pytest.raises(InputError, match="no 'platform' section"):
        load_platform(bare)
    broken = write(tmp_path, {"name": "b", "platform": {"components": [{"name": "x"}]}}, "b.yaml")
    with pytest.raises(InputError) as exc:
        load_platform(broken)
    assert exc.value.field == "platform.components[0].type"
