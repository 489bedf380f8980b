"""RunSpec: one (tier, sweep point, replication) of an experiment, and the records it produces."""

from __future__ import annotations

from dataclasses import dataclass, field

RECORD_COLUMNS = ("experiment", "tier", "point", "replication", "seed", "metric", "value")


@dataclass(frozen=True)
class RunSpec:
    experiment: str
    tier: str
    point: str  # "" for experiments without a sweep
    replication: int
    root_seed: int

    @property
    def key(self) -> str:
        return f"{self.tier}|{self.point}|{self.replication}"


@dataclass
class RunResult:
    spec: RunSpec
    seed: int
    metrics: dict[str, float]
    warnings: list[str] = field(default_factory=list)
    wall_s: float = 0.0
