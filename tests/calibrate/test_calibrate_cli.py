"""``zsim calibrate``: the real ``--quick`` run finishes in under 20 s and prints a loadable profile; ``--out``
writes one (atomically) and shows the tables."""

from __future__ import annotations

import time

import pytest
import yaml

from tests.cli_helpers import run_cli
from zsim.calibrate import cli as calibrate_cli
from zsim.calibrate.budget import TINY
from zsim.calibrate.groups import row_units
from zsim.config.costs import load_cost_profile


def test_quick_run_under_20_s_prints_a_profile(capsys, monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    t0 = time.perf_counter()
    res = run_cli(capsys, monkeypatch, "calibrate", "--quick")
    wall_s = time.perf_counter() - t0
    assert res.code == 0, res.err
    assert wall_s < 20, f"zsim calibrate --quick took {wall_s:.1f} s"
    path = tmp_path / "costs.yaml"
    path.write_text(res.out, encoding="utf-8")  # stdout is the profile alone; the tables went to stderr
    profile = load_cost_profile(path)
    assert profile["mtls"]["full_handshake_cpu_s"] > 0
    meta = yaml.safe_load(res.out)["meta"]
    assert meta["mode"] == "quick" and set(meta["measurements"]) == set(row_units())
    assert all("median" in m for m in meta["measurements"].values()), "a row was skipped on this machine"
    assert "calibration (quick" in res.err and "tls_handshake: ok" in res.err


def test_out_writes_the_file_and_shows_the_tables(capsys, monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setattr(calibrate_cli, "QUICK", TINY)
    out = tmp_path / "sub" / "costs.yaml"
    res = run_cli(capsys, monkeypatch, "calibrate", "--quick", "--out", str(out))
    assert res.code == 0, res.err
    assert load_cost_profile(out)["tokens"]["validate_s"] > 0
    assert "cost profile: calibrated against default" in res.out
    assert f"cost profile: {out}" in res.out
    assert [p.name for p in out.parent.iterdir()] == ["costs.yaml"]  # no temporary file left behind


def test_out_naming_a_folder_exits_2_before_measuring(capsys, monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("measured although --out is unusable")

    monkeypatch.setattr(calibrate_cli, "run_calibration", never)
    res = run_cli(capsys, monkeypatch, "calibrate", "--quick", "--out", str(tmp_path))
    assert res.code == 2 and f"{tmp_path}: is a folder" in res.err
