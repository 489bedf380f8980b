"""Invariants of the dispatch kernel for any input (Hypothesis): conservation, causality, capacity, FCFS."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from zsim.platform import queue_kernels as qk

POLICIES = [qk.POLICY_RANDOM, qk.POLICY_ROUND_ROBIN, qk.POLICY_LEAST_OUTSTANDING, qk.POLICY_P2C,
            qk.POLICY_SHARED_QUEUE]


@st.composite
def workloads(draw):  # type: ignore[no-untyped-def]
    n = draw(st.integers(1, 60))
    gaps = draw(st.lists(st.floats(0.0, 5.0), min_size=n, max_size=n))
    service = draw(st.lists(st.floats(0.001, 10.0), min_size=n, max_size=n))
    u = draw(st.lists(st.floats(0.0, 0.999999), min_size=n, max_size=n))
    return np.cumsum(gaps), np.array(service), np.array(u)


@settings(max_examples=150, deadline=None)
@given(workloads(), st.integers(1, 5), st.integers(1, 3), st.sampled_from(POLICIES))
def test_dispatch_invariants(load, replicas: int, slots: int, policy: int) -> None:
    arrival, service, u = load
    none = (np.empty(0), np.empty(0), np.empty(0, dtype=np.int64))
    replica, start, dep = qk.dispatch(arrival, service, u, replicas, slots, policy, *none)
    assert np.all((replica >= 0) & (replica < replicas))
    assert np.all(start >= arrival - 1e-12)  # no service before arrival
    np.testing.assert_allclose(dep - start, service)  # service is exactly the drawn time
    # at any instant no replica serves more than `slots` requests (shared queue: all slots together)
    groups = [np.arange(arrival.size)] if policy == qk.POLICY_SHARED_QUEUE else \
        [np.flatnonzero(replica == r) for r in range(replicas)]
    cap = replicas * slots if policy == qk.POLICY_SHARED_QUEUE else slots
    for idx in groups:
        for t in start[idx]:
            busy = np.sum((start[idx] <= t) & (dep[idx] > t))
            assert busy <= cap
        # FCFS: within a queue, service starts in arrival order
        assert np.all(np.diff(start[idx]) >= -1e-12)
    # work conservation: a request waits only while its queue is full
    for i in range(arrival.size):
        if start[i] > arrival[i] + 1e-9:
            idx = groups[0] if policy == qk.POLICY_SHARED_QUEUE else np.flatnonzero(replica == replica[i])
            t = arrival[i]
            busy = np.sum((start[idx] <= t) & (dep[idx] > t))
            assert busy >= cap
