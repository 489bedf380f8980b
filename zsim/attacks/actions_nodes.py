"""Actions that act through hosts: container escape, taking over co-located containers, sniffing traffic
that passes a node, and snooping on the RDMA fabric."""

from __future__ import annotations

import numpy as np

from zsim.attacks.builder import Builder, StepOut, row_sets, step_out
from zsim.attacks.effects import StepContext
from zsim.attacks.schema import StepSpec
from zsim.controls.base import Plane


def escape(b: Builder, step: StepSpec, state: dict[str, np.ndarray], rows: int) -> StepOut:
    t = b.t
    f, _ = b.position(step, state, rows)
    eligible = f & (t.privileged | t.host_network) & (t.node >= 0)
    present = t.classes_of(eligible)
    usable, sets, ids = b.per_class(step, present, lambda v: b.ctx(step, source=v))
    nodes = t.nodes_of(eligible & usable[t.cls])
    reached = t.on_nodes(nodes)
    return step_out(nodes.any(axis=1), nodes, reached, sets, ids)


def hijack(b: Builder, step: StepSpec, state: dict[str, np.ndarray], rows: int) -> StepOut:
    """From root on hosts, take over the containers running there (``to``, optionally other tenants')."""
    t = b.t
    _, h = b.position(step, state, rows)
    victims = t.on_nodes(h[:, :max(t.n_nodes, 1)]) & b.targets(step)
    present = t.classes_of(victims)
    ctxs = {c: b.ctx(step, target=t.class_views[c], mode="host") for c in np.flatnonzero(present.any(axis=0))}
    usable = np.zeros(t.n_cls, dtype=bool)
    for c, ctx in ctxs.items():
        usable[c] = b.oracle.usable(ctx)
    taken = victims & usable[t.cls]
    sets, ids = row_sets(present & usable, lambda row: [ctxs[c] for c in np.flatnonzero(row)])
    return step_out(taken.any(axis=1), taken, taken, sets, ids)


def _on_path_nodes(b: Builder, step: StepSpec, state: dict[str, np.ndarray], rows: int, pod_ok: np.ndarray
                   ) -> tuple[np.ndarray, list[frozenset[StepContext]], np.ndarray]:
    """Nodes where the attacker sees traffic: held hosts, plus hosts of eligible pods it holds."""
    t = b.t
    f, h = b.position(step, state, rows)
    pods = f & pod_ok & (t.node >= 0)
    present = t.classes_of(pods)
    usable, sets, ids = b.per_class(step, present, lambda v: b.ctx(step, source=v, mode="pod"))
    nodes = h[:, :max(t.n_nodes, 1)] | t.nodes_of(pods & usable[t.cls])
    return nodes, sets, ids


def intercept(b: Builder, step: StepSpec, state: dict[str, np.ndarray], rows: int) -> StepOut:
    t = b.t
    nodes, pos_sets, pos_ids = _on_path_nodes(b, step, state, rows, t.host_network)
    on = t.on_nodes(nodes)
    on_cls = t.classes_of(on)
    flows = t.intended_cls

    def make(a: int, c: int) -> StepContext | None:
        if not flows[a, c]:
            return None
        return b.ctx(step, source=t.class_views[a], target=t.class_views[c], plane=Plane.CONTROL,
                     mode="flow")

    # every class that can appear on either end of a flow
    usable, ctxs = b.pairs(np.ones((1, t.n_cls), bool), np.ones(t.n_cls, bool), make)
    u = usable.astype(np.float32)
    oc = on_cls.astype(np.float32)
    remote = ((oc @ u) > 0) | ((oc @ u.T) > 0)
    talking = usable.any(axis=1) | usable.any(axis=0)
    reached = (on & talking[t.cls]) | t.expand_classes(remote)
    key = np.concatenate([on_cls, pos_ids[:, None] == np.arange(len(pos_sets))[None, :]], axis=1)

    def contexts(row: np.ndarray) -> list[StepContext]:
        on_row, pos_row = row[:t.n_cls], row[t.n_cls:]
        out = [c for (a, d), c in ctxs.items() if on_row[a] or on_row[d]]
        for i in np.flatnonzero(pos_row):
            out += list(pos_sets[i])
        return out

    sets, ids = row_sets(key, contexts)
    return step_out(reached.any(axis=1), reached, reached, sets, ids)


def rdma_snoop(b: Builder, step: StepSpec, state: dict[str, np.ndarray], rows: int) -> StepOut:
    t = b.t
    nodes, pos_sets, pos_ids = _on_path_nodes(b, step, state, rows, t.rdma & t.privileged)
    on_rdma = t.on_nodes(nodes) & t.rdma
    n_jobs = int(t.job.max()) + 1 if t.n else 0
    jobs = np.zeros((rows, n_jobs), dtype=bool)
    r_idx, c_idx = np.nonzero(on_rdma)
    jobs[r_idx, t.job[c_idx]] = True
    ranks = jobs[:, t.job] & t.rdma
    present = t.classes_of(ranks)
    ctxs = {c: b.ctx(step, target=t.class_views[c], plane=Plane.RDMA) for c in np.flatnonzero(present.any(axis=0))}
    usable = np.zeros(t.n_cls, dtype=bool)
    for c, ctx in ctxs.items():
        usable[c] = b.oracle.usable(ctx)
    reached = ranks & usable[t.cls]
    key = np.concatenate([present & usable, pos_ids[:, None] == np.arange(len(pos_sets))[None, :]], axis=1)

    def contexts(row: np.ndarray) -> list[StepContext]:
        out = [ctxs[c] for c in np.flatnonzero(row[:t.n_cls])]
        for i in np.flatnonzero(row[t.n_cls:]):
            out += list(pos_sets[i])
        return out

    sets, ids = row_sets(key, contexts)
    return step_out(reached.any(axis=1), reached, reached, sets, ids)
