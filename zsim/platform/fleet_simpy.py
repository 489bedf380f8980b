"""A plain simpy model of the fleet's queues: one process per request on a simpy ``Resource``.

This is the reference the compiled kernels are checked against (same variates in, same waits out) and the
baseline of the fleet benchmark. It is deliberately the textbook simpy model, not an optimised one.
"""

from __future__ import annotations

import numpy as np
import simpy


def simulate_simpy(
    arrival_s: np.ndarray, service_s: np.ndarray, replica: np.ndarray | None, n_queues: int, servers: int
) -> tuple[np.ndarray, np.ndarray]:
    """FCFS queues: request i joins queue ``replica[i]`` (or the single shared queue when ``replica`` is None)
    with ``servers`` servers. Returns (start_s, departure_s)."""
    env = simpy.Environment()
    queues = [simpy.Resource(env, capacity=servers) for _ in range(n_queues if replica is not None else 1)]
    n = arrival_s.shape[0]
    start = np.empty(n)
    dep = np.empty(n)

    def request(i: int, queue: simpy.Resource):  # type: ignore[no-untyped-def]
        with queue.request() as req:
            yield req
            start[i] = env.now
            yield env.timeout(service_s[i])
            dep[i] = env.now

    def source():  # type: ignore[no-untyped-def]
        last = 0.0
        for i in range(n):
            yield env.timeout(arrival_s[i] - last)
            last = arrival_s[i]
            env.process(request(i, queues[0 if replica is None else int(replica[i])]))

    env.process(source())
    env.run()
    return start, dep
