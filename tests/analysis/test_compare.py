"""``zsim compare``: signed changes of summary means, the --fail-on grammar, exit 1 on a trip, exit 2 on bad
input (and nothing written)."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from tests.analysis import synthetic
from tests.cli_helpers import run_cli
from zsim.analysis.compare import compare_summaries, parse_clauses
from zsim.errors import InputError


@pytest.fixture
def runs(tmp_path: Path) -> tuple[Path, Path]:
    """A and B differ only in identity's step time (+10 %) and strict's lateral success (0.1 → 0.3)."""
    a = synthetic.run_folder(tmp_path / "a")
    b = synthetic.run_folder(tmp_path / "b")
    summary = pd.read_csv(b / "summary.csv", keep_default_na=False, na_values={"mean": [""]})
    step = (summary["tier"] == "identity") & (summary["metric"] == "training.step_time_s")
    summary.loc[step, "mean"] *= 1.10
    lateral = (summary["tier"] == "strict") & (summary["metric"] == "attack.lateral.success_rate")
    summary.loc[lateral, "mean"] = 0.3
    summary.to_csv(b / "summary.csv", index=False)
    return a, b


def test_parse_clauses_grammar() -> None:
    [c1, c2, c3] = parse_clauses(["inference.latency_p99_s>5%, attack.*.success_rate > 0.01", "x.rps<-2.5%"])
    assert (c1.glob, c1.op, c1.threshold, c1.percent) == ("inference.latency_p99_s", ">", 5.0, True)
    assert (c2.glob, c2.op, c2.threshold, c2.percent) == ("attack.*.success_rate", ">", 0.01, False)
    assert (c3.op, c3.threshold, c3.percent) == ("<", -2.5, True)
    assert c1.trips(0.0, 5.01) and not c1.trips(0.0, 5.0)
    assert c3.trips(0.0, -3.0) and not c3.trips(0.0, -2.0)
    for bad in ["latency", "latency>>5", "latency>5%%", ">5", "latency>five", "a>1,", "latency=5"]:
        with pytest.raises(InputError):
            parse_clauses([bad])


def test_changes_are_signed_and_relative_to_a() -> None:
    a = pd.DataFrame({"tier": ["t"] * 3, "point": [""] * 3, "metric": ["x", "zero", "gone"], "mean": [2.0, 0.0, 1.0]})
    b = pd.DataFrame({"tier": ["t"] * 3, "point": [""] * 3, "metric": ["x", "zero", "new"], "mean": [1.5, 0.1, 4.0]})
    rows = compare_summaries(a, b).set_index("metric")
    assert rows.loc["x", "change_abs"] == -0.5 and rows.loc["x", "change_pct"] == -25.0
    assert rows.loc["zero", "change_pct"] == math.inf
    assert math.isnan(rows.loc["gone", "mean_b"]) and math.isnan(rows.loc["new", "mean_a"])


def test_gate_passes_and_trips(runs, capsys, monkeypatch) -> None:
    a, b = runs
    same = run_cli(capsys, monkeypatch, "compare", str(a), str(a), "--fail-on", "training.*>0%")
    assert same.code == 0 and "ok: no clause tripped" in same.out
    res = run_cli(capsys, monkeypatch, "compare", str(a), str(b), "--fail-on", "training.step_time_s>5%")
    assert res.code == 1, res.err
    assert "FAIL training.step_time_s>5%" in res.out and "identity" in res.out
    assert run_cli(capsys, monkeypatch, "compare", str(a), str(b), "--fail-on", "training.step_time_s>11%").code == 0
    # absolute clause on a glob, several clauses, one tripping
    res = run_cli(capsys, monkeypatch, "compare", str(a), str(b),
                  "--fail-on", "training.step_time_s>50%,attack.*.success_rate>0.1")
    assert res.code == 1 and "FAIL attack.*.success_rate>0.1" in res.out and "strict" in res.out
    assert "FAIL training" not in res.out
    # "<": a fall beyond the threshold trips; B→A is a fall of step time
    assert run_cli(capsys, monkeypatch, "compare", str(b), str(a), "--fail-on", "training.*<-5%").code == 1
    assert run_cli(capsys, monkeypatch, "compare", str(a), str(b), "--fail-on", "training.*<-5%").code == 0


def test_a_metric_missing_from_b_trips_its_clause(runs, capsys, monkeypatch) -> None:
    a, b = runs
    summary = pd.read_csv(b / "summary.csv", keep_default_na=False, na_values={"mean": [""]})
    summary[summary["metric"] != "training.step_time_s"].to_csv(b / "summary.csv", index=False)
    res = run_cli(capsys, monkeypatch, "compare", str(a), str(b), "--fail-on", "training.step_time_s>50%")
    assert res.code == 1 and "missing in B" in res.out


@pytest.mark.parametrize(("args", "message"), [
    (["--fail-on", "latency>>5%"], "--fail-on: malformed clause 'latency>>5%'"),
    (["--fail-on", "no.such.metric>5%"], "matches no metric"),
])
def test_bad_clauses_exit_2(runs, capsys, monkeypatch, args, message) -> None:
    a, b = runs
    res = run_cli(capsys, monkeypatch, "compare", str(a), str(b), *args)
    assert res.code == 2 and message in res.err and "Traceback" not in res.err


def test_folders_that_are_not_runs_exit_2(runs, tmp_path, capsys, monkeypatch) -> None:
    a, _ = runs
    empty = tmp_path / "empty"
    empty.mkdir()
    res = run_cli(capsys, monkeypatch, "compare", str(a), str(empty))
    assert res.code == 2 and "not a run folder (no manifest.json)" in res.err
    res = run_cli(capsys, monkeypatch, "compare", str(tmp_path / "nowhere"), str(a))
    assert res.code == 2 and "no such run folder" in res.err
    broken = synthetic.run_folder(tmp_path / "broken")
    (broken / "summary.csv").write_text("tier,metric\nnone,x\n")
    res = run_cli(capsys, monkeypatch, "compare", str(a), str(broken))
    assert res.code == 2 and "summary.csv: not a zsim summary: missing columns" in res.err
    (broken / "manifest.json").write_text("{not json")
    res = run_cli(capsys, monkeypatch, "compare", str(a), str(broken))
    assert res.code == 2 and "manifest.json: not valid JSON" in res.err
    assert sorted(p.name for p in empty.iterdir()) == []
