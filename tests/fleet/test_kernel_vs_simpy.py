"""The compiled kernels give the same start and departure times as plain simpy on the same variates."""

from __future__ import annotations

import numpy as np
import pytest

from zsim.platform import queue_kernels as qk
from zsim.platform.fleet_simpy import simulate_simpy
from zsim.rng import SeedTree

NO_DOWNTIME = (np.empty(0), np.empty(0), np.empty(0, dtype=np.int64))


def _draws(n: int, rate: float, mean_s: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    seeds = SeedTree(7).replication(0)
    arrival = np.cumsum(seeds.stream("a").exponential(1 / rate, n))
    service = seeds.stream("s").exponential(mean_s, n)
    u = seeds.stream("u").random(n)
    return arrival, service, u


@pytest.mark.parametrize("servers", [1, 3, 16])
def test_shared_queue_matches_simpy(servers: int) -> None:
    arrival, service, u = _draws(20_000, rate=0.8 * servers, mean_s=1.0)
    _, start, dep = qk.dispatch(arrival, service, u, servers, 1, qk.POLICY_SHARED_QUEUE, *NO_DOWNTIME)
    ref_start, ref_dep = simulate_simpy(arrival, service, None, 1, servers)
    np.testing.assert_allclose(start, ref_start, rtol=0, atol=1e-9)
    np.testing.assert_allclose(dep, ref_dep, rtol=0, atol=1e-9)


@pytest.mark.parametrize("policy", [qk.POLICY_RANDOM, qk.POLICY_ROUND_ROBIN, qk.POLICY_LEAST_OUTSTANDING,
                                    qk.POLICY_P2C])
def test_routed_replicas_match_simpy(policy: int) -> None:
    replicas, slots = 6, 2
    arrival, service, u = _draws(20_000, rate=0.75 * replicas * slots, mean_s=1.0)
    replica, start, dep = qk.dispatch(arrival, service, u, replicas, slots, policy, *NO_DOWNTIME)
    ref_start, ref_dep = simulate_simpy(arrival, service, replica, replicas, slots)
    np.testing.assert_allclose(start, ref_start, rtol=0, atol=1e-9)
    np.testing.assert_allclose(dep, ref_dep, rtol=0, atol=1e-9)


def test_fcfs_station_matches_simpy() -> None:
    arrival, service, _ = _draws(20_000, rate=3.6, mean_s=1.0)
    start, dep = qk.fcfs_station(arrival, service, 4)
    ref_start, ref_dep = simulate_simpy(arrival, service, None, 1, 4)
    np.testing.assert_allclose(start, ref_start, rtol=0, atol=1e-9)
    np.testing.assert_allclose(dep, ref_dep, rtol=0, atol=1e-9)


def test_least_outstanding_balances_better_than_random() -> None:
    """JSQ-style routing waits less than random routing on the same draws (a known queueing result)."""
    arrival, service, u = _draws(50_000, rate=0.85 * 8, mean_s=1.0)
    waits = {}
    for policy in (qk.POLICY_RANDOM, qk.POLICY_LEAST_OUTSTANDING):
        _, start, _ = qk.dispatch(arrival, service, u, 8, 1, policy, *NO_DOWNTIME)
        waits[policy] = float((start - arrival).mean())
    assert waits[qk.POLICY_LEAST_OUTSTANDING] < 0.5 * waits[qk.POLICY_RANDOM]


def test_unavailable_replica_gets_no_new_requests() -> None:
    arrival, service, u = _draws(5_000, rate=2.0, mean_s=1.0)
    down, up = np.array([100.0]), np.array([600.0])
    owner = np.array([2], dtype=np.int64)
    for policy in (qk.POLICY_RANDOM, qk.POLICY_ROUND_ROBIN, qk.POLICY_LEAST_OUTSTANDING, qk.POLICY_P2C):
        replica, _, _ = qk.dispatch(arrival, service, u, 4, 1, policy, down, up, owner)
        inside = (arrival >= 100.0) & (arrival < 600.0)
        assert not np.any(replica[inside] == 2)
        assert np.any(replica[~inside] == 2)


def test_all_replicas_down_requests_wait_for_the_first_back() -> None:
    arrival = np.array([1.0, 2.0, 3.0])
    service = np.array([0.5, 0.5, 0.5])
    down = np.array([0.0, 0.0])
    up = np.array([10.0, 20.0])
    owner = np.array([0, 1], dtype=np.int64)
    replica, start, _ = qk.dispatch(arrival, service, np.zeros(3), 2, 1, qk.POLICY_RANDOM, down, up, owner)
    assert list(replica) == [0, 0, 0]
    np.testing.assert_allclose(start, [10.0, 10.5, 11.0])
