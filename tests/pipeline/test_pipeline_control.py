"""The artifact_verification control: modes per boundary, the shard-makespan model, costs and sources."""

from __future__ import annotations

import heapq
import math

import pytest

from tests.pipeline.helpers import context, controls, run
from zsim.controls.artifact_verification import (
    BOUNDARIES,
    PRODUCERS,
    ArtifactVerification,
    ArtifactVerificationParams,
    shard_makespan_s,
)
from zsim.controls.base import cost_fields
from zsim.controls.registry import CONTROLS, build_params
from zsim.errors import InputError


def greedy_makespan(size: float, shard: float, cores: int, rate: float) -> float:
    """Reference: hand shards in order to whichever worker is free first (a thread pool), return the end."""
    pieces = [shard] * int(size // shard) + ([size - shard * int(size // shard)] if size % shard else [])
    free = [0.0] * cores
    end = 0.0
    for piece in pieces:
        t = heapq.heappop(free) + piece / rate
        end = max(end, t)
        heapq.heappush(free, t)
    return end


@pytest.mark.parametrize(
    ("size", "cores"),
    [
        (140e9, 16),
        (140e9, 7),
        (140e9, 140),
        (140.5e9, 16),
        (143.3e9, 16),
        (0.3e9, 4),
        (1e9, 1),
        (14e9, 48),
        (2**30, 2),
        (999.9e9, 32),
    ],
)
def test_shard_makespan_equals_greedy_thread_pool(size: float, cores: int) -> None:
    makespan, tail = shard_makespan_s(size, 1e9, cores, 2e9)
    assert makespan == pytest.approx(greedy_makespan(size, 1e9, cores, 2e9), rel=1e-12)
    rem = size - 1e9 * math.floor(size / 1e9)
    assert tail == pytest.approx((rem if rem > 0 else 1e9) / 2e9, rel=1e-12)


def test_defaults_mean_off() -> None:
    p = ArtifactVerificationParams()
    assert not p.active()
    control = ArtifactVerification(p)
    for boundary in (*BOUNDARIES, *PRODUCERS):
        assert control.artifact_verify(140e9, boundary) is None


def test_modes_and_producers() -> None:
    p = ArtifactVerificationParams(evaluate="hash", deploy="signature")
    assert p.mode("sign:checkpoint") == "hash"
    assert p.mode("sign:model") == "signature"  # strongest of register / deploy / load
    assert ArtifactVerificationParams(load="hash").mode("sign:model") == "hash"
    with pytest.raises(ValueError, match="unknown artifact boundary"):
        p.mode("train")
    # boundaries other controls own (training data, image admission) cost this control nothing
    assert ArtifactVerification(p).artifact_verify(1e9, "data") is None
    assert ArtifactVerification(p).artifact_verify(1e9, "admission") is None


def test_signature_extras_and_cpu() -> None:
    p = ArtifactVerificationParams(deploy="signature", cores=8, verify_fixed_s=0.6, sign_fixed_s=1.0)
    c = ArtifactVerification(p)
    size = 14e9
    makespan, _ = shard_makespan_s(size, 1e9, 8, 2e9)
    verify = c.artifact_verify(size, "deploy")
    sign = c.artifact_verify(size, "sign:model")
    assert verify is not None and sign is not None
    assert verify.wall_s == pytest.approx(makespan + 0.6 + p.signature_verify_s + p.chain_verify_s, rel=1e-12)
    assert sign.wall_s == pytest.approx(makespan + 1.0 + p.sign_s, rel=1e-12)
    # CPU-seconds do not depend on how many cores share the work
    assert verify.cpu_s == pytest.approx(size / 2e9 + p.signature_verify_s + p.chain_verify_s, rel=1e-12)
    wide = ArtifactVerification(ArtifactVerificationParams(deploy="signature", cores=64)).artifact_verify(
        size, "deploy"
    )
    assert wide is not None and wide.cpu_s == pytest.approx(
        size / 2e9 + p.signature_verify_s + p.chain_verify_s
    )


def test_overlap_splits_off_the_last_shard() -> None:
    c = ArtifactVerification(ArtifactVerificationParams(deploy="hash", cores=16, overlap=True))
    cost = c.artifact_verify(140e9, "deploy")
    makespan, tail = shard_makespan_s(140e9, 1e9, 16, 2e9)
    assert cost is not None
    assert cost.overlappable_wall_s == makespan - tail
    assert cost.wall_s == tail


def test_bad_settings_name_the_field() -> None:
    with pytest.raises(InputError) as err:
        build_params(
            "artifact_verification", {"deploy": "sha1"}, field="tiers[1].controls.artifact_verification"
        )
    assert err.value.field == "tiers[1].controls.artifact_verification.deploy"
    with pytest.raises(InputError, match="unknown key"):
        build_params("artifact_verification", {"boundary": "hash"})
    with pytest.raises(InputError):
        build_params("artifact_verification", {"cores": 0})


def test_cost_fields_cite_sources() -> None:
    fields = cost_fields(CONTROLS["artifact_verification"].Params)
    assert set(fields) >= {"sha256_per_core_Bps", "signature_verify_s", "chain_verify_s", "sign_s"}
    for name, source in fields.items():
        assert source, name


BASE = {
    "evaluate": "hash",
    "register": "signature",
    "deploy": "signature",
    "load": "hash",
    "cores": 4,
    "shard_bytes": 1e9,
}
CHANGES = {
    "evaluate": "signature",
    "register": "hash",
    "deploy": "hash",
    "load": "signature",
    "cores": 3,
    "shard_bytes": 0.4e9,
    "overlap": True,
    "sha256_per_core_Bps": 1e9,
    "signature_verify_s": 1e-3,
    "chain_verify_s": 1e-3,
    "sign_s": 1e-3,
    "verify_fixed_s": 0.5,
    "sign_fixed_s": 0.5,
}


def test_every_parameter_changes_a_metric() -> None:
    """DESIGN principle 1: a parameter nothing reads is a bug."""
    assert set(CHANGES) == set(ArtifactVerificationParams.model_fields)
    config = {
        "model_bytes": "10 GB",
        "train": {"duration_s": 10},
        "evaluate": {"duration_s": 10},
        "deploy": {"replicas": 2, "warmup_min_s": 1, "warmup_max_s": 1},
    }
    base = run(config, context(tier=controls(**BASE))).metrics()
    for name, value in CHANGES.items():
        changed = run(config, context(tier=controls(**{**BASE, name: value}))).metrics()
        differing = [
            k for k in base if not (base[k] == changed[k] or (math.isnan(base[k]) and math.isnan(changed[k])))
        ]
        assert differing, f"changing {name} changed no metric"
