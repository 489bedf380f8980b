"""Campaigns inside experiments: the ``attack`` workload.

An experiment lists ``workloads: {attack: {campaigns: [...], trials: N}}`` beside the cost workloads; every
tier and replication runs the campaigns on the topology's ``platform`` under that tier's controls and the
replication's seeds, and the metrics land in the same results as the costs, as
``attack.<campaign-id>.<metric>`` (the engine prefixes the workload name). The attacker's simulated time is
its own (each trial is a separate history), so nothing is scheduled in the run's environment.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import simpy
from pydantic import Field

from zsim.attacks.loader import LIBRARY_IDS, get_campaign
from zsim.attacks.platform import PlatformSpec
from zsim.attacks.runner import run_campaign
from zsim.config.base import StrictModel
from zsim.config.topology import TopologyConfig
from zsim.engine.workload import WorkloadModel, register_workload
from zsim.errors import InputError


class AttackConfig(StrictModel):
    campaigns: list[str] = Field(default_factory=lambda: list(LIBRARY_IDS), min_length=1,
                                 description="library ids or campaign files (relative to the experiment)")
    trials: int = Field(10_000, ge=1)
    engine: Literal["fast", "simpy"] = "fast"


class CampaignWorkload(WorkloadModel):
    """What workloads that run campaigns on the topology's ``platform`` share: resolving campaign names and
    checking that the platform and every campaign exist. Subclasses set ``purpose`` for the error messages and
    have a ``campaigns`` list in their config."""

    purpose = "attack campaigns"

    def _campaign(self, name: str) -> str | Path:
        base = self.ctx.base_dir
        if name.endswith((".yaml", ".yml")) and base is not None and not Path(name).is_absolute():
            return base / name
        return name

    def _platform(self) -> PlatformSpec:
        platform = self.ctx.topology.platform
        if platform is None:
            raise InputError(f"the topology has no 'platform' section for {self.purpose}", field="platform")
        return platform

    def check(self, topology: TopologyConfig) -> None:
        if topology.platform is None:
            raise InputError(f"the topology has no 'platform' section for {self.purpose}", field="campaigns")
        for i, name in enumerate(self.config.campaigns):  # type: ignore[attr-defined]
            try:
                get_campaign(self._campaign(name))
            except InputError as exc:
                raise exc.prefixed(f"campaigns[{i}]") from None


@register_workload
class AttackWorkload(CampaignWorkload):
    name = "attack"
    Config = AttackConfig
    config: AttackConfig

    def start(self, env: simpy.Environment) -> None:
        platform = self._platform()
        self._metrics: dict[str, float] = {}
        for name in self.config.campaigns:
            result = run_campaign(get_campaign(self._campaign(name)), platform, self.ctx.controls, self.ctx.seeds,
                                  self.config.trials, engine=self.config.engine)
            self._metrics.update({f"{result.campaign}.{k}": v for k, v in result.metrics.items()})

    def metrics(self) -> dict[str, float]:
        return dict(self._metrics)
