"""The fast path against the simpy reference on every library campaign, with time-dependent controls on."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from tests.attacks.helpers import TOPOLOGY, controls, seeds
from zsim.attacks.compile import compile_campaign
from zsim.attacks.loader import library
from zsim.attacks.montecarlo import simulate
from zsim.attacks.runner import load_platform
from zsim.attacks.simpy_engine import simulate_simpy

PLATFORM = load_platform(TOPOLOGY)  # background detection on: the defender's 10-day median dwell
CONTROLS = controls(
    monitoring={"enabled": True},
    tokens={"enabled": True, "ttl_s": 3600, "reevaluate_on_refresh": True},
    authz={"mode": "per_connection", "cache_ttl_s": 600},
    runtime_integrity={"reverify_interval_s": 3600},
    data_integrity={"validation": True, "catch_probability": 0.5},
    artifact_verification={"evaluate": "hash"},
)
N_FAST, N_SIMPY = 60_000, 1_500


def two_proportion_z(k1: int, n1: int, k2: int, n2: int) -> float:
    p = (k1 + k2) / (n1 + n2)
    se = math.sqrt(max(p * (1 - p), 1e-12) * (1 / n1 + 1 / n2))
    return (k1 / n1 - k2 / n2) / se


@pytest.mark.parametrize("cid", list(library()))
def test_fast_path_agrees_with_simpy(cid: str) -> None:
    cc = compile_campaign(library()[cid], PLATFORM, CONTROLS)
    fast = simulate(cc, seeds(21), N_FAST)
    ref = simulate_simpy(cc, seeds(21), N_SIMPY)
    for field in ("success", "detected"):
        z = two_proportion_z(int(getattr(fast, field).sum()), N_FAST, int(getattr(ref, field).sum()), N_SIMPY)
        assert abs(z) < 4.0, (cid, field, z)
    if ref.success.sum() >= 30 and fast.success.sum() >= 30:  # same time-to-compromise distribution
        assert stats.ks_2samp(fast.ttc_s[fast.success], ref.ttc_s[ref.success]).pvalue > 1e-4, cid
    assert abs(fast.blast_n.mean() - ref.blast_n.mean()) < 5 * max(ref.blast_n.std(), 0.1) / math.sqrt(N_SIMPY)
    assert np.isin(ref.entry, cc.entries).all()
