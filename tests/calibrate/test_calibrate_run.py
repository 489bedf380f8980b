"""A calibration on tiny sizes: every row measured with a spread, the profile is the mapping of the medians, it
loads as a cost profile and an experiment picks it up; the machine is described under meta."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from zsim import api
from zsim.calibrate.budget import TINY
from zsim.calibrate.groups import GROUPS, row_units
from zsim.calibrate.mapping import MAPPINGS
from zsim.calibrate.run import Calibration, run_calibration
from zsim.config.costs import load_cost_profile
from zsim.controls.base import cost_fields
from zsim.controls.registry import CONTROLS, control_names


@pytest.fixture(scope="module")
def cal() -> Calibration:
    return run_calibration(TINY, mode="tiny")


@pytest.fixture(scope="module")
def profile_path(cal: Calibration, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cal") / "costs.yaml"
    path.write_text(cal.to_yaml(), encoding="utf-8")
    return path


def test_every_row_is_measured_with_median_and_spread(cal: Calibration) -> None:
    assert list(cal.rows) == list(row_units())
    for row in cal.rows.values():
        assert row.measured, f"{row.name}: {row.note}"
        assert row.median is not None and row.median > 0, row.name
        assert row.iqr is not None and row.iqr >= 0
        assert row.p10 is not None and row.p90 is not None and row.p10 <= row.median <= row.p90
        assert row.n >= TINY.repeats or row.name.startswith(("x509", "jwt")), row.name
    assert not cal.skipped


def test_handshake_rows_count_one_sample_per_connection(cal: Calibration) -> None:
    for name in ("tls_full_handshake_cpu_s", "tls_resumed_handshake_cpu_s", "tls_full_handshakes_per_s"):
        assert cal.rows[name].n == TINY.handshakes
    assert "net of plain TCP" in cal.rows["tls_full_handshake_cpu_s"].note


def test_profile_holds_exactly_the_mapped_fields_from_the_medians(cal: Calibration, profile_path: Path) -> None:
    profile = load_cost_profile(profile_path)
    assert {f"{c}.{f}" for c, fields in profile.items() for f in fields} == {m.key for m in MAPPINGS}
    med = {name: row.median for name, row in cal.rows.items()}
    approx = lambda x: pytest.approx(x, rel=1e-3)  # noqa: E731 (4 significant figures in the file)
    assert profile["mtls"]["full_handshake_cpu_s"] == approx(med["tls_full_handshake_cpu_s"])
    assert profile["mtls"]["resumed_handshake_cpu_s"] == approx(med["tls_resumed_handshake_cpu_s"])
    assert profile["mtls"]["aes_gcm_Bps"] == approx(med["aes_256_gcm_16KiB_Bps"])
    assert profile["tokens"]["refresh_s"] == approx(med["x509_svid_issue_s"] + med["jwt_svid_validate_s"])
    assert profile["artifact_verification"]["sha256_per_core_Bps"] == approx(med["sha256_1MiB_Bps"])
    per_message = 1024 / med["aes_256_gcm_1KiB_Bps"] - 1024 / med["aes_256_gcm_1MiB_Bps"]
    assert profile["rdma_encryption"]["per_message_s"] == approx(max(0.0, per_message))
    # Cedar is preferred over the built-in engine for the in-process eval latency (a lognormal: median, p90)
    assert profile["authz"]["eval_latency"]["median"] == approx(med["cedar_decision_s"])
    assert profile["authz"]["eval_latency"]["p90"] > profile["authz"]["eval_latency"]["median"]
    assert cal.filled["authz.eval_latency"].startswith("cedar_decision_s")


def test_every_cost_field_is_either_calibrated_or_listed_as_not(cal: Calibration) -> None:
    everything = {f"{n}.{f}" for n in control_names() for f in cost_fields(CONTROLS[n].Params)}
    assert set(cal.filled) | set(cal.not_calibrated) == everything
    assert not set(cal.filled) & set(cal.not_calibrated)


def test_meta_records_machine_measurements_and_mapping(cal: Calibration, profile_path: Path) -> None:
    meta = yaml.safe_load(profile_path.read_text(encoding="utf-8"))["meta"]
    machine = meta["machine"]
    for key in ("cpu_model", "cores", "python", "python_ssl_openssl", "cryptography_openssl", "libraries"):
        assert machine[key], key
    assert machine["libraries"]["cryptography"] and machine["libraries"]["spiffe"]
    assert set(meta["measurements"]) == set(cal.rows)
    for entry in meta["measurements"].values():
        assert {"unit", "median", "iqr", "p10", "p90", "n"} <= set(entry)
    assert set(meta["mapping"]) == set(cal.filled)
    assert meta["not_calibrated"] == cal.not_calibrated


def test_an_experiment_uses_the_calibrated_profile(profile_path: Path, write_yaml) -> None:  # noqa: ANN001
    from tests.conftest import fleet_experiment

    exp_path = write_yaml("exp.yaml", {**fleet_experiment(), "costs": str(profile_path), "tiers": ["strict"]})
    controls = api.load(exp_path).tiers[0].controls
    profile = load_cost_profile(profile_path)
    assert controls.params("mtls").full_handshake_cpu_s == profile["mtls"]["full_handshake_cpu_s"]
    assert controls.params("tokens").validate_s == profile["tokens"]["validate_s"]
    assert controls.params("authz").eval_latency.median == profile["authz"]["eval_latency"]["median"]


def test_groups_name_their_rows_once() -> None:
    names = [name for g in GROUPS for name, _ in g.rows]
    assert len(names) == len(set(names))
    assert all(unit in ("s", "B/s", "1/s") for g in GROUPS for _, unit in g.rows)
    assert all(name.endswith({"s": "_s", "B/s": "_Bps", "1/s": "_per_s"}[unit]) for g in GROUPS
               for name, unit in g.rows)
