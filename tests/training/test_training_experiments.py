"""The experiment files: nccl-tests validation rows reproduce the published figures within their tolerance,
and the RDMA-encryption experiment shows both encrypted tiers slower than the reference on the same draws."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import REPO
from zsim.config.experiment import load_experiment
from zsim.engine.run import simulate
from zsim.runner.spec import RunSpec

VALIDATION = sorted((REPO / "experiments" / "validation").glob("nccl-*.yaml"))


def _run(path: Path, tier: str, replication: int = 0) -> dict[str, float]:
    exp = load_experiment(path)
    spec = RunSpec(exp.config.name, tier, "", replication, exp.config.seed)
    return simulate(exp, spec).metrics


def test_the_four_issue_rows_have_experiments() -> None:
    names = {p.stem for p in VALIDATION}
    assert {
        "nccl-h100-8gpu-ring",
        "nccl-ndr-one-nic",
        "nccl-h100-4x8-8ndr",
        "nccl-128gpu-4kib-latency",
    } <= names


@pytest.mark.parametrize("path", VALIDATION, ids=lambda p: p.stem)
def test_validation_rows_within_tolerance(path: Path) -> None:
    exp = load_experiment(path)
    assert exp.config.validation, "a validation experiment must cite at least one published row"
    for row in exp.config.validation:
        got = _run(path, row.tier or exp.reference_tier)[row.metric]
        error_pct = 100 * (got - row.published) / row.published
        assert abs(error_pct) <= row.tolerance_pct, f"{row.label}: {got:.4g} vs {row.published:.4g}"


def test_rdma_encryption_experiment() -> None:
    path = REPO / "experiments" / "rdma-encryption.yaml"
    exp = load_experiment(path)
    assert [t.name for t in exp.tiers] == ["none", "rdma-software", "rdma-offload"]
    base = _run(path, "none")
    for tier in ("rdma-software", "rdma-offload"):
        got = _run(path, tier)
        assert got["training.step_time_s"] > base["training.step_time_s"]
        assert got["nccl.busbw_Bps"] < base["nccl.busbw_Bps"]
        assert got["training.compute_time_s"] == base["training.compute_time_s"]  # common random numbers


def test_training_credentials_experiment() -> None:
    """Static 1 h credential: checkpoints ending after the first hour of the job fail; rotation saves them."""
    path = REPO / "experiments" / "training-credentials.yaml"
    base = _run(path, "none")
    rotated = _run(path, "rotation")
    full = _run(path, "rotation-attested-mtls")
    assert base["training.checkpoints_failed"] > 0
    assert rotated["training.checkpoints_failed"] == 0 == full["training.checkpoints_failed"]
    assert rotated["training.token_refreshes"] > 0
    assert full["training.startup_s"] > base["training.startup_s"]
    assert full["training.checkpoint_time_s"] > base["training.checkpoint_time_s"]
