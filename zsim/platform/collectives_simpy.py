"""Chunk-level simpy reference for collective plans: every chunk on every link is a simpy event.

It simulates exactly the semantics the closed forms of :mod:`zsim.platform.collectives` solve, step by step:

* ring: rank i sends step s over its link once it has sent step s-1 and has received (and, in the
  reduce-scatter steps, reduced) the chunk of step s-1 from rank i-1; the chunk reaches i+1 ``latency``
  later; a reduce-scatter ends with one more reduction of the last chunk received;
* tree: each edge forwards chunks in order; an up edge sends chunk j once all children of its vertex
  delivered chunk j; a down edge once its upper vertex has chunk j (the root: once it reduced chunk j).

Phases are separated by a barrier; instances of a phase run side by side. It is slow on purpose (a 4,096-rank
ring is ~33 M events): use it for small N, as the oracle the closed forms are tested against.
"""

from __future__ import annotations

from collections.abc import Generator

import numpy as np
import simpy

from zsim.platform.collectives import Plan, RingPhase, TreePhase


def simulate_plan(plan: Plan) -> float:
    """Run ``plan`` chunk by chunk in a fresh simpy environment and return its completion time."""
    env = simpy.Environment()
    proc = env.process(_plan(env, plan))
    env.run()
    if not proc.triggered:  # pragma: no cover - would be a deadlock in the reference itself
        raise RuntimeError("collective did not complete")
    return float(env.now)


def _plan(env: simpy.Environment, plan: Plan) -> Generator[simpy.Event, object, None]:
    if plan.launch_s:
        yield env.timeout(plan.launch_s)
    for phase in plan.phases:
        if isinstance(phase, RingPhase):
            done = [_ring(env, phase, r) for r in range(phase.o_s.shape[0])]
        else:
            done = [_tree(env, phase, r) for r in range(phase.parent.shape[0])]
        yield env.all_of(done)


def _deliver(env: simpy.Environment, delay: float, event: simpy.Event) -> None:
    timer = env.timeout(delay)
    timer.callbacks.append(lambda _: event.succeed())


def _ring(env: simpy.Environment, phase: RingPhase, row: int) -> simpy.Event:
    o, lat = phase.o_s[row], phase.latency_s[row]
    p, steps = phase.ranks, phase.steps
    finished = env.event()
    if p <= 1:
        finished.succeed()
        return finished
    reduce_before = np.zeros(steps)
    final_reduce = 0.0
    if phase.kind == "allreduce":
        reduce_before[1:p] = phase.reduce_s  # reduce the received chunk, then forward it
    elif phase.kind == "reduce_scatter":
        reduce_before[1:] = phase.reduce_s
        final_reduce = phase.reduce_s
    arrived = [[env.event() for _ in range(steps)] for _ in range(p)]  # arrived[i][s]: chunk of step s at i

    def rank(i: int) -> Generator[simpy.Event, object, None]:
        for s in range(steps):
            if s:
                yield arrived[i][s - 1]
            yield env.timeout(reduce_before[s] + o[i])
            _deliver(env, lat[i], arrived[(i + 1) % p][s])

    def last() -> Generator[simpy.Event, object, None]:
        yield env.all_of([arrived[i][steps - 1] for i in range(p)])
        if final_reduce:
            yield env.timeout(final_reduce)
        finished.succeed()

    for i in range(p):
        env.process(rank(i))
    env.process(last())
    return finished


def _tree(env: simpy.Environment, phase: TreePhase, row: int) -> simpy.Event:
    parent = phase.parent[row]
    o_up, l_up = phase.o_up_s[row], phase.latency_up_s[row]
    o_dn, l_dn = phase.o_down_s[row], phase.latency_down_s[row]
    k = phase.chunks
    n = parent.size
    finished = env.event()
    if n <= 1:
        finished.succeed()
        return finished
    children: list[list[int]] = [[] for _ in range(n)]
    for v in range(n):
        if parent[v] >= 0:
            children[int(parent[v])].append(v)
    root = int(np.flatnonzero(parent < 0)[0])
    up = [[env.event() for _ in range(k)] for _ in range(n)]  # up[v][j]: v's chunk j reached its parent
    down = [[env.event() for _ in range(k)] for _ in range(n)]  # down[v][j]: chunk j reached v from above

    def has_all(v: int, j: int) -> simpy.Event:
        return env.all_of([up[c][j] for c in children[v]])

    def up_edge(v: int) -> Generator[simpy.Event, object, None]:
        for j in range(k):
            if children[v]:
                yield has_all(v, j)
            yield env.timeout(o_up[v])
            _deliver(env, l_up[v], up[v][j])

    def down_edge(v: int) -> Generator[simpy.Event, object, None]:
        above = int(parent[v])
        for j in range(k):
            yield has_all(root, j) if above == root else down[above][j]
            yield env.timeout(o_dn[v])
            _deliver(env, l_dn[v], down[v][j])

    def last() -> Generator[simpy.Event, object, None]:
        yield env.all_of([down[v][k - 1] for v in range(n) if v != root])
        finished.succeed()

    for v in range(n):
        if v != root:
            env.process(up_edge(v))
            env.process(down_edge(v))
    env.process(last())
    return finished
