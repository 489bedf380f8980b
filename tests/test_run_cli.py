"""``zsim run`` and ``zsim validate``: run folders, reproducibility, and bad input (exit 2, nothing written)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from tests.cli_helpers import run_cli
from tests.conftest import REPO, fleet_experiment

SMALL = dict(horizon={"requests": 3000, "warmup_requests": 100})


def _exp(write_yaml, name="exp.yaml", **inference):
    data = fleet_experiment(**{**SMALL, **inference})
    data["tiers"] = ["none", "strict"]
    return write_yaml(name, data)


def test_run_writes_a_complete_run_folder(write_yaml, tmp_path, capsys, monkeypatch) -> None:
    out = tmp_path / "run"
    res = run_cli(capsys, monkeypatch, "run", str(_exp(write_yaml)), "--out", str(out), "--reps", "3")
    assert res.code == 0, res.err
    assert "tier none" in res.out and "tier strict" in res.out and "overhead" in res.out
    records = pd.read_parquet(out / "runs.parquet")
    assert list(records.columns) == ["experiment", "tier", "point", "replication", "seed", "metric", "value"]
    assert set(records["tier"]) == {"none", "strict"} and set(records["replication"]) == {0, 1, 2}
    summary = pd.read_csv(out / "summary.csv")
    for col in ("tier", "metric", "mean", "ci_low", "ci_high", "n", "overhead_pct"):
        assert col in summary.columns
    assert summary[summary["tier"] == "none"]["overhead_pct"].isna().all()
    manifest = json.loads((out / "manifest.json").read_text())
    for key in ("config_hash", "seeds", "packages", "git_revision", "timings"):
        assert key in manifest
    assert len(manifest["seeds"]) == 3
    # each replication's seed is recorded, and every tier shares it (common random numbers)
    per_rep = records.groupby("replication")["seed"].nunique()
    assert (per_rep == 1).all()


def test_same_seed_gives_byte_identical_records(write_yaml, tmp_path, capsys, monkeypatch) -> None:
    exp = _exp(write_yaml)
    blobs = []
    for i, workers in enumerate(("1", "2")):
        out = tmp_path / f"r{i}"
        res = run_cli(capsys, monkeypatch, "run", str(exp), "--out", str(out), "--reps", "2", "--workers", workers)
        assert res.code == 0, res.err
        blobs.append((out / "runs.parquet").read_bytes())
    assert blobs[0] == blobs[1]
    other = tmp_path / "other"
    assert run_cli(capsys, monkeypatch, "run", str(exp), "--out", str(other), "--reps", "2", "--seed", "99").code == 0
    assert (other / "runs.parquet").read_bytes() != blobs[0]


def test_existing_run_folder_is_never_overwritten(write_yaml, tmp_path, capsys, monkeypatch) -> None:
    out = tmp_path / "run"
    out.mkdir()
    (out / "keep.txt").write_text("precious")
    res = run_cli(capsys, monkeypatch, "run", str(_exp(write_yaml)), "--out", str(out))
    assert res.code == 2 and "already exists" in res.err
    assert (out / "keep.txt").read_text() == "precious"


BAD_INFERENCE = [
    ({"replicas": 4, "colour": "blue"}, "workloads.inference.colour: unknown key"),
    ({"replicas": "many"}, "workloads.inference.replicas"),
    ({"arrivals": {"kind": "poisson", "rate_per_s": 0}}, "workloads.inference.arrivals.poisson.rate_per_s"),
    ({"arrivals": {"kind": "poisson", "rate_per_s": -3}}, "rate_per_s"),
    ({"service": {"kind": "exponential", "mean_s": "-1 ms"}}, "mean_s"),
    ({"arrivals": {"kind": "trace", "file": "missing.csv"}}, "missing.csv: trace file not found"),
]


@pytest.mark.parametrize(("inference", "message"), BAD_INFERENCE)
def test_bad_experiments_exit_2_naming_file_and_field(write_yaml, tmp_path, capsys, monkeypatch, inference,
                                                      message) -> None:
    path = _exp(write_yaml, **inference)
    out = tmp_path / "never"
    res = run_cli(capsys, monkeypatch, "run", str(path), "--out", str(out))
    assert res.code == 2
    assert message in res.err, res.err
    assert "Traceback" not in res.err
    assert not out.exists()
    assert len(res.err.strip().splitlines()) == 1


def test_malformed_trace_row_names_the_line(write_yaml, tmp_path, capsys, monkeypatch) -> None:
    trace = tmp_path / "trace.csv"
    trace.write_text(
        "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:00:00.0,10,5\n2023-11-16 18:00:01.0,ten,5\n"
    )
    path = _exp(write_yaml, arrivals={"kind": "trace", "file": "trace.csv"})
    res = run_cli(capsys, monkeypatch, "run", str(path), "--out", str(tmp_path / "x"))
    assert res.code == 2 and "trace.csv: line 3: malformed row" in res.err


def test_cross_references_are_checked(write_yaml, capsys, monkeypatch) -> None:
    data = fleet_experiment(**SMALL)
    data["tiers"] = ["none", "platinum"]
    res = run_cli(capsys, monkeypatch, "validate", str(write_yaml("a.yaml", data)))
    assert res.code == 2 and "tiers[1]: unknown tier 'platinum'" in res.err
    data["tiers"] = ["none", {"name": "x", "controls": {"quantum_firewall": {"on": True}}}]
    res = run_cli(capsys, monkeypatch, "validate", str(write_yaml("b.yaml", data)))
    assert res.code == 2 and "tiers[1].controls.quantum_firewall: unknown control" in res.err
    data["tiers"] = ["none", {"name": "x", "controls": {"mtls": {"mode": "sometimes"}}}]
    res = run_cli(capsys, monkeypatch, "validate", str(write_yaml("c.yaml", data)))
    assert res.code == 2 and "tiers[1].controls.mtls.mode" in res.err
    data["tiers"] = ["none"]
    data["topology"] = "nowhere.yaml"
    res = run_cli(capsys, monkeypatch, "validate", str(write_yaml("d.yaml", data)))
    assert res.code == 2 and "d.yaml: topology: topology file" in res.err
    data.pop("topology")
    data["reference_tier"] = "strict"
    res = run_cli(capsys, monkeypatch, "validate", str(write_yaml("e.yaml", data)))
    assert res.code == 2 and "reference_tier" in res.err


def test_alias_bomb_and_non_utf8_experiments(tmp_path, capsys, monkeypatch) -> None:
    bomb = tmp_path / "bomb.yaml"
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for i, name in enumerate("bcdefghi"):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{'abcdefghi'[i]}"] * 10) + "]")
    bomb.write_text("\n".join(lines))
    res = run_cli(capsys, monkeypatch, "run", str(bomb), "--out", str(tmp_path / "x"))
    assert res.code == 2 and "bomb.yaml" in res.err and "alias" in res.err
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("name: caf\xe9\n".encode("latin-1"))
    res = run_cli(capsys, monkeypatch, "run", str(latin))
    assert res.code == 2 and "latin.yaml: not valid UTF-8" in res.err
    assert not (tmp_path / "x").exists()


def test_bad_command_line_arguments_exit_2(write_yaml, capsys, monkeypatch) -> None:
    res = run_cli(capsys, monkeypatch, "run", str(_exp(write_yaml)), "--reps", "0")
    assert res.code == 2
    res = run_cli(capsys, monkeypatch, "run", "/no/such/experiment.yaml")
    assert res.code == 2 and "file not found" in res.err


def test_saturated_fleet_runs_to_its_horizon_and_says_unstable(write_yaml, tmp_path, capsys, monkeypatch) -> None:
    path = _exp(write_yaml, arrivals={"kind": "poisson", "rate_per_s": 6.0})  # rho = 1.5
    out = tmp_path / "run"
    res = run_cli(capsys, monkeypatch, "run", str(path), "--out", str(out), "--reps", "2")
    assert res.code == 0
    assert "unstable" in res.err
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["unstable"] is True
    records = pd.read_parquet(out / "runs.parquet")
    assert (records[records["metric"] == "inference.unstable"]["value"] == 1.0).all()


def test_shipped_experiments_validate(capsys, monkeypatch) -> None:
    files = sorted(str(p) for p in (REPO / "experiments").rglob("*.yaml"))
    assert files
    res = run_cli(capsys, monkeypatch, "validate", *files)
    assert res.code == 0, res.err


def test_list_commands(capsys, monkeypatch) -> None:
    for what in ("tiers", "controls", "costs"):
        res = run_cli(capsys, monkeypatch, "list", what)
        assert res.code == 0
    assert "published.md" in run_cli(capsys, monkeypatch, "list", "costs").out


def test_api_returns_dataframes(tmp_path: Path, write_yaml) -> None:
    from zsim import api

    out = api.run(api.load(_exp(write_yaml), replications=2), write=False)
    assert out.run_dir is None
    assert {"tier", "metric", "mean"} <= set(out.summary.columns)
    assert len(out.records) > 0
