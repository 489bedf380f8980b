"""The closed forms agree exactly with the chunk-level simpy reference (every chunk on every link an event).

With every rate, latency and size a power of two (``DYADIC``) all float sums are exact, so the fast path and
the simulation must give the *same* number (==). With the real defaults they agree to rounding (1e-12).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.training.helpers import cluster, controls, dyadic_cluster
from zsim.controls.registry import ControlSet
from zsim.platform.collective_plans import build_plan
from zsim.platform.collectives import _range_max, _ring_brute_force, _ring_by_levels, plan_time_s
from zsim.platform.collectives_simpy import simulate_plan
from zsim.platform.fabric import ClusterSpec
from zsim.platform.fabric_view import FabricView

SHAPES = [(1, 2), (1, 4), (2, 1), (2, 4), (4, 2), (4, 4)]
CASES = [
    ("allreduce", "ring", "ring"),
    ("allreduce", "tree", "ring"),
    ("allreduce", "hierarchical", "ring"),
    ("allreduce", "hierarchical", "tree"),
    ("reduce_scatter", "ring", "ring"),
    ("all_gather", "ring", "ring"),
]
SLOW = {
    "degraded_links": [
        {"node": 1, "nic": 1, "bandwidth_factor": 0.5},
        {"node": 0, "gpu": 1, "bandwidth_factor": 0.25},
    ]
}


def _slow(nodes: int, gpus: int) -> dict:
    """One slow NIC cable (if there is a network) and one slow NVLink (if there are two GPUs)."""
    links = [
        link
        for link in SLOW["degraded_links"]
        if ("nic" in link and nodes > 1) or ("gpu" in link and gpus > 1)
    ]
    return {"degraded_links": links}


DYADIC_CRYPTO = {
    "rdma_encryption": {
        "mode": "software",
        "cores_per_nic": 2,
        "aes_gcm_core_Bps": 2.0**30,
        "per_message_s": 2.0**-22,
    }
}


def _both(
    spec: ClusterSpec, op: str, alg: str, inter: str, proto: str, n: float, ctl: ControlSet | None = None
) -> tuple[float, float]:
    plan = build_plan(FabricView(spec, protocol=proto, controls=ctl), op, alg, n, inter)
    return plan_time_s(plan), simulate_plan(plan)


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]}-{c[1]}-{c[2]}")
def test_exact_agreement_dyadic(shape: tuple[int, int], case: tuple[str, str, str]) -> None:
    nodes, gpus = shape
    op, alg, inter = case
    for proto, n, slow in itertools.product(("ll", "simple"), (2.0**6, 2.0**14, 2.0**22), (False, True)):
        spec = dyadic_cluster(nodes, gpus, **(_slow(nodes, gpus) if slow else {}))
        fast, ref = _both(spec, op, alg, inter, proto, n)
        assert fast == ref, (proto, n, slow, fast, ref)


@pytest.mark.parametrize("mode", ["software", "offload"])
def test_exact_agreement_with_rdma_encryption(mode: str) -> None:
    settings_ = dict(DYADIC_CRYPTO["rdma_encryption"], mode=mode, offload_line_rate_fraction=0.5)
    ctl = controls(rdma_encryption=settings_)
    spec = dyadic_cluster(4, 2, **SLOW)
    for op, alg, inter in CASES:
        for n in (2.0**10, 2.0**22):
            fast, ref = _both(spec, op, alg, inter, "simple", n, ctl)
            assert fast == ref


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]}-{c[1]}-{c[2]}")
def test_agreement_with_real_defaults(case: tuple[str, str, str]) -> None:
    op, alg, inter = case
    for (nodes, gpus), n in itertools.product([(3, 2), (2, 3), (5, 1)], (4096.0, 3e6, 1e8)):
        spec = cluster(
            nodes,
            gpus,
            nccl={"gamma_s_per_byte": 1e-13},
            degraded_links=[{"node": 1, "nic": 0, "bandwidth_factor": 0.3}],
        )
        fast, ref = _both(spec, op, alg, inter, "ll128", n)
        assert fast == pytest.approx(ref, rel=1e-12)


# --- the ring's max-plus closed form against the recursion it solves ----------
def _ring_recursion(o: np.ndarray, lat: np.ndarray, steps: int) -> float:
    """finish(i, s) = max(finish(i, s-1), finish(i-1, s-1) + L[i-1]) + o[i];
    done = max_i finish(i, S-1) + L[i]."""
    finish = o.copy()
    for _ in range(1, steps):
        arrived = np.roll(finish + lat, 1)
        finish = np.maximum(finish, arrived) + o
    return float((finish + lat).max())


occupancies = st.lists(st.sampled_from([0.25, 0.5, 1.0, 3.0, 0.125]), min_size=2, max_size=40)


@settings(max_examples=200, deadline=None)
@given(occupancies, st.data())
def test_ring_closed_form_solves_the_recursion(o: list[float], data: st.DataObject) -> None:
    p = len(o)
    lat = np.array(data.draw(st.lists(st.sampled_from([0.0, 0.5, 2.0, 8.0]), min_size=p, max_size=p)))
    steps = data.draw(st.integers(1, 2 * (p - 1)))
    oa = np.array(o)
    want = _ring_recursion(oa, lat, steps)
    assert _ring_brute_force(oa, lat, steps) == want
    assert _ring_by_levels(oa, lat, steps) == want


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=300), st.data())
def test_range_max(values: list[float], data: st.DataObject) -> None:
    arr = np.array(values)
    lo = np.array(data.draw(st.lists(st.integers(0, arr.size - 1), min_size=1, max_size=50)))
    span = np.array(data.draw(st.lists(st.integers(0, arr.size), min_size=lo.size, max_size=lo.size)))
    hi = np.minimum(lo + span, arr.size - 1)
    want = np.array([arr[a : b + 1].max() for a, b in zip(lo, hi, strict=True)])
    assert np.array_equal(_range_max(arr, lo, hi), want)
