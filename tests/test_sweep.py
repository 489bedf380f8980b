"""Sweeps: grid and list points, addressed by dotted paths; bad paths and empty grids are errors."""

from __future__ import annotations

import pytest

from tests.cli_helpers import run_cli
from tests.conftest import fleet_experiment
from zsim import api


def _data(**sweep):
    data = fleet_experiment(horizon={"requests": 2000})
    data["sweep"] = sweep
    return data


def test_grid_points_are_the_cartesian_product(write_yaml) -> None:
    data = _data(grid={"workloads.inference.arrivals.rate_per_s": [1.0, 2.0],
                       "workloads.inference.replicas": [4, 8]})
    exp = api.load(write_yaml("s.yaml", data))
    labels = [p.label for p in exp.points]
    assert labels == ["rate_per_s=1.0,replicas=4", "rate_per_s=1.0,replicas=8",
                      "rate_per_s=2.0,replicas=4", "rate_per_s=2.0,replicas=8"]
    assert exp.point(labels[3]).workloads["inference"].replicas == 8


def test_points_list_and_run(write_yaml) -> None:
    data = _data(points=[{"label": "slow", "set": {"workloads.inference.service.mean_s": 1.5}},
                         {"label": "fast", "set": {"workloads.inference.service.mean_s": 0.5}}])
    out = api.run(api.load(write_yaml("s.yaml", data)), write=False, workers=1)
    waits = out.summary[out.summary["metric"] == "inference.queue_wait_mean_s"].set_index("point")["mean"]
    assert waits["slow"] > waits["fast"]


def test_sweeping_a_control_override(write_yaml) -> None:
    data = _data(grid={"overrides.tokens.ttl_s": ["5 min", "1 h"]})
    data["overrides"] = {"tokens": {"enabled": True}}
    exp = api.load(write_yaml("s.yaml", data))
    ttls = [p.tiers[0].controls.params("tokens").ttl_s for p in exp.points]
    assert ttls == [300.0, 3600.0]


@pytest.mark.parametrize(("sweep", "message"), [
    ({"grid": {"workloads.inference.colour": [1]}}, "sweep (colour=1): workloads.inference.colour: unknown key"),
    ({"grid": {"workloads.training.steps": [1]}}, "names a workload the experiment does not run"),
    ({"grid": {"seed": [1, 2]}}, "names no sweepable field"),
    ({"grid": {"workloads.inference.replicas": []}}, "empty grid"),
    ({}, "needs a grid or a list of points"),
    ({"grid": {"overrides.mtls.bogus": [1]}}, "bogus"),
])
def test_bad_sweeps_exit_2(write_yaml, capsys, monkeypatch, sweep, message) -> None:
    res = run_cli(capsys, monkeypatch, "validate", str(write_yaml("s.yaml", _data(**sweep))))
    assert res.code == 2
    assert message in res.err, res.err
