"""Shared helpers for the attack tests: platforms, control sets, theory intervals."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tests.conftest import REPO
from zsim.attacks.loader import campaign_from_data
from zsim.attacks.platform import PlatformSpec
from zsim.attacks.schema import CampaignSpec
from zsim.config.tiers import catalog, resolve_tier
from zsim.controls.registry import ControlSet, build_params
from zsim.rng import ReplicationSeeds, SeedTree

TOPOLOGY = REPO / "topologies" / "ml-platform-attack.yaml"
Z999 = 3.2905267314919255  # two-sided 99.9 %: fixed seeds make these checks deterministic, the width keeps
#                            them meaningful when a change of code reshuffles the draws


def controls(**settings: dict[str, Any]) -> ControlSet:
    return ControlSet("test", {name: build_params(name, values) for name, values in settings.items()})


def tier(name: str) -> ControlSet:
    cat = catalog()
    return resolve_tier(cat[name], cat, field=name)


def seeds(root: int = 11) -> ReplicationSeeds:
    return SeedTree(root).replication(0)


def wilson_contains(successes: int, n: int, p: float, z: float = Z999) -> bool:
    phat = successes / n
    denom = 1 + z * z / n
    centre = (phat + z * z / (2 * n)) / denom
    half = z * math.sqrt(phat * (1 - phat) / n + z * z / (4 * n * n)) / denom
    return centre - half <= p <= centre + half


def quiet(platform: PlatformSpec) -> PlatformSpec:
    """The platform with background detection off."""
    return platform.model_copy(update={"defender": platform.defender.model_copy(update={"dwell_median_s": None})})


def idealised(campaign: CampaignSpec) -> CampaignSpec:
    """No detection of its own and no horizon: what static reachability talks about."""
    return campaign.without_detection().with_horizon(math.inf)


def one_node_platform(**component: Any) -> PlatformSpec:
    """Two components (attacker pod and target) and background detection off."""
    base = {"name": "pod", "type": "training", "tenant": "acme", "node": "n1",
            "credentials": ["projected-token"]}
    base.update(component)
    return PlatformSpec.model_validate({
        "components": [base, {"name": "store", "type": "data-store", "tenant": "acme", "data_bytes": 1e9}],
        "network": {"links": [{"from": {"type": "training"}, "to": {"type": "data-store"}}]},
        "defender": {"dwell_median_s": None},
    })


def campaign(steps: list[dict[str, Any]], goal: str, entry: dict[str, Any] | None = None,
             horizon: Any = 1e12) -> CampaignSpec:
    return campaign_from_data({"id": "t", "title": "test", "entry": {"foothold": entry or {"type": "training"}},
                               "goal": goal, "horizon_s": horizon, "steps": steps})


def chain(rates: list[float], hazard_per_s: float = 0.0) -> CampaignSpec:
    steps = []
    prev = "foothold"
    for i, rate in enumerate(rates):
        step: dict[str, Any] = {"id": f"s{i}", "technique": "T1078", "requires": [prev], "yields": [f"c{i}"],
                                "ttc": {"exponential": {"rate_per_s": rate}}}
        if hazard_per_s > 0:
            step["detection"] = {"hazard_mean_s": 1.0 / hazard_per_s}
        steps.append(step)
        prev = f"c{i}"
    return campaign(steps, prev)


def rate_in(successes: np.ndarray) -> tuple[int, int]:
    return int(successes.sum()), int(successes.size)
