"""The rolling update: width, capacity lost, the unavailability intervals the fleet reads, replica count."""

from __future__ import annotations

import math

import numpy as np
import pytest
import simpy

from tests.pipeline.helpers import context, controls, run
from zsim.engine.workload import RunContext
from zsim.errors import InputError
from zsim.platform.fleet import InferenceConfig, InferenceFleet
from zsim.platform.network import NetworkSpec
from zsim.platform.pipeline import Pipeline
from zsim.platform.pipeline_config import PipelineConfig
from zsim.platform.registry import RegistrySpec
from zsim.platform.rollout import max_concurrent

S = 20e9
LINK = 12.5e9
AMPLE = RegistrySpec(serving_bandwidth_Bps=1e12, per_pull_bandwidth_Bps=100e9, max_concurrent_pulls=64)
DEPLOY = {"drain_s": 15, "load_bandwidth_Bps": 20e9, "warmup_min_s": 19, "warmup_max_s": 19}
T_REPLICA = 15 + S / LINK + S / 20e9 + 19  # drain + pull + load + warm-up, no contention


def _ctx(**kw: object) -> RunContext:
    return context(registry=AMPLE, network=NetworkSpec(storage_bandwidth_Bps=LINK), **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(("replicas", "width"), [(8, 1), (8, 3), (8, 8), (5, 2)])
def test_capacity_lost_and_width_match_closed_form(replicas: int, width: int) -> None:
    model = run(
        {
            "model_bytes": S,
            "stages": ["deploy"],
            "deploy": {"replicas": replicas, "max_unavailable": width, **DEPLOY},
        },
        _ctx(),
    )
    m = model.metrics()
    assert m["capacity_lost_replica_s"] == pytest.approx(replicas * T_REPLICA, rel=1e-12)
    assert m["rollout_time_s"] == pytest.approx(math.ceil(replicas / width) * T_REPLICA, rel=1e-12)
    assert m["replicas_unavailable_max"] == min(width, replicas)
    assert m["replicas_updated"] == replicas
    downs = sorted(model.unavailability, key=lambda iv: iv[0])
    for i, (replica, down, up) in enumerate(downs):
        assert replica == i
        assert down == pytest.approx((i // width) * T_REPLICA, rel=1e-12, abs=1e-9)
        assert up - down == pytest.approx(T_REPLICA, rel=1e-12)


def test_intervals_are_published_while_replicas_are_down() -> None:
    config = PipelineConfig.model_validate(
        {"model_bytes": S, "stages": ["deploy"], "deploy": {"replicas": 4, "max_unavailable": 2, **DEPLOY}}
    )
    ctx = _ctx()
    model = Pipeline(config, ctx)
    env = simpy.Environment()
    model.start(env)
    env.run(until=T_REPLICA / 2)
    assert [(r, d) for r, d, _ in model.unavailability] == [(0, 0.0), (1, 0.0)]
    assert all(math.isinf(u) for _, _, u in model.unavailability)  # down until at least "now"
    env.run()
    assert all(math.isfinite(u) for _, _, u in model.unavailability)
    assert max_concurrent(model.unavailability) == 2


def test_warmup_draws_set_the_spread_and_are_common_across_tiers() -> None:
    """p50/p95 across replicas follow the warm-up draws; a control shifts every replica by the same time."""
    deploy = {**DEPLOY, "replicas": 40, "max_unavailable": 4, "warmup_min_s": 17, "warmup_max_s": 21}
    config = {"model_bytes": S, "stages": ["deploy"], "deploy": deploy}
    off = run(config, _ctx())
    on = run(config, _ctx(tier=controls(deploy="hash", cores=8)))
    warm = off.warmup_s
    assert np.all((warm >= 17) & (warm <= 21)) and np.ptp(warm) > 0
    assert np.array_equal(warm, on.warmup_s)  # the verification control does not move the draws
    fixed = 15 + S / LINK + S / 20e9
    m = off.metrics()
    assert m["deploy_time_p50_s"] == pytest.approx(fixed + np.percentile(warm, 50), rel=1e-12)
    assert m["deploy_time_p95_s"] == pytest.approx(fixed + np.percentile(warm, 95), rel=1e-12)
    hash_s = math.ceil(S / 1e9 / 8) * 1e9 / 2e9
    d_on = {u.replica: u.deploy_s for u in on.rollout.updates}  # type: ignore[union-attr]
    d_off = {u.replica: u.deploy_s for u in off.rollout.updates}  # type: ignore[union-attr]
    assert all(d_on[i] - d_off[i] == pytest.approx(hash_s, rel=1e-9) for i in range(40))
    assert on.metrics()["verify_cpu_s"] == pytest.approx(40 * S / 2e9, rel=1e-12)


def _fleet(ctx: RunContext, replicas: int) -> InferenceFleet:
    config = InferenceConfig.model_validate(
        {
            "replicas": replicas,
            "slots": 1,
            "balancer": "least_outstanding",
            "arrivals": {"kind": "poisson", "rate_per_s": 2.0},
            "service": {"kind": "exponential", "mean_s": 1.0},
            "horizon": {"duration_s": 600},
        }
    )
    return InferenceFleet(config, ctx)


def test_rollout_updates_the_fleet_it_finds_and_the_fleet_sees_the_intervals() -> None:
    ctx = _ctx()
    fleet = _fleet(ctx, 6)
    model = run(
        {
            "model_bytes": S,
            "stages": ["deploy"],
            "start_at_s": 100,
            "deploy": {"max_unavailable": 2, **DEPLOY},
        },
        ctx,
        {"inference": fleet},
    )
    assert model.metrics()["replicas_updated"] == 6
    assert fleet.unavailability == model.unavailability
    assert [iv[1] for iv in sorted(fleet.unavailability)][:2] == [100.0, 100.0]
    assert "latency_p99_s" in fleet.metrics()


def test_replica_count_must_agree_with_the_fleet() -> None:
    ctx = _ctx()
    with pytest.raises(InputError) as err:
        run(
            {"model_bytes": S, "stages": ["deploy"], "deploy": {"replicas": 3}},
            ctx,
            {"inference": _fleet(ctx, 6)},
        )
    assert err.value.field == "workloads.pipeline.deploy.replicas"
    with pytest.raises(InputError, match="set deploy.replicas"):
        run({"model_bytes": S, "stages": ["deploy"]}, _ctx())


def test_stages_must_be_in_order() -> None:
    with pytest.raises(ValueError, match="pipeline order"):
        PipelineConfig.model_validate({"model_bytes": S, "stages": ["deploy", "train"]})
