"""Configuration of the ML pipeline workload (``workloads: pipeline:`` in an experiment).

Every duration and bandwidth accepts units. Defaults that come from a published figure cite it; the others are
stated as assumptions and belong in the experiment when they matter.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from zsim.config.base import StrictModel
from zsim.units import Bytes, BytesPerSecond, Seconds

Stage = Literal["train", "evaluate", "register", "deploy"]
STAGES: tuple[Stage, ...] = ("train", "evaluate", "register", "deploy")

CHECKPOINT_ROW = (
    "published.md Collectives: checkpoint bytes per parameter, 2 (bf16 weights) vs 14 (fp32 master + Adam + "
    "bf16 copy), so a checkpoint is 7x the exported weights (70B: 140 GB / 980 GB)"
)
VLLM_ROW = "published.md Artifacts: vLLM engine ready after weights load 17–21 s"
DRAIN_SOURCE = "Kubernetes terminationGracePeriodSeconds default (30 s), the longest a pod drains"
LOAD_SOURCE = (
    "assumption, no published row: safetensors from local NVMe/page cache into GPU memory over PCIe Gen5 x16 "
    "(~50 GB/s line rate), at half the line rate"
)
_SEGMENT = re.compile(r"^[A-Za-z0-9._-]+$")
_TRUST_DOMAIN = re.compile(r"^[a-z0-9._-]+$")


class TrainSpec(StrictModel):
    duration_s: Seconds = Field(
        3600.0,
        ge=0,
        description="compute time of the training job (placeholder; the training model gives it)",
    )
    checkpoint_bytes: Bytes | None = Field(
        None, gt=0, description=f"default 7 x model_bytes ({CHECKPOINT_ROW})"
    )


class EvaluateSpec(StrictModel):
    duration_s: Seconds = Field(600.0, ge=0, description="evaluation compute time (placeholder)")


class DeploySpec(StrictModel):
    """The rolling update of the inference fleet."""

    replicas: int | None = Field(
        None, ge=1, description="replicas to update; default: the inference workload's replica count"
    )
    max_unavailable: int = Field(1, ge=1, description="rollout width: replicas down at once")
    drain_s: Seconds = Field(30.0, ge=0, description=DRAIN_SOURCE)
    load_bandwidth_Bps: BytesPerSecond = Field(25e9, gt=0, description=LOAD_SOURCE)
    warmup_min_s: Seconds = Field(
        17.0, ge=0, description=f"engine start after load, uniform draw ({VLLM_ROW})"
    )
    warmup_max_s: Seconds = Field(21.0, ge=0, description=f"upper end of the warm-up draw ({VLLM_ROW})")

    @model_validator(mode="after")
    def _warmup_range(self) -> DeploySpec:
        if self.warmup_max_s < self.warmup_min_s:
            raise ValueError("warmup_max_s must be >= warmup_min_s")
        return self


class EmulateSpec(StrictModel):
    """A small real artifact folder that stands in for the model at every boundary where a check is on.

    The real check runs (model_signing or ``cryptography``) and the simulated boundary passes or rejects as it
    did. Relative paths resolve against the experiment file's folder.
    """

    artifact_dir: Path
    signature: Path = Field(description="signature bundle: read, or written by the register stage when sign")
    format: Literal["model_signing", "native"] = "model_signing"
    sign: bool = Field(False, description="the register stage signs the folder for real (needs signing_key)")
    signing_key: Path | None = None
    signing_cert: Path | None = Field(
        None, description="leaf certificate carrying the register stage's SPIFFE ID"
    )
    chain: list[Path] = Field(default_factory=list, description="issuing CA certificates")
    trust: Path | None = Field(
        None, description="trust bundle (CA PEM) or public key; needed for signature mode"
    )
    recheck_every_replica: bool = Field(False, description="verify again on every replica instead of once")

    @model_validator(mode="after")
    def _key_when_signing(self) -> EmulateSpec:
        if self.sign and self.signing_key is None:
            raise ValueError("sign: true needs signing_key")
        return self


class PipelineConfig(StrictModel):
    model_bytes: Bytes = Field(
        gt=0, description="exported model weights (e.g. 140 GB for 70B parameters in bf16)"
    )
    stages: list[Stage] = Field(default_factory=lambda: list(STAGES), min_length=1)
    sensitivity: Literal["low", "medium", "high"] | None = Field(
        None, description="zoned tiers: the pipeline runs under this sensitivity zone's controls"
    )
    start_at_s: Seconds = Field(
        0.0, ge=0, description="when the pipeline starts (e.g. after a fleet warm-up)"
    )
    trust_domain: str = Field("zsim.example", description="SPIFFE trust domain of the stages' identities")
    tenant: str = Field("default", description="tenant path segment of the stages' SPIFFE IDs")
    train: TrainSpec = TrainSpec()
    evaluate: EvaluateSpec = EvaluateSpec()
    deploy: DeploySpec = DeploySpec()
    emulate: EmulateSpec | None = None

    @field_validator("stages")
    @classmethod
    def _ordered(cls, stages: list[Stage]) -> list[Stage]:
        if len(set(stages)) != len(stages) or stages != sorted(stages, key=STAGES.index):
            raise ValueError(f"stages must be distinct and in pipeline order {list(STAGES)}")
        return stages

    @field_validator("trust_domain")
    @classmethod
    def _td(cls, td: str) -> str:
        if not _TRUST_DOMAIN.match(td):
            raise ValueError("a SPIFFE trust domain holds only lowercase letters, digits, '.', '-' and '_'")
        return td

    @field_validator("tenant")
    @classmethod
    def _tenant(cls, tenant: str) -> str:
        if not _SEGMENT.match(tenant):
            raise ValueError("a SPIFFE path segment holds only letters, digits, '.', '-' and '_'")
        return tenant

    @property
    def checkpoint_bytes(self) -> float:
        return (
            self.train.checkpoint_bytes if self.train.checkpoint_bytes is not None else 7 * self.model_bytes
        )


def stage_spiffe_id(trust_domain: str, tenant: str, stage: str) -> str:
    """The SPIFFE ID a pipeline stage runs as, in the identity plane's layout for tenant workloads:
    ``spiffe://<td>/tenants/<tenant>/pipeline/<stage>`` (the component type is ``pipeline``)."""
    return f"spiffe://{trust_domain}/tenants/{tenant}/pipeline/{stage}"
