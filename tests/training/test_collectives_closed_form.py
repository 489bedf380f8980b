"""The collective models against the textbook alpha-beta-gamma formulas (Thakur, Rabenseifner and Gropp 2005;
NCCL's latency model), from latency-bound to bandwidth-bound sizes, homogeneous and with one slow link.

Each expected value is written out from alpha, beta and gamma read off the cluster spec, independently of the
plan builders and of the max-plus evaluation, and must agree within 0.1 %.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from tests.training.helpers import cluster
from zsim.platform.collective_plans import CollectiveModel, double_binary_tree
from zsim.platform.collectives import (
    CollectiveResult,
    TreePhase,
    bus_factor,
    ring_pipeline_s,
    tree_phase_s,
)
from zsim.platform.fabric import ClusterSpec

SIZES = [8, 4 * 2**10, 1 * 2**20, 64 * 2**20, 8 * 2**30]  # latency-bound ... bandwidth-bound
GAMMA = 2e-13  # s/byte: a reduction term that is visible (NCCL's default is 0, fused into the copy)
REL = 1e-3


def _nvlink(spec: ClusterSpec, proto: str = "simple") -> tuple[float, float]:
    """(alpha, beta) of one NVLink ring step."""
    alpha = spec.nccl.nvlink_step_latency_s.get(proto)
    beta = 1 / (spec.nvlink.bandwidth_Bps * spec.nvlink.efficiency * spec.nccl.protocol_efficiency.get(proto))
    return alpha, beta


def _network(spec: ClusterSpec, nics: int, proto: str = "simple") -> tuple[float, float]:
    """(alpha, beta) of one network step through ``nics`` NICs (nodes under one leaf switch)."""
    ib = spec.infiniband
    alpha = spec.nccl.net_step_latency_s.get(proto) + ib.step_latency_s
    beta = 1 / (nics * ib.line_rate_Bps * ib.efficiency * spec.nccl.protocol_efficiency.get(proto))
    return alpha, beta


@pytest.mark.parametrize("p", [2, 4, 8])
@pytest.mark.parametrize("n", SIZES)
def test_ring_allreduce_one_node_is_textbook(p: int, n: int) -> None:
    spec = cluster(1, p, nccl={"gamma_s_per_byte": GAMMA, "launch_s": 5e-6})
    alpha, beta = _nvlink(spec)
    expected = 5e-6 + 2 * (p - 1) * alpha + 2 * (p - 1) / p * n * beta + (p - 1) / p * n * GAMMA
    got = CollectiveModel(spec).time("allreduce", n, "ring", "simple").time_s
    assert got == pytest.approx(expected, rel=REL)


@pytest.mark.parametrize("op", ["reduce_scatter", "all_gather"])
@pytest.mark.parametrize("n", SIZES)
def test_reduce_scatter_and_all_gather_are_textbook(op: str, n: int) -> None:
    p = 8
    spec = cluster(1, p, nccl={"gamma_s_per_byte": GAMMA})
    alpha, beta = _nvlink(spec, "ll128")
    expected = (
        (p - 1) * alpha + (p - 1) / p * n * beta + ((p - 1) / p * n * GAMMA if op == "reduce_scatter" else 0)
    )
    got = CollectiveModel(spec).time(op, n, "ring", "ll128").time_s
    assert got == pytest.approx(expected, rel=REL)


@pytest.mark.parametrize("nodes", [2, 5, 16])
@pytest.mark.parametrize("n", SIZES)
def test_ring_across_nodes_is_textbook(nodes: int, n: int) -> None:
    """One GPU per node: every ring link is a network hop through all the node's NICs."""
    spec = cluster(nodes, 1, nccl={"gamma_s_per_byte": GAMMA})
    alpha, beta = _network(spec, spec.infiniband.nics_per_node)
    p = nodes
    expected = 2 * (p - 1) * alpha + 2 * (p - 1) / p * n * beta + (p - 1) / p * n * GAMMA
    got = CollectiveModel(spec).time("allreduce", n, "ring", "simple").time_s
    assert got == pytest.approx(expected, rel=REL)


def _slow_ring(p: int, steps: int, alpha: float, occ: float, occ_slow: float, k: int) -> float:
    """A ring of p links, k adjacent ones of occupancy ``occ_slow`` and the rest ``occ``, all of latency
    ``alpha``. A chunk's dependency path covers a window of m consecutive links (m <= steps; a window longer
    than the ring covers m - p links twice) and spends its remaining steps on a slow link: the best window of
    each length holds j(m) = min(m, k) + min(max(m - p, 0), k) slow links."""
    best = -math.inf
    for m in range(1, steps + 1):
        j = min(m, k) + min(max(m - p, 0), k)
        best = max(best, m * (alpha + occ) + j * (occ_slow - occ) + (steps - m) * occ_slow)
    return best


@pytest.mark.parametrize("n", SIZES)
def test_one_slow_link_bounds_the_ring(n: int) -> None:
    """A NIC cable at 1/4 rate on node 3 slows the ring links into and out of node 3 (k = 2)."""
    nodes = 8
    spec = cluster(
        nodes,
        1,
        nccl={"gamma_s_per_byte": GAMMA},
        degraded_links=[{"node": 3, "nic": 5, "bandwidth_factor": 0.25}],
    )
    alpha, beta = _network(spec, spec.infiniband.nics_per_node)
    chunk = n / nodes
    steps = 2 * (nodes - 1)
    # NCCL stripes every step over all NICs, so the node's slowest NIC sets its pace: beta x 4
    expected = (
        _slow_ring(nodes, steps, alpha, chunk * beta, chunk * 4 * beta, 2) + (nodes - 1) * chunk * GAMMA
    )
    got = CollectiveModel(spec).time("allreduce", n, "ring", "simple").time_s
    assert got == pytest.approx(expected, rel=REL)


@pytest.mark.parametrize("p,k", [(5, 1), (12, 1), (12, 3), (400, 1), (400, 7)])  # 400: the level-set path
def test_ring_pipeline_with_slow_links_matches_formula(p: int, k: int) -> None:
    for alpha, occ, slow in [(1.0, 0.1, 0.5), (0.01, 1.0, 3.0), (2.0, 1.0, 2.5)]:
        o = np.full(p, occ)
        o[2 : 2 + k] = slow
        for steps in (p - 1, 2 * (p - 1)):
            assert ring_pipeline_s(o, np.full(p, alpha), steps) == pytest.approx(
                _slow_ring(p, steps, alpha, occ, slow, k), rel=1e-12
            )


def test_bandwidth_bound_ring_busbw_is_the_slowest_link() -> None:
    spec = cluster(1, 8, degraded_links=[{"node": 0, "gpu": 6, "bandwidth_factor": 0.5}])
    r = CollectiveModel(spec).time("allreduce", 64 * 2**30, "ring", "simple")
    slow = spec.nvlink.bandwidth_Bps * spec.nvlink.efficiency * 0.5
    assert r.busbw_Bps == pytest.approx(slow, rel=REL)


# --- trees ----------
def _complete_binary_tree(depth: int) -> np.ndarray:
    n = 2 ** (depth + 1) - 1
    return np.array([-1] + [(v - 1) // 2 for v in range(1, n)])


@pytest.mark.parametrize("depth", [1, 3, 6])
@pytest.mark.parametrize("chunks", [1, 2, 64])
def test_tree_pipeline_homogeneous(depth: int, chunks: int) -> None:
    parent = _complete_binary_tree(depth)
    o, lat = 0.3, 1.7
    ones = np.ones(parent.size)
    phase = TreePhase(parent, o * ones, lat * ones, o * ones, lat * ones, chunks)
    assert tree_phase_s(phase) == pytest.approx(2 * depth * (o + lat) + (chunks - 1) * o, rel=1e-12)


@pytest.mark.parametrize("chunks", [1, 8, 512])
def test_tree_pipeline_one_slow_leaf_edge(chunks: int) -> None:
    depth = 4
    parent = _complete_binary_tree(depth)
    o, slow, lat = 0.3, 2.0, 0.5
    up = np.full(parent.size, o)
    up[-1] = slow  # the last vertex is a deepest leaf
    phase = TreePhase(parent, up, np.full(parent.size, lat), up, np.full(parent.size, lat), chunks)
    expected = 2 * depth * (o + lat) + 2 * (slow - o) + (chunks - 1) * slow
    assert tree_phase_s(phase) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("nodes", [2, 4, 16, 64])
@pytest.mark.parametrize("gpus", [1, 8])
def test_tree_latency_is_nccls_formula(nodes: int, gpus: int) -> None:
    """Tiny messages: 2 x ((G-1) NVLink steps + log2(N) network steps), NCCL's tree latency (tuning.cc)."""
    spec = cluster(nodes, gpus, infiniband={"switch_radix": 256})  # every node under one leaf switch
    a_nvl, _ = _nvlink(spec, "ll")
    a_net, _ = _network(spec, 8, "ll")
    expected = 2 * ((gpus - 1) * a_nvl + math.log2(nodes) * a_net)
    got = CollectiveModel(spec).time("allreduce", 8, "tree", "ll").time_s
    assert got == pytest.approx(expected, rel=REL)


def test_double_binary_tree_is_nccls() -> None:
    """NCCL's btree (ncclGetBtree): one root with one child, at most two children each, depth ceil(log2 n);
    the second tree mirrors (even n) or shifts (odd n) the first (ncclGetDtree)."""
    for n in range(2, 300):
        for parent in double_binary_tree(n):
            assert (parent < 0).sum() == 1
            kids = np.bincount(parent[parent >= 0], minlength=n)
            assert kids.max() <= 2 and kids[parent < 0][0] == 1
            depth = np.zeros(n, int)
            for v in range(n):  # every vertex reaches the root without a cycle
                u, d = v, 0
                while parent[u] >= 0:
                    u, d = parent[u], d + 1
                    assert d <= n
                depth[v] = d
            assert depth.max() == math.ceil(math.log2(n))
        t0, t1 = double_binary_tree(n)
        shift = (np.arange(n) + 1) % n if n % 2 else n - 1 - np.arange(n)
        expect = np.where(t0 < 0, -1, shift[t0])
        assert np.array_equal(t1[shift], expect)


# --- hierarchical ----------
def _hierarchical(spec: ClusterSpec, n: float, inter_occ_factor: float = 1.0, slow_k: int = 0) -> float:
    g, nodes = spec.gpus_per_node, spec.nodes
    a_n, b_n = _nvlink(spec)
    a_r, b_r = _network(spec, 1)  # each GPU has its own rail NIC (8 NICs, 8 rails, 8 GPUs)
    c1, c2 = n / g, n / (g * nodes)
    intra = (g - 1) * (a_n + c1 * b_n)
    steps = 2 * (nodes - 1)
    inter = steps * (a_r + c2 * b_r)
    if slow_k:
        inter = _slow_ring(nodes, steps, a_r, c2 * b_r, c2 * b_r * inter_occ_factor, slow_k)
    gamma = spec.nccl.gamma_s_per_byte
    return intra + (g - 1) * c1 * gamma + inter + (nodes - 1) * c2 * gamma + intra


@pytest.mark.parametrize("nodes", [2, 8, 32])
@pytest.mark.parametrize("n", SIZES)
def test_hierarchical_is_three_textbook_rings(nodes: int, n: int) -> None:
    spec = cluster(nodes, 8, nccl={"gamma_s_per_byte": GAMMA})
    got = CollectiveModel(spec).time("allreduce", n, "hierarchical", "simple", inter="ring").time_s
    assert got == pytest.approx(_hierarchical(spec, n), rel=REL)


@pytest.mark.parametrize("n", SIZES)
def test_hierarchical_with_one_slow_rail_link(n: int) -> None:
    """NIC 2 of node 5 at 1/3 rate slows only rail 2's ring, on both links that touch node 5."""
    spec = cluster(
        16,
        8,
        nccl={"gamma_s_per_byte": GAMMA},
        degraded_links=[{"node": 5, "nic": 2, "bandwidth_factor": 1 / 3}],
    )
    got = CollectiveModel(spec).time("allreduce", n, "hierarchical", "simple", inter="ring").time_s
    assert got == pytest.approx(_hierarchical(spec, n, inter_occ_factor=3.0, slow_k=2), rel=REL)


# --- nccl-tests figures ----------
def test_busbw_definitions() -> None:
    """nccl-tests doc/PERFORMANCE.md: allreduce 2(n-1)/n, reduce-scatter and all-gather (n-1)/n."""
    assert bus_factor("allreduce", 8) == pytest.approx(1.75)
    assert bus_factor("all_gather", 8) == pytest.approx(0.875)
    assert bus_factor("reduce_scatter", 4) == pytest.approx(0.75)
    r = CollectiveResult("allreduce", "ring", "simple", 1e9, 16, 0.01)
    assert r.algbw_Bps == pytest.approx(1e11)
    assert r.busbw_Bps == pytest.approx(1e11 * 2 * 15 / 16)


def test_tuner_picks_the_fastest() -> None:
    spec = cluster(16, 8)
    model = CollectiveModel(spec)
    for n in SIZES:
        best = model.time("allreduce", n)
        every = [
            model.time("allreduce", n, a, p).time_s
            for a in ("ring", "tree")
            for p in ("ll", "ll128", "simple")
        ]
        assert best.time_s == min(every)
    assert model.time("allreduce", 4096).protocol == "ll"  # latency-bound: the low-latency protocol
    assert model.time("allreduce", 8 * 2**30).protocol == "simple"  # bandwidth-bound: the full payload
