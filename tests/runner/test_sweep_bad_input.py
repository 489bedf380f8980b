"""``zsim sweep`` on bad experiments: exit 2, one line naming file and field, nothing written."""

from __future__ import annotations

import pytest

from tests.cli_helpers import run_cli
from tests.runner.sweep_helpers import sweep_data


@pytest.mark.parametrize(("grid", "message"), [
    ({"workloads.inference.colour": [1]}, "s.yaml: sweep (colour=1): workloads.inference.colour: unknown key"),
    ({"workloads.inference.arrivals.speed": [1]}, "workloads.inference.arrivals"),
    ({"workloads.training.steps": [1]}, "sweep.grid.workloads.training.steps: path 'workloads.training.steps' "
                                        "names a workload the experiment does not run"),
    ({"seed": [1, 2]}, "names no sweepable field"),
    ({"workloads.inference.replicas.count": [2]}, "names no field"),
    ({"workloads.inference.replicas": []}, "s.yaml: sweep: Value error, grid entry 'workloads.inference.replicas' "
                                           "has no values (an empty grid)"),
])
def test_bad_sweep_grids_exit_2_and_write_nothing(write_yaml, tmp_path, capsys, monkeypatch, grid, message) -> None:
    data = sweep_data()
    data["sweep"] = {"grid": grid}
    out = tmp_path / "out"
    res = run_cli(capsys, monkeypatch, "sweep", str(write_yaml("s.yaml", data)), "--out", str(out))
    assert res.code == 2
    assert message.replace("Value error, ", "") in res.err, res.err
    assert len(res.err.strip().splitlines()) == 1 and "Traceback" not in res.err
    assert not out.exists() and not list(tmp_path.glob(".out*"))


def test_empty_sweep_and_bad_options_exit_2(write_yaml, tmp_path, capsys, monkeypatch) -> None:
    data = sweep_data()
    data["sweep"] = {}
    out = tmp_path / "out"
    res = run_cli(capsys, monkeypatch, "sweep", str(write_yaml("s.yaml", data)), "--out", str(out))
    assert res.code == 2 and "sweep: a sweep needs a grid or a list of points" in res.err
    good = write_yaml("g.yaml", sweep_data())
    for args in (["--workers", "0"], ["--reps", "0"], ["--batch-size", "0"], ["--connect-timeout", "0"]):
        assert run_cli(capsys, monkeypatch, "sweep", str(good), "--out", str(out), *args).code == 2
    res = run_cli(capsys, monkeypatch, "sweep", str(good), "--out", str(out), "--resume", str(tmp_path / "r"))
    assert res.code == 2 and not out.exists()
    res = run_cli(capsys, monkeypatch, "sweep", str(tmp_path / "missing.yaml"))
    assert res.code == 2 and "file not found" in res.err
