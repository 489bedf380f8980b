"""A platform as arrays: components, their classes, nodes, jobs, credentials and class-level reachability.

Components with the same attributes that controls and link selectors can see (type, tenant, zone, sensitivity,
flags) form a *class*; control effects and network reachability are decided once per class pair, and the
per-component state (footholds, reached sets) is kept as boolean matrices over components so that thousands
of workloads cost a few matrix products.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from zsim.attacks.effects import ComponentView, Identity
from zsim.attacks.platform import ComponentSpec, PlatformSpec, Selector


@dataclass(frozen=True)
class CredRecord:
    owner: int  # component index
    kind: str
    identity: Identity


class PlatformTable:
    def __init__(self, spec: PlatformSpec) -> None:
        self.spec = spec
        comps = spec.components
        self.comps: list[ComponentSpec] = list(comps)
        self.n = len(comps)
        self.names = [c.name for c in comps]
        self.index = {c.name: i for i, c in enumerate(comps)}
        by_name = any(link.source.name is not None or link.to.name is not None for link in spec.network.links)
        keys: dict[tuple[object, ...], int] = {}
        cls = np.empty(self.n, dtype=np.int64)
        self.class_rep: list[int] = []
        for i, c in enumerate(comps):
            key: tuple[object, ...] = (ComponentView.of(c), c.name if by_name else None)
            if key not in keys:
                keys[key] = len(keys)
                self.class_rep.append(i)
            cls[i] = keys[key]
        self.cls = cls
        self.n_cls = len(keys)
        self.class_views = [ComponentView.of(comps[i]) for i in self.class_rep]
        self.M = np.zeros((self.n, self.n_cls), dtype=np.float32)
        self.M[np.arange(self.n), cls] = 1.0
        nodes = sorted({c.node for c in comps if c.node is not None})
        node_index = {name: k for k, name in enumerate(nodes)}
        self.node_names = nodes
        self.n_nodes = len(nodes)
        self.node = np.array([node_index[c.node] if c.node is not None else -1 for c in comps], dtype=np.int64)
        self.NodeM = np.zeros((self.n, max(self.n_nodes, 1)), dtype=np.float32)
        on = self.node >= 0
        self.NodeM[np.flatnonzero(on), self.node[on]] = 1.0
        jobs = sorted({c.job for c in comps if c.job is not None})
        job_index = {name: k for k, name in enumerate(jobs)}
        # a rank without a job is a job of its own
        self.job = np.array([job_index[c.job] if c.job is not None else len(jobs) + i for i, c in enumerate(comps)],
                            dtype=np.int64)
        tenants = sorted({c.tenant for c in comps if c.tenant is not None})
        self.tenant_names = tenants
        self.tenant_id = np.array([tenants.index(c.tenant) if c.tenant is not None else -1 for c in comps],
                                  dtype=np.int64)
        self.data_bytes = np.array([float(c.data_bytes) for c in comps])
        self.privileged = np.array([c.privileged for c in comps])
        self.host_network = np.array([c.host_network for c in comps])
        self.rdma = np.array([c.rdma for c in comps])
        self.creds: list[CredRecord] = []
        for i, c in enumerate(comps):
            for cred in c.credentials:
                tenant = c.tenant if cred.tenant == "same" else cred.tenant
                self.creds.append(CredRecord(i, str(cred.kind), Identity(cred.identity or c.type, tenant)))
        self.cred_owner = np.array([r.owner for r in self.creds], dtype=np.int64)
        self.cred_kind = np.array([r.kind for r in self.creds], dtype=object)
        cred_keys: dict[tuple[str, Identity], int] = {}
        self.cred_cls = np.array([cred_keys.setdefault((r.kind, r.identity), len(cred_keys)) for r in self.creds],
                                 dtype=np.int64)
        self.cred_class_keys = list(cred_keys)
        self.CredM = np.zeros((len(self.creds), max(len(cred_keys), 1)), dtype=np.float32)
        if self.creds:
            self.CredM[np.arange(len(self.creds)), self.cred_cls] = 1.0

    def mask(self, selector: Selector) -> np.ndarray:
        return np.array([selector.matches(c) for c in self.comps], dtype=bool)

    def class_mask(self, comp_mask: np.ndarray) -> np.ndarray:
        """Classes with at least one component in ``comp_mask``."""
        out = np.zeros(self.n_cls, dtype=bool)
        out[self.cls[comp_mask]] = True
        return out

    @cached_property
    def class_size(self) -> np.ndarray:
        return np.bincount(self.cls, minlength=self.n_cls)

    @cached_property
    def intended_cls(self) -> np.ndarray:
        """``[a, b]``: some link allows a class-``a`` component to call a different class-``b`` component."""
        out = np.zeros((self.n_cls, self.n_cls), dtype=bool)
        reps = [self.comps[i] for i in self.class_rep]
        for link in self.spec.network.links:
            src = np.array([link.source.matches(c) for c in reps])
            dst = np.array([link.to.matches(c) for c in reps])
            pair = np.outer(src, dst)
            if link.same_tenant:
                ten = [c.tenant for c in reps]
                same = np.array([[a is None or b is None or a == b for b in ten] for a in ten])
                pair &= same
            out |= pair
        # a class calling itself needs two members (links never match a component with itself)
        single = self.class_size == 1
        out[np.diag_indices(self.n_cls)] &= ~single
        return out

    @cached_property
    def reach_cls(self) -> np.ndarray:
        if self.spec.network.flat:
            return np.ones((self.n_cls, self.n_cls), dtype=bool)
        return self.intended_cls

    def on_nodes(self, nodes: np.ndarray) -> np.ndarray:
        """Components on any of the nodes marked in ``nodes`` (rows × nodes) → rows × components."""
        if self.n_nodes == 0:
            return np.zeros((nodes.shape[0], self.n), dtype=bool)
        return (nodes.astype(np.float32) @ self.NodeM.T) > 0

    def nodes_of(self, comps: np.ndarray) -> np.ndarray:
        """Nodes hosting any component marked in ``comps`` (rows × components) → rows × nodes."""
        return (comps.astype(np.float32) @ self.NodeM) > 0

    def classes_of(self, comps: np.ndarray) -> np.ndarray:
        return (comps.astype(np.float32) @ self.M) > 0

    def expand_classes(self, cls_mask: np.ndarray) -> np.ndarray:
        """rows × classes → rows × components (every member of a marked class)."""
        return cls_mask[:, self.cls]


_TABLES: dict[int, tuple[PlatformSpec, PlatformTable]] = {}


def platform_table(spec: PlatformSpec) -> PlatformTable:
    """The table of ``spec``, built once per platform object."""
    hit = _TABLES.get(id(spec))
    if hit is not None and hit[0] is spec:
        return hit[1]
    table = PlatformTable(spec)
    if len(_TABLES) > 16:
        _TABLES.clear()
    _TABLES[id(spec)] = (spec, table)
    return table
