"""Deploy time of a 140 GB model equals the closed form, exactly (same float operations, no tolerance).

Closed form for one replica updated alone (docs/pipeline.md, "Deploy time"):

    no overlap:  drain + S/B + (M + sigma)                     + S/L + W
    overlap:     drain + max(S/B, M - tau) + (tau + sigma)     + S/L + W

S size, B pull rate = min(serving bandwidth, per-pull cap, node link), M = ceil(S/shard / cores) * shard / r
(shards hashed in waves over the cores at r per core), tau = shard / r (the last shard), sigma = signature
verify + chain check (0 for hash), L load bandwidth, W warm-up.
"""

from __future__ import annotations

import math

import pytest

from tests.pipeline.helpers import context, controls, run
from zsim.controls.base import Plane
from zsim.controls.registry import ControlSet, build_params
from zsim.platform.network import NetworkSpec
from zsim.platform.pipeline_config import DeploySpec
from zsim.platform.registry import RegistrySpec
from zsim.platform.rollout import isolated_deploy

S = 140e9  # 70B parameters in bf16 (published.md: checkpoint bytes per parameter)
NODE_LINK = 100e9 / 8  # 12.5 GB/s storage link per node
SHARD = 1e9
R_CORE = 2e9  # SHA-256 per core (published.md Artifacts)
SIGMA = 67e-6 + 175e-6  # ES256 verify + chain check (published.md rows)
DRAIN, LOAD, WARMUP = 30.0, 25e9, 19.0
REGISTRY = RegistrySpec(serving_bandwidth_Bps=50e9, per_pull_bandwidth_Bps=40e9, max_concurrent_pulls=4)
DEPLOY = DeploySpec(
    replicas=1, drain_s=DRAIN, load_bandwidth_Bps=LOAD, warmup_min_s=WARMUP, warmup_max_s=WARMUP
)


def closed_form(mode: str, overlap: bool, cores: int, load_mode: str = "none") -> float:
    download = S / min(REGISTRY.serving_bandwidth_Bps, REGISTRY.per_pull_bandwidth_Bps, NODE_LINK)
    makespan = math.ceil(S / SHARD / cores) * SHARD / R_CORE
    tau = SHARD / R_CORE
    sigma = SIGMA if mode == "signature" else 0.0
    if mode == "none":
        pull_and_check = download
    elif overlap:
        pull_and_check = max(download, makespan - tau) + (tau + sigma)
    else:
        pull_and_check = download + (makespan + sigma)
    t = DRAIN + pull_and_check
    if load_mode != "none":
        load_sigma = SIGMA if load_mode == "signature" else 0.0
        t = t + (makespan + load_sigma)  # nothing to hide behind: the bytes are on local disk
    return t + S / LOAD + WARMUP


CASES = [
    ("none", False, 16),
    ("hash", False, 16),
    ("signature", False, 16),
    ("hash", True, 16),  # download-bound: 16 cores x 2 GB/s > 12.5 GB/s
    ("signature", True, 16),
    ("signature", True, 4),  # hash-bound: 4 x 2 GB/s < 12.5 GB/s
    ("signature", False, 48),
]


@pytest.mark.parametrize(("mode", "overlap", "cores"), CASES)
def test_140gb_single_replica_matches_closed_form_exactly(mode: str, overlap: bool, cores: int) -> None:
    tier = controls(deploy=mode, cores=cores, overlap=overlap) if mode != "none" else controls()
    rec, ledger = isolated_deploy(REGISTRY, tier, DEPLOY, S, NODE_LINK, WARMUP)
    assert rec.deploy_s == closed_form(mode, overlap, cores)
    expected_cpu = 0.0 if mode == "none" else S / R_CORE + (SIGMA if mode == "signature" else 0.0)
    assert sum(ledger.verify_cpu_s.values()) == pytest.approx(expected_cpu, rel=1e-12)


@pytest.mark.parametrize("overlap", [False, True])
def test_pipeline_workload_deploy_time_matches_closed_form_exactly(overlap: bool) -> None:
    """The same case through the registered workload (stages: [deploy], rollout starting at t = 0)."""
    ctx = context(
        tier=controls(deploy="signature", cores=16, overlap=overlap),
        registry=REGISTRY,
        network=NetworkSpec(storage_bandwidth_Bps=NODE_LINK),
    )
    model = run({"model_bytes": S, "stages": ["deploy"], "deploy": DEPLOY.model_dump()}, ctx)
    m = model.metrics()
    assert m["deploy_time_p50_s"] == closed_form("signature", overlap, 16)
    assert m["deploy_time_p95_s"] == closed_form("signature", overlap, 16)
    assert m["e2e_time_s"] == closed_form("signature", overlap, 16)
    assert m["capacity_lost_replica_s"] == closed_form("signature", overlap, 16)


def test_load_boundary_check_is_serial() -> None:
    tier = controls(deploy="hash", load="signature", cores=16, overlap=True)
    rec, _ = isolated_deploy(REGISTRY, tier, DEPLOY, S, NODE_LINK, WARMUP)
    assert rec.deploy_s == closed_form("hash", True, 16, load_mode="signature")


def test_overlap_never_slower_and_hides_all_but_the_last_shard() -> None:
    for cores in (1, 2, 4, 8, 16, 48):
        plain, _ = isolated_deploy(
            REGISTRY, controls(deploy="hash", cores=cores), DEPLOY, S, NODE_LINK, WARMUP
        )
        over, _ = isolated_deploy(
            REGISTRY, controls(deploy="hash", cores=cores, overlap=True), DEPLOY, S, NODE_LINK, WARMUP
        )
        assert over.deploy_s <= plain.deploy_s
        if cores * R_CORE >= NODE_LINK:  # hashing keeps up: only the last shard's hash is exposed
            assert over.verify_exposed_s == pytest.approx(SHARD / R_CORE, rel=1e-12)


def test_transfer_hooks_of_other_controls_apply_to_the_pull() -> None:
    """mTLS on the storage plane caps the pull at its AES-GCM rate and adds a handshake before the bytes."""
    mtls = build_params("mtls", {"mode": "strict"})
    tier = ControlSet("mtls", {"mtls": mtls})
    rtt = 2 * NetworkSpec().hop_latency_s
    rec, ledger = isolated_deploy(REGISTRY, tier, DEPLOY, S, NODE_LINK, WARMUP, rtt_s=rtt)
    cost = tier["mtls"].transfer(Plane.STORAGE, S, math.ceil(S / REGISTRY.chunk_bytes))
    assert cost is not None and cost.rate_cap_Bps is not None and cost.rate_cap_Bps < NODE_LINK
    setup = cost.setup_s + cost.setup_rtts * rtt
    expected = DRAIN + setup + S / cost.rate_cap_Bps + S / LOAD + WARMUP
    assert rec.deploy_s == pytest.approx(expected, rel=1e-12)
    assert ledger.transfer_cpu_s == pytest.approx(cost.cpu_s_per_byte * S, rel=1e-12)
