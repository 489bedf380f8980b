"""Fleet speed: requests/s with per-request remote authorization and strict mTLS on, as a ratio against a
plain simpy model of the same M/M/c fleet (one process per request on a simpy ``Resource``), both measured here.
Target (issue 2): >= 25x. The two agree statistically: the kernel's mean wait matches simpy's on the same
variates, and both match Erlang C."""

from __future__ import annotations

import numpy as np
import simpy

from benchmarks.conftest import best_rate
from zsim.analysis.queueing import mmc_mean_wait_s
from zsim.config.tiers import catalog, resolve_tier
from zsim.config.topology import TopologyConfig
from zsim.engine.workload import RunContext
from zsim.platform.fleet import InferenceConfig, InferenceFleet
from zsim.platform.fleet_simpy import simulate_simpy
from zsim.rng import SeedTree

SERVERS = 64
RHO = 0.8
N_SIMPY = 60_000
N_FLEET = 1_000_000


def _strict_fleet(n: int, rep: int) -> InferenceFleet:
    cfg = InferenceConfig.model_validate({
        "replicas": SERVERS, "balancer": "shared_queue",
        "arrivals": {"kind": "poisson", "rate_per_s": RHO * SERVERS},
        "service": {"kind": "exponential", "mean_s": 1.0}, "horizon": {"requests": n, "warmup_requests": n // 20},
    })
    strict = catalog()["strict"]
    controls = resolve_tier(strict)
    assert controls["mtls"].enabled and controls["authz"].enabled
    return InferenceFleet(cfg, RunContext(TopologyConfig(name="bench"), controls, SeedTree(5).replication(rep)))


def _run_fleet(n: int, rep: int = 0) -> InferenceFleet:
    model = _strict_fleet(n, rep)
    env = simpy.Environment()
    model.start(env)
    env.run()
    return model


def test_fleet_vs_plain_simpy(benchmark) -> None:
    rng = np.random.default_rng(3)
    arrival = np.cumsum(rng.exponential(1 / (RHO * SERVERS), N_SIMPY))
    service = rng.exponential(1.0, N_SIMPY)

    def simpy_run() -> int:
        simulate_simpy(arrival, service, None, 1, SERVERS)
        return N_SIMPY

    _run_fleet(10_000)  # compile and warm the kernels outside the timing
    simpy_rate = best_rate(simpy_run, rounds=2)
    fleet_rate = N_FLEET / benchmark.pedantic(lambda: _time_fleet(), rounds=3, iterations=1)
    ratio = fleet_rate / simpy_rate
    benchmark.extra_info.update(simpy_requests_per_s=simpy_rate, fleet_requests_per_s=fleet_rate, ratio=ratio)
    print(f"\nfleet {fleet_rate:,.0f} req/s vs plain simpy {simpy_rate:,.0f} req/s: {ratio:.1f}x")
    assert ratio >= 25

    # statistical agreement with theory (and hence with simpy, which test_kernel_vs_simpy checks exactly)
    wait = _run_fleet(N_FLEET, rep=1).metrics()["queue_wait_mean_s"]
    theory = mmc_mean_wait_s(SERVERS, RHO * SERVERS, 1.0)
    assert abs(wait - theory) < 0.1 * theory + 2e-3


def _time_fleet() -> float:
    import time

    t0 = time.perf_counter()
    _run_fleet(N_FLEET).metrics()
    return time.perf_counter() - t0
