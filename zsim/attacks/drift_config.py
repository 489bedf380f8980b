"""Configuration of the ``drift`` workload (posture drift): see :mod:`zsim.attacks.drift` and docs/attacks.md.

Every rate here is an assumption: no published source measures how fast exceptions pile up or how many new
workloads join outside the controls, so the defaults are round numbers to sweep, not estimates.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import Field, field_validator, model_validator

from zsim.attacks.drift_scope import SIDES
from zsim.config.base import StrictModel
from zsim.units import PerSecond, Seconds

DAY_S = 86400.0
DRIFT_CAMPAIGNS = ("lateral-training-to-inference", "plaintext-interception", "escape-to-host", "credential-replay")
NEVER = "never"


class ExceptionKind(StrEnum):
    ALLOW = "allow"  # an allow rule: a link (network policy) and an access-policy allow between two classes
    MESH = "mesh"  # a pod taken out of the mesh (no sidecar): no mTLS to or from it
    PRIVILEGED = "privileged"  # a privileged pod admitted by an exemption from container hardening
    CREDENTIAL = "credential"  # a literal env credential allowed by an exemption from credential hygiene


def _default_mix() -> dict[ExceptionKind, float]:
    return {ExceptionKind.ALLOW: 0.4, ExceptionKind.MESH: 0.2, ExceptionKind.PRIVILEGED: 0.2,
            ExceptionKind.CREDENTIAL: 0.2}


class ExceptionsConfig(StrictModel):
    rate_per_s: PerSecond = Field(0.5 / 7 / DAY_S, ge=0, description="assumption: one exception every two weeks")
    mix: dict[ExceptionKind, float] = Field(default_factory=_default_mix,
                                            description="relative weights of the kinds (normalised)")

    @field_validator("mix")
    @classmethod
    def _weights(cls, mix: dict[ExceptionKind, float]) -> dict[ExceptionKind, float]:
        for kind, weight in mix.items():
            if not weight >= 0:
                raise ValueError(f"weight of {kind.value!r} must be >= 0, got {weight}")
        if not any(w > 0 for w in mix.values()):
            raise ValueError("at least one kind needs a positive weight")
        return mix


def _default_exempt() -> list[str]:
    return list(SIDES)


class JoinsConfig(StrictModel):
    rate_per_s: PerSecond = Field(2 / 30 / DAY_S, ge=0, description="assumption: two new workloads a month")
    unmanaged_fraction: float = Field(0.25, ge=0, le=1, description="assumption: a quarter join unmanaged")
    unmanaged_exempt: list[str] = Field(default_factory=_default_exempt,
                                        description="controls that do not cover an unmanaged component")

    @field_validator("unmanaged_exempt")
    @classmethod
    def _known(cls, names: list[str]) -> list[str]:
        for name in names:
            if name not in SIDES:
                raise ValueError(f"{name!r} cannot be exempted (exemptable: {', '.join(SIDES)})")
        return names


class DriftConfig(StrictModel):
    horizon_s: Seconds = Field(364 * DAY_S, gt=0, description="simulated time (52 weeks)")
    sample_every_s: Seconds = Field(7 * DAY_S, ge=DAY_S, description="attack success is measured this often")
    test_interval_s: Seconds | None = Field(
        28 * DAY_S, gt=0, description="penetration test every this long; 'never' (or null): no testing")
    find_probability: float = Field(0.5, ge=0, le=1,
                                    description="assumption: chance that one test finds a given open hole")
    exceptions: ExceptionsConfig = ExceptionsConfig()
    joins: JoinsConfig = JoinsConfig()
    campaigns: list[str] = Field(default_factory=lambda: list(DRIFT_CAMPAIGNS), min_length=1)
    trials: int = Field(1000, ge=1, description="trials per campaign per sample time")

    @field_validator("test_interval_s", mode="before")
    @classmethod
    def _never(cls, value: Any) -> Any:
        return None if isinstance(value, str) and value.strip().lower() == NEVER else value

    @model_validator(mode="after")
    def _fits(self) -> DriftConfig:
        if self.sample_every_s > self.horizon_s:
            raise ValueError(f"sample_every_s ({self.sample_every_s:g} s) is longer than horizon_s")
        return self

    def sample_times_s(self) -> list[float]:
        n = int(self.horizon_s // self.sample_every_s + 1e-9)
        return [k * self.sample_every_s for k in range(n + 1)]

    def day_label(self, t_s: float) -> str:
        width = max(3, len(str(int(self.horizon_s // DAY_S))))
        return f"d{int(t_s // DAY_S + 1e-9):0{width}d}"
