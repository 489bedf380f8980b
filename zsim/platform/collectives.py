r"""Collectives in closed form: ring, double binary tree and hierarchical, with the nccl-tests figures.

A collective is a :class:`Plan`: phases run one after another (each a separate collective: a barrier between
them), and inside a phase independent *instances* (rings or trees on disjoint resources) run side by side; a
phase ends when its slowest instance does. :mod:`zsim.platform.collective_plans` builds plans from a
:class:`~zsim.platform.fabric_view.FabricView`; :mod:`zsim.platform.collectives_simpy` simulates the same
plans chunk by chunk, and the tests check that both give the same time.

**Ring** (one instance). Link ``i`` carries rank ``i``'s chunk to rank ``i+1``: it is busy ``o_i`` per step
(bytes over rate, plus per-message costs) and the chunk arrives ``L_i`` later (per-step latency). Rank ``i``
sends step ``s`` once its link is free and the chunk of step ``s-1`` has arrived, after reducing it (``g``
seconds, reduce-scatter steps only). This max-plus system has the closed form

.. math::  T = \max_{a,\ 1\le m\le S} \Big[\sum_{t=a}^{a+m-1} (o_t+L_t) + (S-m)\max_{a\le t<a+m} o_t\Big]
           + (p-1)\,g

(indices mod p; a path through the step lattice visits the window ``[a, a+m)`` and repeats the slowest link).
With equal links it is the textbook :math:`2(p-1)(\alpha + \tfrac{n}{p}\beta) + (p-1)\tfrac{n}{p}\gamma`
(Thakur, Rabenseifner and Gropp 2005); with one slow link the slowest link bounds the ring. It is evaluated
per occupancy level with prefix sums and a sparse table: O(p log p) per distinct link speed.

**Tree** (one instance per binary tree; NCCL runs two, each on half the data). Each edge is a server with
occupancy ``o`` per chunk and latency ``L``; a vertex forwards chunk ``j`` up once all its children's chunk
``j`` arrived; the root starts the broadcast of chunk ``j`` when it has it. With ``k`` chunks:

.. math::  T = \max_{P,Q} \Big[W(P) + W(Q) + (k-1)\max_{e\in P\cup Q} o_e\Big],\quad W = \sum (o+L)

over leaf-to-root paths ``P`` and root-to-leaf paths ``Q``: O(V log V) by pointer jumping.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

RingKind = Literal["allreduce", "reduce_scatter", "all_gather"]


@dataclass(frozen=True)
class RingPhase:
    """Rings side by side: row r of ``o_s``/``latency_s`` is ring r; column i the link from rank i to i+1."""

    o_s: np.ndarray
    latency_s: np.ndarray
    kind: RingKind
    reduce_s: float = 0.0  # gamma x chunk bytes, paid once per reduction

    def __post_init__(self) -> None:
        object.__setattr__(self, "o_s", np.atleast_2d(np.asarray(self.o_s, dtype=float)))
        object.__setattr__(self, "latency_s", np.atleast_2d(np.asarray(self.latency_s, dtype=float)))
        if self.o_s.shape != self.latency_s.shape:
            raise ValueError("o_s and latency_s must have the same shape")

    @property
    def ranks(self) -> int:
        return int(self.o_s.shape[1])

    @property
    def steps(self) -> int:
        p = self.ranks
        return 2 * (p - 1) if self.kind == "allreduce" else p - 1


@dataclass(frozen=True)
class TreePhase:
    """Trees side by side: row r is tree r over the same V vertices; column v describes v's edge to its parent
    (``*_up``: v -> parent, ``*_down``: parent -> v). ``parent`` is -1 at the root."""

    parent: np.ndarray
    o_up_s: np.ndarray
    latency_up_s: np.ndarray
    o_down_s: np.ndarray
    latency_down_s: np.ndarray
    chunks: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "parent", np.atleast_2d(np.asarray(self.parent, dtype=np.int64)))
        for name in ("o_up_s", "latency_up_s", "o_down_s", "latency_down_s"):
            arr = np.atleast_2d(np.asarray(getattr(self, name), dtype=float))
            if arr.shape != self.parent.shape:
                raise ValueError(f"{name} must have the shape of parent {self.parent.shape}")
            object.__setattr__(self, name, arr)
        if self.chunks < 1:
            raise ValueError("a tree phase needs at least one chunk")


Phase = RingPhase | TreePhase


@dataclass(frozen=True)
class Plan:
    phases: tuple[Phase, ...] = ()
    launch_s: float = 0.0


# --- ring -------------------------------------------------------------------------------------------------
_BRUTE_FORCE_CELLS = 1 << 16


def ring_pipeline_s(o: np.ndarray, latency: np.ndarray, steps: int) -> float:
    """Completion of ``steps`` pipelined ring steps (no reduction term); see the module docstring."""
    o = np.asarray(o, dtype=float)
    latency = np.asarray(latency, dtype=float)
    p = o.size
    if steps <= 0 or p <= 1:
        return 0.0
    if p * steps <= _BRUTE_FORCE_CELLS:
        return _ring_brute_force(o, latency, steps)
    return _ring_by_levels(o, latency, steps)


def _ring_brute_force(o: np.ndarray, latency: np.ndarray, steps: int) -> float:
    p = o.size
    idx = (np.arange(p)[:, None] + np.arange(steps)[None, :]) % p  # window starting at a, t-th link
    x = np.cumsum((o + latency)[idx], axis=1)
    m = np.maximum.accumulate(o[idx], axis=1)
    extra = (steps - 1 - np.arange(steps))[None, :]  # S - m for m = 1..S
    return float((x + extra * m).max())


def _ring_by_levels(o: np.ndarray, latency: np.ndarray, steps: int) -> float:
    """max over levels v of [S v + max over windows holding a link with o >= v of sum(o + L - v)]."""
    p = o.size
    n_ext = p + steps - 1
    idx = np.arange(n_ext) % p
    x = (o + latency)[idx]
    o_ext = o[idx]
    starts = np.arange(p)
    ends = starts + steps - 1  # last index a window starting at a may reach
    prefix_x = np.concatenate(([0.0], np.cumsum(x)))
    positions = np.arange(n_ext + 1, dtype=float)
    best = -np.inf
    for v in np.unique(o)[::-1]:
        q = prefix_x - v * positions  # prefix sums of x - v
        heavy = np.where(o_ext >= v, np.arange(n_ext), n_ext)
        first_heavy = np.minimum.accumulate(heavy[::-1])[::-1][:p]
        ok = first_heavy <= ends
        if not ok.any():
            continue
        lo = first_heavy[ok] + 1
        hi = ends[ok] + 1
        top = _range_max(q, lo, hi)
        best = max(best, steps * float(v) + float((top - q[starts[ok]]).max()))
    return best


def _range_max(values: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """max(values[lo_i .. hi_i]) (inclusive) for every i, with a sparse table."""
    table = [values]
    span = 1
    longest = int((hi - lo).max()) + 1
    while span * 2 <= longest:
        prev = table[-1]
        table.append(np.maximum(prev[:-span], prev[span:]))
        span *= 2
    length = hi - lo + 1
    level = np.floor(np.log2(length)).astype(np.int64)
    out = np.empty(lo.size)
    for k in np.unique(level):
        sel = level == k
        row = table[k]
        out[sel] = np.maximum(row[lo[sel]], row[hi[sel] - (1 << int(k)) + 1])
    return out


def ring_phase_s(phase: RingPhase) -> float:
    """Time of a ring phase: its slowest ring, each ring's pipeline plus its reductions."""
    p = phase.ranks
    if p <= 1:
        return 0.0
    rows = np.concatenate([phase.o_s, phase.latency_s], axis=1)
    worst = max(ring_pipeline_s(r[:p], r[p:], phase.steps) for r in _distinct_rows(rows))
    reductions = 0 if phase.kind == "all_gather" else p - 1
    return worst + reductions * phase.reduce_s


# --- tree -------------------------------------------------------------------------------------------------
def tree_paths(
    parent: np.ndarray, weight: np.ndarray, occupancy: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(W, M): for each vertex, the sum of ``weight`` and the max of ``occupancy`` over the edges between it
    and the root (each vertex owns the edge to its parent). Pointer jumping: O(V log depth)."""
    parent = np.asarray(parent, dtype=np.int64)
    acc = np.where(parent >= 0, weight, 0.0)
    top = np.where(parent >= 0, occupancy, -np.inf)
    anc = parent.copy()
    while True:
        has = anc >= 0
        if not has.any():
            return acc, top
        a = anc[has]
        new_acc, new_top, new_anc = acc.copy(), top.copy(), anc.copy()
        new_acc[has] += acc[a]
        new_top[has] = np.maximum(top[has], top[a])
        new_anc[has] = anc[a]
        acc, top, anc = new_acc, new_top, new_anc


def tree_pipeline_s(
    parent: np.ndarray,
    o_up: np.ndarray,
    l_up: np.ndarray,
    o_down: np.ndarray,
    l_down: np.ndarray,
    chunks: int,
) -> float:
    """Completion of a pipelined reduce-then-broadcast over one tree (see the module docstring)."""
    parent = np.asarray(parent, dtype=np.int64)
    if parent.size <= 1:
        return 0.0
    w_up, m_up = tree_paths(parent, o_up + l_up, o_up)
    w_dn, m_dn = tree_paths(parent, o_down + l_down, o_down)
    has_child = np.bincount(parent[parent >= 0], minlength=parent.size) > 0
    leaves = ~has_child
    a_all, b_all = w_up[leaves].max(), w_dn[leaves].max()
    if chunks == 1:
        return float(a_all + b_all)
    nonroot = parent >= 0
    levels = np.unique(np.concatenate([o_up[nonroot], o_down[nonroot]]))
    a_v = _best_with_heavy(w_up[leaves], m_up[leaves], levels)
    b_v = _best_with_heavy(w_dn[leaves], m_dn[leaves], levels)
    value = (chunks - 1) * levels + np.maximum(a_v + b_all, a_all + b_v)
    return float(value.max())


def _best_with_heavy(w: np.ndarray, m: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """For each level v: max of w over paths whose max occupancy is >= v (-inf if none)."""
    order = np.argsort(-m, kind="stable")
    m_sorted, best_so_far = m[order], np.maximum.accumulate(w[order])
    count = np.searchsorted(-m_sorted, -levels, side="right")  # paths with m >= v
    out = np.full(levels.size, -np.inf)
    ok = count > 0
    out[ok] = best_so_far[count[ok] - 1]
    return out


def tree_phase_s(phase: TreePhase) -> float:
    rows = np.concatenate(
        [phase.parent.astype(float), phase.o_up_s, phase.latency_up_s, phase.o_down_s, phase.latency_down_s],
        axis=1,
    )
    v = phase.parent.shape[1]
    worst = 0.0
    for r in _distinct_rows(rows):
        parts = [r[i * v : (i + 1) * v] for i in range(5)]
        worst = max(worst, tree_pipeline_s(parts[0].astype(np.int64), *parts[1:], phase.chunks))
    return worst


def _distinct_rows(rows: np.ndarray) -> list[np.ndarray]:
    """The distinct rows of a 2-D array (instances on identical hardware need one evaluation)."""
    seen: dict[bytes, np.ndarray] = {}
    for row in np.ascontiguousarray(rows):
        seen.setdefault(row.tobytes(), row)
    return list(seen.values())


# --- plans and nccl-tests figures --------------------------------------------------------------------------
def phase_s(phase: Phase) -> float:
    return ring_phase_s(phase) if isinstance(phase, RingPhase) else tree_phase_s(phase)


def plan_time_s(plan: Plan) -> float:
    """Closed-form time of a plan: launch plus its phases back to back."""
    return plan.launch_s + sum(phase_s(ph) for ph in plan.phases)


def bus_factor(op: str, ranks: int) -> float:
    """nccl-tests ``doc/PERFORMANCE.md``: busbw = algbw x 2(n-1)/n (allreduce), x (n-1)/n (gather/scatter)."""
    if ranks <= 1:
        return 0.0
    if op == "allreduce":
        return 2.0 * (ranks - 1) / ranks
    if op in ("reduce_scatter", "all_gather"):
        return (ranks - 1) / ranks
    raise ValueError(f"unknown collective {op!r}")


@dataclass(frozen=True)
class CollectiveResult:
    op: str
    algorithm: str
    protocol: str
    n_bytes: float
    ranks: int
    time_s: float

    @property
    def algbw_Bps(self) -> float:
        return self.n_bytes / self.time_s if self.time_s > 0 else float("inf")

    @property
    def busbw_Bps(self) -> float:
        return self.algbw_Bps * bus_factor(self.op, self.ranks) if self.time_s > 0 else 0.0
