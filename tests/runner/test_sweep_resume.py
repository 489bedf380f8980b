"""``zsim sweep``: every run persisted as it finishes; SIGKILL then ``--resume`` recomputes nothing finished and
gives byte-identical results; a folder of another experiment is refused without a write."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pandas as pd

from tests.cli_helpers import run_cli
from tests.conftest import REPO
from tests.runner.sweep_helpers import snapshot, sweep_data
from zsim import api
from zsim.engine.run import simulate
from zsim.runner import executor as executor_module
from zsim.runner.expand import expand
from zsim.runner.parts import PARTS_DIR, read_parts, write_part
from zsim.runner.spec import RunResult, RunSpec
from zsim.runner.sweepdir import SweepLock


def test_sweep_folder_matches_zsim_run_byte_for_byte(write_yaml, tmp_path, capsys, monkeypatch) -> None:
    exp = write_yaml("s.yaml", sweep_data())
    res = run_cli(capsys, monkeypatch, "sweep", str(exp), "--out", str(tmp_path / "sweep"), "--workers", "2")
    assert res.code == 0, res.err
    assert "8 runs: 8 computed, 0 resumed" in res.out
    assert run_cli(capsys, monkeypatch, "run", str(exp), "--out", str(tmp_path / "run")).code == 0
    for name in ("runs.parquet", "summary.csv"):
        assert (tmp_path / "sweep" / name).read_bytes() == (tmp_path / "run" / name).read_bytes()
    sweep_manifest = json.loads((tmp_path / "sweep" / "manifest.json").read_text())
    run_manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
    assert set(run_manifest) <= set(sweep_manifest)
    assert sweep_manifest["config_hash"] == run_manifest["config_hash"]
    assert sweep_manifest["points"] == {"rate_per_s=1.0": {"workloads.inference.arrivals.rate_per_s": 1.0},
                                        "rate_per_s=2.0": {"workloads.inference.arrivals.rate_per_s": 2.0}}
    assert not (tmp_path / "sweep" / PARTS_DIR).exists()  # consolidated, then removed


def test_sigkill_midway_then_resume_is_byte_identical(write_yaml, tmp_path, capsys, monkeypatch) -> None:
    exp = write_yaml("s.yaml", sweep_data(requests=60_000, reps=3))  # 12 runs of ~50 ms
    killed = tmp_path / "killed"
    cmd = [sys.executable, "-c", "from zsim.cli import main; main()", "sweep", str(exp), "--out", str(killed),
           "--workers", "2"]
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            if len([p for p in (killed / PARTS_DIR).glob("*.parquet") if not p.name.startswith(".")]) >= 2:
                break
            time.sleep(0.01)
        assert proc.poll() is None, f"the sweep ended before it could be killed: {proc.stderr.read()!r}"
        os.killpg(proc.pid, signal.SIGKILL)  # the sweep and its worker processes
    finally:
        proc.wait(timeout=30)
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    assert not (killed / "manifest.json").exists() and not (killed / "runs.parquet").exists()
    specs = expand(api.load(exp))
    finished, _ = read_parts(killed, specs)
    assert 2 <= len(finished) < len(specs)

    simulated: list[RunSpec] = []
    real = executor_module.simulate

    def counting(experiment, spec):
        simulated.append(spec)
        return real(experiment, spec)

    monkeypatch.setattr(executor_module, "simulate", counting)
    res = run_cli(capsys, monkeypatch, "sweep", str(exp), "--resume", str(killed), "--workers", "1")
    assert res.code == 0, res.err
    assert sorted(map(str, simulated)) == sorted(str(s) for s in specs if s not in finished)  # nothing redone
    manifest = json.loads((killed / "manifest.json").read_text())
    assert manifest["sweep"]["runs_resumed"] == len(finished)
    assert manifest["sweep"]["runs_computed"] == len(specs) - len(finished)

    monkeypatch.setattr(executor_module, "simulate", real)
    whole = tmp_path / "whole"
    assert run_cli(capsys, monkeypatch, "sweep", str(exp), "--out", str(whole), "--workers", "1").code == 0
    assert (killed / "runs.parquet").read_bytes() == (whole / "runs.parquet").read_bytes()
    assert (killed / "summary.csv").read_bytes() == (whole / "summary.csv").read_bytes()
    records = pd.read_parquet(killed / "runs.parquet")
    assert not records.duplicated(["tier", "point", "replication", "metric"]).any()
    assert records.groupby(["tier", "point", "replication"]).ngroups == len(specs)


def test_resuming_a_finished_sweep_computes_and_writes_nothing(write_yaml, tmp_path, capsys, monkeypatch) -> None:
    exp = write_yaml("s.yaml", sweep_data())
    out = tmp_path / "run"
    assert run_cli(capsys, monkeypatch, "sweep", str(exp), "--out", str(out), "--workers", "1").code == 0
    before = snapshot(out)
    monkeypatch.setattr(executor_module, "simulate", lambda *a: (_ for _ in ()).throw(AssertionError("ran")))
    res = run_cli(capsys, monkeypatch, "sweep", str(exp), "--resume", str(out))
    assert res.code == 0 and "already finished" in res.out
    assert snapshot(out) == before


def test_resume_ignores_temporaries_and_foreign_parts(write_yaml, tmp_path, capsys, monkeypatch) -> None:
    exp_path = write_yaml("s.yaml", sweep_data())
    out = tmp_path / "run"
    assert run_cli(capsys, monkeypatch, "sweep", str(exp_path), "--out", str(out), "--workers", "1").code == 0
    whole = (out / "runs.parquet").read_bytes()
    # rebuild the state a kill can leave: sweep.json, some parts, a half-written temporary, junk
    interrupted = tmp_path / "interrupted"
    interrupted.mkdir()
    (interrupted / "sweep.json").write_bytes((out / "sweep.json").read_bytes())
    parts = interrupted / PARTS_DIR
    parts.mkdir()
    exp = api.load(exp_path)
    specs = expand(exp)
    write_part(interrupted, simulate(exp, specs[0]))
    (parts / ".tmp-deadbeef-123.parquet").write_bytes(b"PAR1 half")
    (parts / "0123456789abcdef01234567.parquet").write_bytes(b"not parquet")
    res = run_cli(capsys, monkeypatch, "sweep", str(exp_path), "--resume", str(interrupted), "--workers", "1")
    assert res.code == 0, res.err
    assert (interrupted / "runs.parquet").read_bytes() == whole
    manifest = json.loads((interrupted / "manifest.json").read_text())
    assert manifest["sweep"]["runs_resumed"] == 1
    assert any("unreadable part ignored" in n for n in manifest["sweep"]["notes"])


def test_parts_round_trip_exactly(tmp_path) -> None:
    (tmp_path / PARTS_DIR).mkdir()
    spec = RunSpec("e", "strict", "a|b=c,d", 3, 1)
    result = RunResult(spec, 2**64 - 5, {"x.a_s": 0.1 + 0.2, "x.nan": float("nan"), "x.big": 1e308},
                       ["unstable fleet"], 0.25)
    write_part(tmp_path, result)
    write_part(tmp_path, result)  # a second write replaces the first: one part per run
    assert len(list((tmp_path / PARTS_DIR).iterdir())) == 1
    done, notes = read_parts(tmp_path, [spec, RunSpec("e", "none", "a|b=c,d", 3, 1)])
    back = done[spec]
    assert notes == [] and list(done) == [spec]
    assert back.seed == 2**64 - 5 and back.warnings == ["unstable fleet"] and back.wall_s == 0.25
    assert back.metrics["x.a_s"] == 0.1 + 0.2 and back.metrics["x.big"] == 1e308
    assert back.metrics["x.nan"] != back.metrics["x.nan"]


def test_resume_refuses_another_experiments_folder(write_yaml, tmp_path, capsys, monkeypatch) -> None:
    exp = write_yaml("s.yaml", sweep_data())
    out = tmp_path / "run"
    (tmp_path / "run").mkdir()
    (out / "sweep.json").write_text(json.dumps({"experiment": "other", "config_hash": "f" * 64}))
    (out / PARTS_DIR).mkdir()
    before = snapshot(out)
    res = run_cli(capsys, monkeypatch, "sweep", str(exp), "--resume", str(out))
    assert res.code == 2 and "sweep.json: this folder belongs to experiment 'other'" in res.err
    assert len(res.err.strip().splitlines()) == 1
    # the same file with another seed or replication count is another experiment too
    good = tmp_path / "good"
    assert run_cli(capsys, monkeypatch, "sweep", str(exp), "--out", str(good), "--workers", "1").code == 0
    (good / "manifest.json").unlink()  # as if killed before consolidating
    before_good = snapshot(good)
    res = run_cli(capsys, monkeypatch, "sweep", str(exp), "--resume", str(good), "--seed", "9")
    assert res.code == 2 and "belongs to experiment 'sw'" in res.err
    assert snapshot(out) == before and snapshot(good) == before_good


def test_other_bad_resume_and_out_folders_exit_2(write_yaml, tmp_path, capsys, monkeypatch) -> None:
    exp = write_yaml("s.yaml", sweep_data())
    res = run_cli(capsys, monkeypatch, "sweep", str(exp), "--resume", str(tmp_path / "nowhere"))
    assert res.code == 2 and "no such sweep folder" in res.err and not (tmp_path / "nowhere").exists()
    plain = tmp_path / "plain"
    assert run_cli(capsys, monkeypatch, "run", str(exp), "--out", str(plain)).code == 0
    before = snapshot(plain)
    res = run_cli(capsys, monkeypatch, "sweep", str(exp), "--resume", str(plain))
    assert res.code == 2 and "a zsim run folder, not a sweep" in res.err and snapshot(plain) == before
    res = run_cli(capsys, monkeypatch, "sweep", str(exp), "--out", str(plain))
    assert res.code == 2 and "already exists" in res.err and snapshot(plain) == before


def test_a_sweep_folder_in_use_is_refused(write_yaml, tmp_path, capsys, monkeypatch) -> None:
    exp = write_yaml("s.yaml", sweep_data())
    out = tmp_path / "run"
    assert run_cli(capsys, monkeypatch, "sweep", str(exp), "--out", str(out), "--workers", "1").code == 0
    (out / "manifest.json").unlink()
    with SweepLock(out):
        res = run_cli(capsys, monkeypatch, "sweep", str(exp), "--resume", str(out), "--workers", "1")
    assert res.code == 2 and "another zsim sweep is writing this folder" in res.err
    assert not (out / "manifest.json").exists()
