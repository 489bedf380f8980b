"""With no controls and no detection, a trial succeeds exactly when static reachability (a separate code path)
says its entry reaches the goal, on every library campaign, the shipped platform and random platforms."""

from __future__ import annotations

import os
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.attacks.helpers import TOPOLOGY, controls, idealised, quiet, seeds
from zsim.attacks.compile import compile_campaign
from zsim.attacks.loader import library
from zsim.attacks.montecarlo import simulate
from zsim.attacks.platform import PlatformSpec
from zsim.attacks.reachability import analyse
from zsim.attacks.runner import load_platform
from zsim.attacks.simpy_engine import simulate_simpy

NONE = controls()

EXAMPLES = int(os.environ.get("ZSIM_PROPERTY_EXAMPLES", "12"))  # raise for a longer search


def check(platform: PlatformSpec, trials: int, simpy_trials: int = 0) -> dict[str, int]:
    """Run every library campaign; return how many campaigns had reachable and unreachable entries."""
    seen = {"certain": 0, "unreachable": 0}
    for cid, camp in library().items():
        c = idealised(camp)
        try:
            cc = compile_campaign(c, platform, NONE)
        except Exception as exc:  # an entry selector may match nothing on a random platform
            assert "matches no component" in str(exc), cid
            continue
        reach = analyse(c, platform, NONE)
        verdict = np.array([reach.verdict[platform.components[i].name] for i in cc.entries])
        assert "possible" not in verdict, cid  # the library has no step that may fail by chance
        for name, results in (("fast", simulate(cc, seeds(5), trials)),
                              ("simpy", simulate_simpy(cc, seeds(5), simpy_trials) if simpy_trials else None)):
            if results is None:
                continue
            pos = np.searchsorted(cc.entries, results.entry)
            expected = verdict[pos] == "certain"
            assert (results.success == expected).all(), (cid, name, platform.components[results.entry[0]].name)
        for v in ("certain", "unreachable"):
            seen[v] += int((verdict == v).any())
    return seen


def test_shipped_platform_exactly_matches_reachability() -> None:
    seen = check(quiet(load_platform(TOPOLOGY)), trials=3000, simpy_trials=300)
    assert seen["certain"] >= 10 and seen["unreachable"] >= 3  # both verdicts are exercised


@st.composite
def platforms(draw: st.DrawFn) -> PlatformSpec:
    spec: dict[str, Any] = {
        "workloads": draw(st.integers(16, 40)),
        "tenants": draw(st.integers(1, 3)),
        "pods_per_node": draw(st.integers(2, 6)),
        "seed": draw(st.integers(0, 10_000)),
        "privileged_fraction": draw(st.sampled_from([0.0, 0.3, 1.0])),
        "host_network_fraction": draw(st.sampled_from([0.0, 0.3])),
        "rdma_fraction": draw(st.sampled_from([0.0, 1.0])),
        "legacy_token_fraction": draw(st.sampled_from([0.0, 0.5])),
        "env_credential_fraction": draw(st.sampled_from([0.0, 1.0])),
        "artifact_credential_fraction": draw(st.sampled_from([0.0, 0.5])),
    }
    flat = draw(st.booleans())
    return PlatformSpec.model_validate({"synthetic": spec, "network": {"flat": flat},
                                        "defender": {"dwell_median_s": None}})


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(platforms())
def test_random_platforms_exactly_match_reachability(platform: PlatformSpec) -> None:
    check(platform, trials=400)
