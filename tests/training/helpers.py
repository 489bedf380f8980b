"""Helpers for the training tests: clusters built in code, jobs run on a plain simpy environment."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import simpy

from zsim.config.tiers import deep_merge
from zsim.config.topology import TopologyConfig
from zsim.controls.registry import ControlSet, build_params
from zsim.engine.workload import RunContext
from zsim.platform.fabric import ClusterSpec
from zsim.platform.training import TrainingJob
from zsim.platform.training_config import TrainingConfig
from zsim.rng import SeedTree

merge = deep_merge


def cluster(nodes: int, gpus: int, **over: Any) -> ClusterSpec:
    return ClusterSpec.model_validate(merge({"nodes": nodes, "gpus_per_node": gpus}, over))


# Every rate, latency and size a power of two, so that float sums are exact and the closed form and the
# chunk-level simulation can be compared with ==.
DYADIC: dict[str, Any] = {
    "nvlink": {"bandwidth_Bps": 2.0**34, "efficiency": 0.5},
    "infiniband": {
        "line_rate_Bps": 2.0**32,
        "efficiency": 1.0,
        "step_latency_s": 2.0**-17,
        "switch_latency_s": 2.0**-20,
        "message_bytes": 2.0**16,
        "switch_radix": 4,
    },
    "nccl": {
        "nvlink_step_latency_s": {"ll": 2.0**-20, "ll128": 2.0**-19, "simple": 2.0**-18},
        "net_step_latency_s": {"ll": 2.0**-18, "ll128": 2.0**-17, "simple": 2.0**-16},
        "protocol_efficiency": {"ll": 0.5, "ll128": 1.0, "simple": 1.0},
        "launch_s": 2.0**-16,
        "gamma_s_per_byte": 2.0**-36,
        "tree_chunk_bytes": 2.0**16,
    },
}


def dyadic_cluster(nodes: int, gpus: int, **over: Any) -> ClusterSpec:
    return cluster(nodes, gpus, **merge(DYADIC, over))


def controls(**settings: Mapping[str, Any]) -> ControlSet:
    return ControlSet("t", {name: build_params(name, dict(s)) for name, s in settings.items()})


def run_job(
    spec: ClusterSpec,
    config: Mapping[str, Any],
    ctl: ControlSet | None = None,
    seed: int = 1,
    replication: int = 0,
) -> tuple[TrainingJob, dict[str, float]]:
    topo = TopologyConfig(name="test", cluster=spec)
    ctx = RunContext(topology=topo, controls=ctl or controls(), seeds=SeedTree(seed).replication(replication))
    job = TrainingJob(TrainingConfig.model_validate(dict(config)), ctx)
    job.check(topo)
    env = simpy.Environment()
    job.start(env)
    env.run()
    return job, job.metrics()
