"""The workload-model interface: each platform model that produces metrics in a run implements it.

An experiment's ``workloads:`` section maps a workload name to that model's config. For one run the engine
builds one simpy ``Environment``, creates every configured model with a :class:`RunContext`, calls ``start``
on each (models schedule their processes, and may find each other through ``ctx.models`` to interact, e.g. a
rollout taking fleet replicas down), runs the environment until no events remain, and collects
``metrics()``. Metric names carry units (``latency_p99_s``); the engine prefixes them with the workload name.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import simpy

from zsim.config.base import StrictModel
from zsim.config.topology import TopologyConfig
from zsim.controls.registry import ControlSet
from zsim.rng import ReplicationSeeds


@dataclass
class RunContext:
    topology: TopologyConfig
    controls: ControlSet
    seeds: ReplicationSeeds
    models: dict[str, WorkloadModel] = field(default_factory=dict)
    base_dir: Path | None = None  # where the experiment file lives: relative paths in configs resolve here
    warnings: list[str] = field(default_factory=list)
    extras: dict[str, Any] = field(default_factory=dict)  # shared services (identity plane, registry, ...)


class WorkloadModel(ABC):
    """One simulated workload. Subclasses set ``name`` (the key under ``workloads:``) and ``Config``."""

    name: ClassVar[str]
    Config: ClassVar[type[StrictModel]]

    def __init__(self, config: StrictModel, ctx: RunContext) -> None:
        self.config = config
        self.ctx = ctx

    @abstractmethod
    def start(self, env: simpy.Environment) -> None:
        """Schedule this workload's processes in ``env``; must not run it."""

    @abstractmethod
    def metrics(self) -> dict[str, float]:
        """Metric name (with unit suffix) → value, after the environment has run."""

    def check(self, topology: TopologyConfig) -> None:  # noqa: B027 (optional hook)
        """Cross-reference checks against the topology; raise InputError naming the field."""


WORKLOADS: dict[str, type[WorkloadModel]] = {}


def register_workload(cls: type[WorkloadModel]) -> type[WorkloadModel]:
    WORKLOADS[cls.name] = cls
    return cls


def workload_models() -> dict[str, type[WorkloadModel]]:
    """Every registered workload model, importing the built-in ones first."""
    import zsim.platform.models  # noqa: F401  (registration side effect)

    return WORKLOADS
