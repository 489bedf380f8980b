"""Calibration never crashes: no loopback network, a missing library or a failing measurement leaves a note on
the rows it concerns, the other rows are measured, and the profile keeps the published default for the rest."""

from __future__ import annotations

import socket
import sys

import pytest

from tests.cli_helpers import run_cli
from zsim.calibrate import cli as calibrate_cli
from zsim.calibrate.budget import TINY
from zsim.calibrate.groups import GROUPS, Group
from zsim.calibrate.run import measure_group, run_calibration
from zsim.config.costs import load_cost_profile

TLS_ROWS = ("tls_full_handshake_cpu_s", "tls_full_handshakes_per_s", "tls_resumed_handshake_cpu_s",
            "tls_resumed_handshakes_per_s", "tls_bulk_Bps", "plain_bulk_Bps")


def _groups(*names: str) -> list[Group]:
    return [g for g in GROUPS if g.name in names]


def _no_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> socket.socket:
        raise OSError(99, "Cannot assign requested address")

    monkeypatch.setattr(socket, "create_server", refuse)


def test_without_loopback_the_tls_rows_are_skipped_with_a_note(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    _no_loopback(monkeypatch)
    cal = run_calibration(TINY, groups=_groups("tls_handshake", "tls_bulk", "sha256"))
    for name in TLS_ROWS:
        assert not cal.rows[name].measured
        assert "no loopback network" in cal.rows[name].note and "Cannot assign" in cal.rows[name].note
    assert cal.rows["sha256_1MiB_Bps"].measured
    assert "mtls.full_handshake_cpu_s" in cal.not_calibrated
    assert "mtls" not in cal.profile
    path = tmp_path / "costs.yaml"
    path.write_text(cal.to_yaml(), encoding="utf-8")
    sha256 = pytest.approx(cal.rows["sha256_1MiB_Bps"].median, rel=1e-3)
    assert load_cost_profile(path) == {"artifact_verification": {"sha256_per_core_Bps": sha256},
                                       "data_integrity": {"sha256_Bps": sha256},
                                       "runtime_integrity": {"sha256_Bps": sha256}}


def test_without_cedarpy_the_builtin_engine_gives_the_eval_latency(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "cedarpy", None)  # import cedarpy now raises ImportError
    cal = run_calibration(TINY, groups=_groups("policy", "cedar"))
    assert cal.rows["cedar_decision_s"].note == (
        "skipped: library 'cedarpy' is not installed (pip install cedarpy)")
    assert cal.rows["policy_decision_s"].measured
    assert cal.filled["authz.eval_latency"].startswith("policy_decision_s")
    assert cal.profile["authz"]["eval_latency"]["median"] == pytest.approx(cal.rows["policy_decision_s"].median,
                                                                           rel=1e-3)


def test_without_model_signing_its_row_is_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "model_signing", None)
    (row,) = measure_group(_groups("model_signing")[0], TINY)
    assert not row.measured and "pip install model-signing" in row.note


def test_a_failing_measurement_is_a_note_not_a_crash() -> None:
    def boom(budget: object) -> list:
        raise RuntimeError("the measurement broke")

    group = Group("boom", (("boom_s", "s"), ("boom_Bps", "B/s")), boom)
    rows = measure_group(group, TINY)
    assert [r.name for r in rows] == ["boom_s", "boom_Bps"]
    assert all(r.note == "failed: RuntimeError: the measurement broke" and not r.measured for r in rows)


def test_a_group_returning_too_few_rows_marks_the_rest() -> None:
    from zsim.calibrate.stats import summarise

    group = Group("half", (("a_s", "s"), ("b_s", "s")), lambda budget: [summarise("a_s", "s", [1.0, 2.0])])
    a, b = measure_group(group, TINY)
    assert a.median == 1.5 and b.note == "not produced"


def test_cli_without_loopback_exits_0_and_says_why(capsys, monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    _no_loopback(monkeypatch)
    monkeypatch.setattr(calibrate_cli, "QUICK", TINY)
    out = tmp_path / "costs.yaml"
    res = run_cli(capsys, monkeypatch, "calibrate", "--quick", "--out", str(out))
    assert res.code == 0, res.err
    assert "tls_handshake: skipped: no loopback network" in res.err
    profile = load_cost_profile(out)
    assert "full_handshake_cpu_s" not in profile.get("mtls", {})
    assert profile["artifact_verification"]["sha256_per_core_Bps"] > 0
