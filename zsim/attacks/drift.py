"""Posture drift: how a zero-trust platform decays between tests, and what periodic testing buys back.

The ``drift`` workload simulates months of a platform's life (:mod:`zsim.attacks.drift_history`): exceptions
arrive and each opens an allow rule or exempts a workload from a control, new components join (some outside
the controls), and periodic penetration tests find and close a share of the open holes. Every
``sample_every_s`` the campaigns run on the platform *as it stands then*, under the run's tier, on the same
replication seeds at every sample (so success moves only because the platform did). Holes are changes to the
platform's components, links and policy scopes (:mod:`zsim.attacks.drift_scope`); the controls' own effects
do the rest, with no draw of their own.

Metrics (the engine prefixes ``drift.``; ``dNNN`` is the sample's day):

==================================  ==========================================================================
``<campaign>.success_rate@dNNN``    the campaign's success rate on the platform of day NNN
``success_rate@dNNN``               the mean of those over the campaigns
``open_holes@dNNN``                 holes open on day NNN
``<campaign>.success_rate_mean``    mean over the sample times (time-averaged success)
``mean_success_rate``               mean over campaigns and sample times
``open_holes_mean``                 exact time average of the open holes over [0, horizon]
``holes_opened``, ``holes_closed``  over the run; ``exceptions``, ``joins``, ``unmanaged_joins``, ``tests``
==================================  ==========================================================================
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import simpy

from zsim.attacks.access import default_access_policy
from zsim.attacks.drift_config import DriftConfig
from zsim.attacks.drift_history import UNMANAGED, DriftHistory
from zsim.attacks.drift_scope import DriftPolicy, ScopedControlSet
from zsim.attacks.effects import Effect
from zsim.attacks.loader import get_campaign
from zsim.attacks.platform import PlatformSpec
from zsim.attacks.runner import run_campaign
from zsim.attacks.schema import CampaignSpec
from zsim.attacks.workload import CampaignWorkload
from zsim.controls.registry import ControlSet
from zsim.engine.workload import register_workload
from zsim.rng import ReplicationSeeds


@dataclass
class DriftResult:
    config: DriftConfig
    history: DriftHistory
    times_s: list[float]
    success: dict[str, list[float]]  # campaign id → success rate per sample time
    open_holes: list[int]

    def metrics(self) -> dict[str, float]:
        cfg = self.config
        out: dict[str, float] = {}
        labels = [cfg.day_label(t) for t in self.times_s]
        for cid, rates in self.success.items():
            out.update({f"{cid}.success_rate@{label}": r for label, r in zip(labels, rates, strict=True)})
            out[f"{cid}.success_rate_mean"] = float(np.mean(rates))
        per_time = np.mean(np.array(list(self.success.values())), axis=0)
        out.update({f"success_rate@{label}": float(r) for label, r in zip(labels, per_time, strict=True)})
        out.update({f"open_holes@{label}": float(n) for label, n in zip(labels, self.open_holes, strict=True)})
        h = self.history
        out["mean_success_rate"] = float(per_time.mean())
        out["open_holes_mean"] = h.open_mean()
        out["holes_opened"] = float(len(h.holes))
        out["holes_closed"] = float(sum(x.closed_s is not None for x in h.holes))
        out["exceptions"] = float(h.exceptions)
        out["joins"] = float(len(h.joined))
        out["unmanaged_joins"] = float(sum(x.kind == UNMANAGED for x in h.holes))
        out["tests"] = float(len(h.tests_s))
        return out


def observe(history: DriftHistory, controls: ControlSet, seeds: ReplicationSeeds,
            campaigns: Sequence[CampaignSpec]) -> DriftResult:
    """Run the campaigns on the platform of every sample time (a finished history), same seeds each time."""
    cfg = history.config
    base_policy = default_access_policy(history.base.trust_domain)
    cache: dict[object, dict[str, float]] = {}
    memo: dict[object, list[Effect]] = {}  # control effects per step context, shared by every sample
    times = cfg.sample_times_s()
    success: dict[str, list[float]] = {c.id: [] for c in campaigns}
    for t in times:
        key = history.state_key(t)
        if key not in cache:
            drifted = history.render(t)
            scoped = ScopedControlSet(controls, drifted.scopes, memo=memo, policy_key=drifted.allows)
            policy = DriftPolicy(base_policy, drifted.allows) if drifted.allows else None
            cache[key] = {c.id: run_campaign(c, drifted.platform, scoped, seeds, cfg.trials, policy=policy)
                          .metrics["success_rate"] for c in campaigns}
        for cid, rate in cache[key].items():
            success[cid].append(rate)
    return DriftResult(cfg, history, times, success, [len(history.open_at(t)) for t in times])


def simulate_history(platform: PlatformSpec, config: DriftConfig, seeds: ReplicationSeeds) -> DriftHistory:
    """The drift history alone (no campaigns): arrivals, joins and tests over the horizon."""
    env = simpy.Environment()
    history = DriftHistory(platform, config, seeds)
    history.start(env)
    env.run()
    return history


def run_drift(platform: PlatformSpec, controls: ControlSet, seeds: ReplicationSeeds,
              config: DriftConfig | None = None) -> DriftResult:
    """Posture drift on ``platform`` under ``controls``: the history, then the campaigns at every sample time."""
    cfg = config or DriftConfig()
    campaigns = [get_campaign(c) for c in cfg.campaigns]
    return observe(simulate_history(platform, cfg, seeds), controls, seeds, campaigns)


@register_workload
class DriftWorkload(CampaignWorkload):
    name = "drift"
    purpose = "the drift model"
    Config = DriftConfig
    config: DriftConfig

    def start(self, env: simpy.Environment) -> None:
        self._history = DriftHistory(self._platform(), self.config, self.ctx.seeds)
        self._history.start(env)
        self._result: DriftResult | None = None

    def metrics(self) -> dict[str, float]:
        if self._result is None:
            campaigns = [get_campaign(self._campaign(c)) for c in self.config.campaigns]
            self._result = observe(self._history, self.ctx.controls, self.ctx.seeds, campaigns)
        return self._result.metrics()
