"""Running campaigns: one campaign, many campaigns as experiment metrics, and the attack × tier matrix.

Every tier of a comparison runs the same trials of the same replication seeds (common random numbers), so a
difference between tiers is the controls' doing, not the dice's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from zsim.attacks.compile import compile_campaign
from zsim.attacks.effects import AccessPolicy
from zsim.attacks.loader import get_campaign, library
from zsim.attacks.metrics import summarize, survival_curve
from zsim.attacks.montecarlo import TrialResults, simulate
from zsim.attacks.platform import PlatformSpec
from zsim.attacks.schema import CampaignSpec
from zsim.attacks.simpy_engine import simulate_simpy
from zsim.controls.registry import ControlSet
from zsim.errors import InputError
from zsim.rng import ReplicationSeeds, SeedTree

Engine = Literal["fast", "simpy"]


@dataclass
class CampaignResult:
    campaign: str
    tier: str
    metrics: dict[str, float]
    survival: dict[str, list[float]] = field(default_factory=dict)
    trials: TrialResults | None = None

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"campaign": self.campaign, "tier": self.tier}
        out.update({k: _json_number(v) for k, v in self.metrics.items()})
        out["trials"] = int(self.metrics["trials"])
        if self.survival:
            out["survival"] = self.survival
        return out


def _json_number(v: float) -> float | None:
    return None if v != v else v  # NaN → null


def run_campaign(campaign: CampaignSpec | str, platform: PlatformSpec, controls: ControlSet,
                 seeds: ReplicationSeeds, trials: int, *, engine: Engine = "fast",
                 policy: AccessPolicy | None = None, keep_trials: bool = False) -> CampaignResult:
    spec = get_campaign(campaign) if isinstance(campaign, str) else campaign
    if trials < 1:
        raise InputError("must be at least 1", field="trials")
    cc = compile_campaign(spec, platform, controls, policy)
    results = simulate(cc, seeds, trials) if engine == "fast" else simulate_simpy(cc, seeds, trials)
    return CampaignResult(spec.id, controls.tier, summarize(results), survival_curve(results),
                          results if keep_trials else None)


def run_campaigns(campaign_ids: Iterable[str], platform: PlatformSpec, controls: ControlSet,
                  seeds: ReplicationSeeds, trials: int) -> dict[str, float]:
    """Metrics of several campaigns for an experiment's results: ``attack.<campaign-id>.<metric>``."""
    out: dict[str, float] = {}
    for cid in campaign_ids:
        result = run_campaign(cid, platform, controls, seeds, trials)
        out.update({f"attack.{result.campaign}.{k}": v for k, v in result.metrics.items()})
    return out


def attack_matrix(platform: PlatformSpec, tiers: Mapping[str, ControlSet], *, campaigns: Iterable[str] | None = None,
                  trials: int = 10_000, seed: int = 0, replication: int = 0) -> dict[tuple[str, str], CampaignResult]:
    """Every campaign under every tier, all on the same seeds: ``{(campaign, tier): result}``."""
    seeds = SeedTree(seed).replication(replication)
    ids = list(campaigns) if campaigns is not None else list(library())
    return {(cid, name): run_campaign(cid, platform, controls, seeds, trials)
            for cid in ids for name, controls in tiers.items()}


def ablation(platform: PlatformSpec, controls: ControlSet, *, campaigns: Iterable[str] | None = None,
             trials: int = 10_000, seed: int = 0) -> dict[tuple[str, str], float]:
    """What each control of a tier buys *in that tier*: ``{(campaign, control): rise of the success rate when
    that control alone is switched off}``, on the same seeds. Zero means the other controls (or nothing) already
    cover what it would stop, or that it does not act on that campaign at all."""
    seeds = SeedTree(seed).replication(0)
    ids = list(campaigns) if campaigns is not None else list(library())
    active = {c.name: c.params for c in controls.active()}
    full = {cid: run_campaign(cid, platform, controls, seeds, trials).metrics["success_rate"] for cid in ids}
    out = {}
    for name in active:
        without = ControlSet(f"{controls.tier}-{name}", {k: v for k, v in active.items() if k != name})
        for cid in ids:
            out[(cid, name)] = run_campaign(cid, platform, without, seeds, trials).metrics["success_rate"] - full[cid]
    return out


def resolve_tier(name: str) -> ControlSet:
    """A tier from the catalog by name, or a tier file (e.g. a posture written by ``zsim audit``)."""
    from zsim.config.tiers import catalog, load_tier_file, resolve_tier

    known = dict(catalog())
    if name.endswith((".yaml", ".yml")) or Path(name).is_file():
        spec = load_tier_file(name)
        known[spec.name] = spec
    elif name in known:
        spec = known[name]
    else:
        raise InputError(f"unknown tier {name!r} (catalog: {', '.join(sorted(known))}; or give a tier file)",
                         field="tier")
    return resolve_tier(spec, known, field="tier")


def load_platform(topology: str | Path) -> PlatformSpec:
    from zsim.config.topology import load_topology

    topo = load_topology(topology)
    if topo.platform is None:
        raise InputError("the topology has no 'platform' section for attack campaigns", file=topology,
                         field="platform")
    return topo.platform
