"""Under common random numbers, adding a control never raises any campaign's success (trial by trial)."""

from __future__ import annotations

import os
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.attacks.helpers import TOPOLOGY, seeds
from tests.attacks.test_attack_controls import ON
from zsim.attacks.compile import compile_campaign
from zsim.attacks.loader import library
from zsim.attacks.montecarlo import simulate
from zsim.attacks.platform import PlatformSpec
from zsim.attacks.runner import load_platform
from zsim.controls.registry import CONTROLS, ControlSet

# More than one way to switch some controls on, so that the property covers their variants.
VARIANTS: dict[str, list[dict[str, Any]]] = {name: [settings] for name, settings in ON.items()}
VARIANTS["mtls"].append({"mode": "permissive", "proxy": "sidecar"})
VARIANTS["authz"] += [{"mode": "per_connection"}, {"mode": "per_request", "cache_ttl_s": 300},
                      {"mode": "per_request", "default_deny": False}]
VARIANTS["tokens"] += [{"enabled": True, "ttl_s": 600}, {"enabled": True, "ttl_s": 86400, "jitter_fraction": 0.3}]
VARIANTS["monitoring"].append({"enabled": True, "detect_probability": 0.9})
VARIANTS["artifact_verification"].append({"evaluate": "hash", "deploy": "hash"})
VARIANTS["runtime_integrity"] += [{"digest_pinning": True}, {"reverify_interval_s": 60}]
VARIANTS["data_integrity"] += [{"provenance": True}, {"validation": True, "catch_probability": 0.3}]
PLATFORMS = [load_platform(TOPOLOGY),
             PlatformSpec.model_validate({"synthetic": {"workloads": 48, "tenants": 2, "pods_per_node": 4, "seed": 5,
                                                        "privileged_fraction": 0.3, "host_network_fraction": 0.2}})]

EXAMPLES = int(os.environ.get("ZSIM_PROPERTY_EXAMPLES", "15"))  # raise for a longer search


def control_set(chosen: dict[str, dict[str, Any]]) -> ControlSet:
    return ControlSet("x", {k: CONTROLS[k].Params.model_validate(v) for k, v in chosen.items()})


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_adding_a_control_never_raises_success(data: st.DataObject) -> None:
    names = sorted(VARIANTS)
    base_names = data.draw(st.sets(st.sampled_from(names), max_size=6), label="base")
    added = data.draw(st.sampled_from([n for n in names if n not in base_names]), label="added")
    base = {n: data.draw(st.sampled_from(VARIANTS[n]), label=n) for n in sorted(base_names)}
    more = {**base, added: data.draw(st.sampled_from(VARIANTS[added]), label=added)}
    platform = data.draw(st.sampled_from(PLATFORMS), label="platform")
    for cid, camp in library().items():
        try:
            a = simulate(compile_campaign(camp, platform, control_set(base)), seeds(2), 1500)
        except Exception as exc:  # an entry selector may match nothing on the small platform
            assert "matches no component" in str(exc)
            continue
        b = simulate(compile_campaign(camp, platform, control_set(more)), seeds(2), 1500)
        assert np.array_equal(a.entry, b.entry), cid  # the same trials
        raised = b.success & ~a.success
        assert not raised.any(), (cid, added, int(raised.sum()))
