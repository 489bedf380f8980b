"""Compiled queueing kernels for the inference fleet (numba).

DESIGN principle 4: simpy gives the timeline; high-volume request streams go through kernel code that is
checked against a plain simpy model of the same queue (``tests/fleet/test_kernel_vs_simpy.py``). Each kernel is
a sequential scan over requests sorted by arrival, so results are bit-identical for the same inputs.

Routing policies (``POLICY_*``):

* random — each request picks a uniformly random available replica (``u`` is its uniform draw);
* round robin — the next available replica in turn;
* least outstanding — the available replica with the fewest requests queued or in service; ties are broken by
  scanning from a position drawn from ``u``, so no replica is favoured;
* power of two choices — Envoy's LEAST_REQUEST default: two random available replicas, the less loaded wins;
* shared queue — one FCFS queue feeding every slot of every replica (M/M/c when service is exponential).
"""

from __future__ import annotations

import numba
import numpy as np

POLICY_RANDOM = 0
POLICY_ROUND_ROBIN = 1
POLICY_LEAST_OUTSTANDING = 2
POLICY_P2C = 3
POLICY_SHARED_QUEUE = 4


@numba.njit(cache=True, inline="always")
def _sift_up(keys: np.ndarray, vals: np.ndarray, i: int) -> None:
    while i > 0:
        parent = (i - 1) >> 1
        if keys[parent] <= keys[i]:
            break
        keys[parent], keys[i] = keys[i], keys[parent]
        vals[parent], vals[i] = vals[i], vals[parent]
        i = parent


@numba.njit(cache=True, inline="always")
def _sift_down(keys: np.ndarray, vals: np.ndarray, size: int, i: int) -> None:
    while True:
        left = 2 * i + 1
        if left >= size:
            break
        child = left
        right = left + 1
        if right < size and keys[right] < keys[left]:
            child = right
        if keys[i] <= keys[child]:
            break
        keys[child], keys[i] = keys[i], keys[child]
        vals[child], vals[i] = vals[i], vals[child]
        i = child


@numba.njit(cache=True)
def fcfs_station(arrival_s: np.ndarray, service_s: np.ndarray, servers: int) -> tuple[np.ndarray, np.ndarray]:
    """FCFS queue with ``servers`` identical servers; arrivals sorted. Returns (start_s, departure_s)."""
    n = arrival_s.shape[0]
    free = np.zeros(servers)  # a min-heap of the times each server becomes free
    idx = np.zeros(servers, dtype=np.int64)
    start = np.empty(n)
    dep = np.empty(n)
    for i in range(n):
        t = arrival_s[i]
        s = free[0] if free[0] > t else t
        start[i] = s
        d = s + service_s[i]
        dep[i] = d
        free[0] = d
        _sift_down(free, idx, servers, 0)
    return start, dep


@numba.njit(cache=True)
def _available(r: int, t: float, down: np.ndarray, up: np.ndarray, owner: np.ndarray) -> bool:
    for j in range(owner.shape[0]):  # noqa: SIM110 (numba compiles loops, not generator expressions)
        if owner[j] == r and down[j] <= t < up[j]:
            return False
    return True


@numba.njit(cache=True)
def _next_up(r: int, t: float, down: np.ndarray, up: np.ndarray, owner: np.ndarray) -> float:
    best = t
    for j in range(owner.shape[0]):
        if owner[j] == r and down[j] <= best < up[j]:
            best = up[j]
    return best


@numba.njit(cache=True)
def dispatch(
    arrival_s: np.ndarray,
    service_s: np.ndarray,
    u: np.ndarray,
    n_replicas: int,
    slots: int,
    policy: int,
    down_s: np.ndarray,
    up_s: np.ndarray,
    down_replica: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Route requests (sorted by arrival) to replicas and queue them FCFS on each replica's ``slots``.

    ``down_s``/``up_s``/``down_replica`` list intervals during which a replica takes no new requests (a
    rollout drains it). Returns (replica, start_s, departure_s).
    """
    n = arrival_s.shape[0]
    replica = np.empty(n, dtype=np.int64)
    start = np.empty(n)
    dep = np.empty(n)
    slot_free = np.zeros((n_replicas, slots))
    outstanding = np.zeros(n_replicas, dtype=np.int64)
    heap_t = np.empty(n)  # departures of outstanding requests (min-heap) and their replicas
    heap_r = np.empty(n, dtype=np.int64)
    heap_n = 0
    avail = np.empty(n_replicas, dtype=np.int64)
    has_downtime = down_replica.shape[0] > 0
    rr = 0
    shared_free = np.zeros(n_replicas * slots)
    shared_idx = np.arange(n_replicas * slots)
    for i in range(n):
        t = arrival_s[i]
        if policy == POLICY_SHARED_QUEUE:
            s = shared_free[0] if shared_free[0] > t else t
            d = s + service_s[i]
            replica[i] = shared_idx[0] // slots
            start[i] = s
            dep[i] = d
            shared_free[0] = d
            _sift_down(shared_free, shared_idx, n_replicas * slots, 0)
            continue
        while heap_n > 0 and heap_t[0] <= t:
            outstanding[heap_r[0]] -= 1
            heap_n -= 1
            heap_t[0] = heap_t[heap_n]
            heap_r[0] = heap_r[heap_n]
            _sift_down(heap_t, heap_r, heap_n, 0)
        n_avail = 0
        for r in range(n_replicas):
            if not has_downtime or _available(r, t, down_s, up_s, down_replica):
                avail[n_avail] = r
                n_avail += 1
        t_route = t
        if n_avail == 0:  # every replica is down: wait for the first to come back
            best_r = 0
            best_t = np.inf
            for r in range(n_replicas):
                tu = _next_up(r, t, down_s, up_s, down_replica)
                if tu < best_t:
                    best_t = tu
                    best_r = r
            avail[0] = best_r
            n_avail = 1
            t_route = best_t
        if policy == POLICY_RANDOM:
            r = avail[min(int(u[i] * n_avail), n_avail - 1)]
        elif policy == POLICY_ROUND_ROBIN:
            r = avail[0]
            for k in range(n_avail):
                if avail[k] >= rr:
                    r = avail[k]
                    break
            rr = r + 1 if r + 1 < n_replicas else 0
        elif policy == POLICY_P2C:
            a = avail[min(int(u[i] * n_avail), n_avail - 1)]
            v = u[i] * n_avail - int(u[i] * n_avail)  # the remaining bits of the same draw
            b = avail[min(int(v * n_avail), n_avail - 1)]
            r = a if outstanding[a] <= outstanding[b] else b
        else:  # least outstanding, scanning from a random offset so ties do not favour low indices
            off = min(int(u[i] * n_avail), n_avail - 1)
            r = avail[off]
            for k in range(1, n_avail):
                c = avail[(off + k) % n_avail]
                if outstanding[c] < outstanding[r]:
                    r = c
        # the earliest free slot of replica r
        best = 0
        for k in range(1, slots):
            if slot_free[r, k] < slot_free[r, best]:
                best = k
        s = slot_free[r, best] if slot_free[r, best] > t_route else t_route
        d = s + service_s[i]
        slot_free[r, best] = d
        replica[i] = r
        start[i] = s
        dep[i] = d
        outstanding[r] += 1
        heap_t[heap_n] = d
        heap_r[heap_n] = r
        heap_n += 1
        _sift_up(heap_t, heap_r, heap_n - 1)
    return replica, start, dep
