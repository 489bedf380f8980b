"""Build collective plans (:class:`~zsim.platform.collectives.Plan`) from a fabric view.

* ``ring``: one ring through every GPU, node by node (GPU j -> j+1 over NVLink, the last GPU of a node to the
  first of the next over the network). NCCL runs several channels, each its own ring over a different NIC;
  together they move the same bytes as one ring whose network hop has all the node's NICs, which is how it is
  modelled (so busbw = min(NVLink, NICs x NIC rate), the published multi-node behaviour).
* ``tree``: NCCL's double binary tree over nodes (``ncclGetBtree`` / ``ncclGetDtree``, mirrored for an even
  node count, shifted for odd), a chain of the node's GPUs below each tree vertex; each tree carries half the
  data in pipelined chunks. Every port (a GPU's NVLink, a node's NICs) is shared equally by the tree edges
  that use it, over both trees.
* ``hierarchical``: reduce-scatter over NVLink inside each node, then an allreduce of 1/G of the data between
  the GPUs of the same index on every node (over that GPU's rail: ring or double tree), then all-gather inside
  the node; a barrier between phases.
* reduce-scatter and all-gather alone: the flat ring.

Reductions cost ``gamma`` per byte, at the vertex that reduces, before it forwards (trees: on the up edge of
every vertex with children, and on the root's down edges).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from zsim.controls.registry import ControlSet
from zsim.platform.collectives import CollectiveResult, Plan, RingKind, RingPhase, TreePhase, plan_time_s
from zsim.platform.fabric import PROTOCOLS, ClusterSpec
from zsim.platform.fabric_view import FabricView

ALGORITHMS = ("ring", "tree", "hierarchical")


# --- NCCL's binary trees -----------------------------------------------------------------------------------
def _btree_parent(n: int, rank: int) -> int:
    if rank == 0:
        return -1
    bit = 1
    while bit < n and not bit & rank:
        bit <<= 1
    up = (rank ^ bit) | (bit << 1)
    return rank ^ bit if up >= n else up


@lru_cache(maxsize=64)
def double_binary_tree(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Parent arrays of NCCL's two complementary binary trees over ``n`` ranks (root: -1)."""
    t0 = np.array([_btree_parent(n, r) for r in range(n)], dtype=np.int64)
    if n % 2:  # shift by one
        src = (np.arange(n) - 1) % n
        up = t0[src]
        t1 = np.where(up < 0, -1, (up + 1) % n)
    else:  # mirror
        src = n - 1 - np.arange(n)
        up = t0[src]
        t1 = np.where(up < 0, -1, n - 1 - up)
    t0.flags.writeable = False
    t1.flags.writeable = False
    return t0, t1


def _children_count(parent: np.ndarray) -> np.ndarray:
    return np.bincount(parent[parent >= 0], minlength=parent.size)


# --- rings -------------------------------------------------------------------------------------------------
def ring_plan(view: FabricView, op: RingKind, n_bytes: float) -> Plan:
    """Flat ring over all ``N x G`` GPUs (allreduce, reduce-scatter or all-gather of ``n_bytes``)."""
    n, g = view.N, view.G
    p = n * g
    if p <= 1:
        return Plan(launch_s=view.launch_s)
    chunk = n_bytes / p
    node = np.repeat(np.arange(n), g)
    gpu = np.tile(np.arange(g), n)
    nxt_gpu = (gpu + 1) % g
    o = np.empty(p)
    lat = np.empty(p)
    intra = (gpu < g - 1) | (n == 1)
    rate = np.minimum(view.nvl_rate[node[intra], gpu[intra]], view.nvl_rate[node[intra], nxt_gpu[intra]])
    o[intra] = view.nvl_occupancy(chunk, rate)
    lat[intra] = view.nvl_latency_s
    if not intra.all():
        src = node[~intra]
        dst = (src + 1) % n
        nic = view.node_nic_rate()
        o[~intra] = view.net_occupancy(chunk / view.K, np.minimum(nic[src], nic[dst]))
        lat[~intra] = view.net_latency(src, dst)
    phase = RingPhase(o, lat, op, reduce_s=chunk * view.gamma_s_per_byte)
    return Plan((phase,), view.launch_s)


def _intra_ring(view: FabricView, op: RingKind, chunk: float) -> RingPhase:
    """One ring per node over its G GPUs (NVLink)."""
    g = view.G
    j = np.arange(g)
    rate = np.minimum(view.nvl_rate[:, j], view.nvl_rate[:, (j + 1) % g])
    o = view.nvl_occupancy(chunk, rate)
    return RingPhase(o, np.full_like(o, view.nvl_latency_s), op, reduce_s=chunk * view.gamma_s_per_byte)


def _rail_share(view: FabricView, gpu: int) -> tuple[np.ndarray, float]:
    """(N,) NIC rate on the GPU's rail and the bytes-per-NIC multiplier (GPUs sharing the rail's NICs)."""
    rail = view.rail_of_gpu(gpu)
    return view.rail_nic_rate(rail), view.gpus_on_rail(rail) / view.nics_per_rail()


def _inter_ring(view: FabricView, chunk: float) -> RingPhase:
    """Allreduce rings between nodes, one per GPU index, each over that GPU's rail."""
    n = view.N
    src = np.arange(n)
    dst = (src + 1) % n
    lat = view.net_latency(src, dst)
    rows_o, rows_l = [], []
    for gpu in range(view.G):
        rate, per_nic = _rail_share(view, gpu)
        rows_o.append(view.net_occupancy(chunk * per_nic, np.minimum(rate[src], rate[dst])))
        rows_l.append(lat)
    return RingPhase(np.array(rows_o), np.array(rows_l), "allreduce", reduce_s=chunk * view.gamma_s_per_byte)


# --- trees -------------------------------------------------------------------------------------------------
def _tree_chunks(view: FabricView, tree_bytes: float) -> tuple[int, float]:
    k = max(1, int(np.ceil(tree_bytes / view.tree_chunk_bytes)))
    return k, tree_bytes / k


def _reduce_costs(parent: np.ndarray, reduce_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Reduction time on each vertex's up edge (if it has children) and down edge (if the root is above)."""
    has_child = _children_count(parent) > 0
    up = np.where(has_child & (parent >= 0), reduce_s, 0.0)
    root = int(np.flatnonzero(parent < 0)[0])
    down = np.where(parent == root, reduce_s, 0.0)
    return up, down


def tree_plan(view: FabricView, n_bytes: float) -> Plan:
    """NCCL-style double binary tree allreduce: trees over nodes, a GPU chain inside each node."""
    n, g = view.N, view.G
    if n * g <= 1:
        return Plan(launch_s=view.launch_s)
    k, chunk = _tree_chunks(view, n_bytes / 2)
    trees = double_binary_tree(n)
    # edges sharing each port, over both trees
    j = np.arange(g)
    nvl_edges = 2 * (j >= 1) + 2 * (j <= g - 2)
    net_edges = sum((t >= 0).astype(int) + _children_count(t) for t in trees) if n > 1 else np.zeros(n, int)
    vid = np.arange(n * g).reshape(n, g)
    nic = view.node_nic_rate()
    rows = {key: [] for key in ("parent", "o_up", "l_up", "o_dn", "l_dn")}
    for node_parent in trees:
        parent = np.full((n, g), -1, dtype=np.int64)
        parent[:, 1:] = vid[:, :-1]  # chain: GPU j's parent is GPU j-1
        heads = node_parent >= 0
        parent[heads, 0] = vid[node_parent[heads], 0]
        o_up = np.zeros((n, g))
        o_dn = np.zeros((n, g))
        lat = np.zeros((n, g))
        if g > 1:  # chain edge between GPU j-1 and j, used in both directions
            a = view.nvl_occupancy(chunk, view.nvl_rate[:, 1:], nvl_edges[None, 1:])
            b = view.nvl_occupancy(chunk, view.nvl_rate[:, :-1], nvl_edges[None, :-1])
            o_up[:, 1:] = o_dn[:, 1:] = np.maximum(a, b)
            lat[:, 1:] = view.nvl_latency_s
        if heads.any():
            child = np.flatnonzero(heads)
            par = node_parent[child]
            occ_c = view.net_occupancy(chunk / view.K, nic[child], net_edges[child])
            occ_p = view.net_occupancy(chunk / view.K, nic[par], net_edges[par])
            o_up[child, 0] = o_dn[child, 0] = np.maximum(occ_c, occ_p)
            lat[child, 0] = view.net_latency(child, par)
        flat_parent = parent.ravel()
        red_up, red_dn = _reduce_costs(flat_parent, chunk * view.gamma_s_per_byte)
        rows["parent"].append(flat_parent)
        rows["o_up"].append(o_up.ravel() + red_up)
        rows["o_dn"].append(o_dn.ravel() + red_dn)
        rows["l_up"].append(lat.ravel())
        rows["l_dn"].append(lat.ravel())
    phase = TreePhase(
        np.array(rows["parent"]),
        np.array(rows["o_up"]),
        np.array(rows["l_up"]),
        np.array(rows["o_dn"]),
        np.array(rows["l_dn"]),
        k,
    )
    return Plan((phase,), view.launch_s)


def _inter_trees(view: FabricView, n_bytes_per_gpu: float) -> TreePhase:
    """Double binary trees between nodes, one pair per GPU index, each over that GPU's rail."""
    n = view.N
    k, chunk = _tree_chunks(view, n_bytes_per_gpu / 2)
    trees = double_binary_tree(n)
    edges = sum((t >= 0).astype(int) + _children_count(t) for t in trees)
    rows = {key: [] for key in ("parent", "o_up", "l_up", "o_dn", "l_dn")}
    for gpu in range(view.G):
        rate, per_nic = _rail_share(view, gpu)
        for parent in trees:
            o = np.zeros(n)
            lat = np.zeros(n)
            child = np.flatnonzero(parent >= 0)
            par = parent[child]
            occ_c = view.net_occupancy(chunk * per_nic, rate[child], edges[child])
            occ_p = view.net_occupancy(chunk * per_nic, rate[par], edges[par])
            o[child] = np.maximum(occ_c, occ_p)
            lat[child] = view.net_latency(child, par)
            red_up, red_dn = _reduce_costs(parent, chunk * view.gamma_s_per_byte)
            rows["parent"].append(parent)
            rows["o_up"].append(o + red_up)
            rows["o_dn"].append(o + red_dn)
            rows["l_up"].append(lat)
            rows["l_dn"].append(lat)
    return TreePhase(
        np.array(rows["parent"]),
        np.array(rows["o_up"]),
        np.array(rows["l_up"]),
        np.array(rows["o_dn"]),
        np.array(rows["l_dn"]),
        k,
    )


def hierarchical_plan(view: FabricView, n_bytes: float, inter: str = "ring") -> Plan:
    """Reduce-scatter in the node, allreduce across nodes per GPU index (``ring`` or ``tree``), all-gather."""
    n, g = view.N, view.G
    phases = []
    if g > 1:
        phases.append(_intra_ring(view, "reduce_scatter", n_bytes / g))
    if n > 1:
        per_gpu = n_bytes / g
        if inter == "ring":
            phases.append(_inter_ring(view, per_gpu / n))
        elif inter == "tree":
            phases.append(_inter_trees(view, per_gpu))
        else:
            raise ValueError(f"unknown inter-node algorithm {inter!r} (use ring or tree)")
    if g > 1:
        phases.append(_intra_ring(view, "all_gather", n_bytes / g))
    return Plan(tuple(phases), view.launch_s)


def build_plan(view: FabricView, op: str, algorithm: str, n_bytes: float, inter: str = "ring") -> Plan:
    """The plan of one collective; reduce-scatter and all-gather run on the flat ring only (as in NCCL)."""
    if n_bytes < 0:
        raise ValueError("n_bytes must be >= 0")
    if op in ("reduce_scatter", "all_gather"):
        if algorithm != "ring":
            raise ValueError(f"{op} runs on the ring only, not {algorithm!r}")
        return ring_plan(view, op, n_bytes)  # type: ignore[arg-type]
    if op != "allreduce":
        raise ValueError(f"unknown collective {op!r}")
    if algorithm == "ring":
        return ring_plan(view, "allreduce", n_bytes)
    if algorithm == "tree":
        return tree_plan(view, n_bytes)
    if algorithm == "hierarchical":
        return hierarchical_plan(view, n_bytes, inter)
    raise ValueError(f"unknown algorithm {algorithm!r} (use {', '.join(ALGORITHMS)})")


class CollectiveModel:
    """Times collectives on one job's share of a cluster; ``auto`` picks the fastest algorithm and protocol,
    as NCCL's tuner does from its own model (allreduce: ring or tree; the others: ring)."""

    def __init__(
        self,
        cluster: ClusterSpec,
        *,
        nodes: int | None = None,
        gpus_per_node: int | None = None,
        controls: ControlSet | None = None,
    ) -> None:
        self.cluster = cluster
        self.nodes = cluster.nodes if nodes is None else nodes
        self.gpus_per_node = cluster.gpus_per_node if gpus_per_node is None else gpus_per_node
        self.controls = controls
        self._views: dict[str, FabricView] = {}
        self._memo: dict[tuple[str, float, str, str, str], CollectiveResult] = {}

    @property
    def ranks(self) -> int:
        return self.nodes * self.gpus_per_node

    def view(self, protocol: str) -> FabricView:
        if protocol not in self._views:
            self._views[protocol] = FabricView(
                self.cluster,
                nodes=self.nodes,
                gpus_per_node=self.gpus_per_node,
                protocol=protocol,
                controls=self.controls,
            )
        return self._views[protocol]

    def plan(self, op: str, n_bytes: float, algorithm: str, protocol: str, inter: str = "ring") -> Plan:
        return build_plan(self.view(protocol), op, algorithm, n_bytes, inter)

    def time(
        self, op: str, n_bytes: float, algorithm: str = "auto", protocol: str = "auto", inter: str = "ring"
    ) -> CollectiveResult:
        key = (op, float(n_bytes), algorithm, protocol, inter)
        if key not in self._memo:
            algorithms = (
                (("ring", "tree") if op == "allreduce" else ("ring",))
                if algorithm == "auto"
                else (algorithm,)
            )
            protocols = PROTOCOLS if protocol == "auto" else (protocol,)
            best: CollectiveResult | None = None
            for alg in algorithms:
                for proto in protocols:
                    t = plan_time_s(self.plan(op, n_bytes, alg, proto, inter))
                    if best is None or t < best.time_s:
                        best = CollectiveResult(op, alg, proto, float(n_bytes), self.ranks, t)
            assert best is not None
            self._memo[key] = best
        return self._memo[key]
