"""The fleet against queueing theory: Erlang C for M/M/1 (random routing) and M/M/c (shared queue), and
Little's law. Tolerance: max(3 x the 95 % CI half-width over replications, 2 % of the theory value)."""

from __future__ import annotations

import pytest

from tests.conftest import fleet_experiment
from zsim import api
from zsim.analysis.queueing import erlang_c, mmc_mean_wait_s

REPS = 8


def _run(write_yaml, **inference):
    data = fleet_experiment(**inference)
    data["replications"] = REPS
    return api.run(api.load(write_yaml("exp.yaml", data)), write=False, workers=1)


def _row(out, metric: str):
    return out.summary[out.summary["metric"] == f"inference.{metric}"].iloc[0]


def test_erlang_c_known_values() -> None:
    # M/M/1: P(wait) = rho; M/M/2 at a = 1: C = 1/3 (textbook value)
    assert erlang_c(1, 0.7) == pytest.approx(0.7)
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3)


@pytest.mark.parametrize("rho", [0.5, 0.8])
def test_random_routing_is_mm1_per_replica(write_yaml, rho: float) -> None:
    replicas, mean_s = 4, 1.0
    rate = rho * replicas / mean_s
    out = _run(write_yaml, replicas=replicas, balancer="random", arrivals={"kind": "poisson", "rate_per_s": rate},
               horizon={"requests": 120_000, "warmup_requests": 5_000})
    theory = mmc_mean_wait_s(1, rate / replicas, 1 / mean_s)
    row = _row(out, "queue_wait_mean_s")
    tol = max(3 * (row["ci_high"] - row["ci_low"]) / 2, 0.02 * theory)
    assert abs(row["mean"] - theory) <= tol, (row["mean"], theory, tol)


@pytest.mark.parametrize("rho", [0.5, 0.8])
def test_shared_queue_is_mmc(write_yaml, rho: float) -> None:
    servers, mean_s = 8, 1.0
    rate = rho * servers / mean_s
    out = _run(write_yaml, replicas=servers, balancer="shared_queue",
               arrivals={"kind": "poisson", "rate_per_s": rate},
               horizon={"requests": 150_000, "warmup_requests": 5_000})
    theory = mmc_mean_wait_s(servers, rate, 1 / mean_s)
    row = _row(out, "queue_wait_mean_s")
    tol = max(3 * (row["ci_high"] - row["ci_low"]) / 2, 0.02 * theory)
    assert abs(row["mean"] - theory) <= tol, (row["mean"], theory, tol)


def test_littles_law(write_yaml) -> None:
    """L = lambda W: the time-average number in the system (from arrival and completion events) equals the
    measured arrival rate times the mean time in system, within 1 %."""
    out = _run(write_yaml, replicas=8, slots=2, balancer="least_outstanding",
               arrivals={"kind": "poisson", "rate_per_s": 12.0},
               horizon={"duration_s": 20_000, "warmup_s": 500})
    for rep in range(REPS):
        rec = out.records[out.records["replication"] == rep].set_index("metric")["value"]
        lam = rec["inference.arrival_rate_rps"]
        w = rec["inference.latency_mean_s"]
        l_measured = rec["inference.mean_in_system"]
        assert l_measured == pytest.approx(lam * w, rel=0.01)
