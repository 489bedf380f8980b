"""The whole pipeline (train → evaluate → register → deploy) against its closed form, the stage identities,
the experiment files, and the validation experiments against published.md."""

from __future__ import annotations

import math

import pytest

from tests.conftest import REPO
from tests.pipeline.helpers import context, controls, run
from zsim import api
from zsim.controls.artifact_verification import shard_makespan_s
from zsim.platform.network import NetworkSpec
from zsim.platform.registry import CheckpointStoreSpec, RegistrySpec

M = 140e9  # model
C = 7 * M  # checkpoint: 14 vs 2 bytes per parameter (published.md)
LINK = 12.5e9
REG = RegistrySpec(
    serving_bandwidth_Bps=1e12,
    ingest_bandwidth_Bps=10e9,
    per_pull_bandwidth_Bps=100e9,
    checkpoint_store=CheckpointStoreSpec(write_bandwidth_Bps=8e9, read_bandwidth_Bps=20e9),
)
CONFIG = {
    "model_bytes": M,
    "train": {"duration_s": 3600},
    "evaluate": {"duration_s": 600},
    "deploy": {"replicas": 4, "max_unavailable": 2, "drain_s": 30, "warmup_min_s": 19, "warmup_max_s": 19},
}


def _deploy_s() -> float:
    return 30 + M / LINK + M / 25e9 + 19


def test_end_to_end_time_without_controls_is_the_sum_of_stages() -> None:
    model = run(CONFIG, context(registry=REG, network=NetworkSpec(storage_bandwidth_Bps=LINK)))
    m = model.metrics()
    train = 3600 + C / 8e9  # checkpoint write: store (8 GB/s) slower than the node link
    evaluate = C / LINK + 600  # checkpoint read: the node link (12.5 GB/s) is the bottleneck
    register = M / 10e9  # push: registry ingest
    deploy = 2 * _deploy_s()  # 4 replicas, 2 at a time
    assert m["stage_train_time_s"] == pytest.approx(train, rel=1e-12)
    assert m["stage_evaluate_time_s"] == pytest.approx(evaluate, rel=1e-12)
    assert m["stage_register_time_s"] == pytest.approx(register, rel=1e-12)
    assert m["stage_deploy_time_s"] == pytest.approx(deploy, rel=1e-12)
    assert m["e2e_time_s"] == pytest.approx(train + evaluate + register + deploy, rel=1e-12)
    assert m["completed"] == 1
    assert m["verify_cpu_s"] == 0 and m["sign_cpu_s"] == 0


def test_verification_cpu_seconds_at_every_boundary() -> None:
    tier = controls(evaluate="signature", register="hash", deploy="signature", load="hash", cores=16)
    m = run(
        CONFIG, context(tier=tier, registry=REG, network=NetworkSpec(storage_bandwidth_Bps=LINK))
    ).metrics()
    r, sig, chain, sign = 2e9, 67e-6, 175e-6, 90e-6
    assert m["verify_cpu_evaluate_s"] == pytest.approx(C / r + sig + chain, rel=1e-12)
    assert m["verify_cpu_register_s"] == pytest.approx(M / r, rel=1e-12)
    assert m["verify_cpu_deploy_s"] == pytest.approx(4 * (M / r + sig + chain), rel=1e-12)
    assert m["verify_cpu_load_s"] == pytest.approx(4 * M / r, rel=1e-12)
    assert m["sign_cpu_s"] == pytest.approx((C / r + sign) + (M / r + sign), rel=1e-12)
    makespan, _ = shard_makespan_s(M, 1e9, 16, r)
    assert m["verify_wall_s"] == pytest.approx(makespan + sig + chain, rel=1e-12)
    assert m["verify_rate_Bps"] == pytest.approx(M / (makespan + sig + chain), rel=1e-12)
    assert m["sign_wall_s"] == pytest.approx(makespan + sign, rel=1e-12)


def test_stage_identities() -> None:
    model = run({**CONFIG, "trust_domain": "ml.example", "tenant": "acme"}, context(registry=REG))
    assert model.identities == {
        s: f"spiffe://ml.example/tenants/acme/pipeline/{s}" for s in ("train", "evaluate", "register", "deploy")
    }
    with pytest.raises(ValueError, match="trust domain"):
        run({**CONFIG, "trust_domain": "ML Example"}, context(registry=REG))


def test_artifact_verification_experiment_runs_and_follows_theory() -> None:
    out = api.run(REPO / "experiments" / "artifact-verification.yaml", write=False, workers=1)
    s = out.summary.set_index(["tier", "point", "metric"])["mean"]
    sizes = {p.label: p.workloads["pipeline"].model_bytes for p in out.experiment.points}  # type: ignore[attr-defined]
    assert min(sizes.values()) == 1e9 and max(sizes.values()) == 1e12
    for point, size in sizes.items():
        p50 = {t.name: s[(t.name, point, "pipeline.deploy_time_p50_s")] for t in out.experiment.tiers}
        makespan, tail = shard_makespan_s(size, 1e9, 16, 2e9)
        # paired (same warm-up draws): verification after the pull adds its makespan (+ signature terms)
        assert p50["hash"] - p50["none"] == pytest.approx(makespan, rel=1e-9)
        assert p50["signature"] - p50["none"] == pytest.approx(makespan + 67e-6 + 175e-6, rel=1e-9)
        # hashing as shards arrive leaves only the last shard (3.07 GB/s pulls are slower than 16 x 2 GB/s)
        assert p50["hash-overlap"] - p50["none"] == pytest.approx(tail, rel=1e-9)
        assert p50["signature-overlap"] <= p50["signature"]
        assert s[("none", point, "pipeline.completed")] == 1


@pytest.mark.parametrize("name", ["artifact-verify-rate.yaml", "artifact-falcon-7b.yaml"])
def test_validation_experiments_reproduce_published_within_tolerance(name: str) -> None:
    out = api.run(REPO / "experiments" / "validation" / name, write=False, workers=1)
    assert len(out.validation) >= 1
    for row in out.validation.itertuples():
        error = f"{row.error_pct:+.1f} %"
        print(f"{row.label}: predicted {row.predicted:.4g}, published {row.published:.4g}, {error}")
        assert not math.isnan(row.predicted)
        assert abs(row.error_pct) <= row.tolerance_pct, row.label
