"""Configuration of a data-parallel training job (the ``training:`` workload) and of the ``nccl`` workload."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import Field, ValidationInfo, field_validator, model_validator

from zsim.config.base import StrictModel
from zsim.units import Bytes, Seconds

BYTES_ROW = (
    "published.md: checkpoint bytes per parameter 2 (bf16 weights), 12 (fp32 master + Adam), "
    "14 with bf16 copy"
)
BUCKET_ROW = "published.md: PyTorch DDP gradient bucket 25 MiB (first bucket 1 MiB), PyTorch reducer.hpp"

Algorithm = Literal["auto", "ring", "tree", "hierarchical"]
Protocol = Literal["auto", "ll", "ll128", "simple"]


class ModelSpec(StrictModel):
    parameters: float = Field(gt=0, description="trainable parameters")
    gradient_bytes_per_param: float = Field(2.0, gt=0, description="bf16 gradients (" + BYTES_ROW + ")")
    checkpoint_bytes_per_param: float = Field(14.0, gt=0, description=BYTES_ROW)

    @property
    def gradient_bytes(self) -> float:
        return self.parameters * self.gradient_bytes_per_param

    @property
    def checkpoint_bytes(self) -> float:
        return self.parameters * self.checkpoint_bytes_per_param


class BatchSpec(StrictModel):
    samples_per_gpu: int = Field(1, ge=1, description="micro-batch per GPU per step")
    tokens_per_sample: int | None = Field(None, ge=1, description="sequence length, for tokens/s and FLOPs")


class ComputeSpec(StrictModel):
    """Forward and backward time per step: given directly, or from FLOPs and the GPU's throughput."""

    forward_s: Seconds | None = Field(None, gt=0)
    backward_s: Seconds | None = Field(None, gt=0)
    flops_per_sample: float | None = Field(
        None,
        gt=0,
        description="forward+backward FLOPs per sample; default 6 x parameters x tokens_per_sample",
    )
    backward_fraction: float = Field(2 / 3, gt=0, lt=1, description="share of the FLOPs in the backward pass")
    mfu: float = Field(0.4, gt=0, le=1, description="achieved fraction of peak FLOP/s (assumption)")
    optimizer_s: Seconds = Field(0.0, ge=0, description="optimizer step after the last gradient is reduced")
    jitter_cv: float = Field(
        0.0, ge=0, le=1, description="coefficient of variation of each GPU's compute time"
    )

    @model_validator(mode="after")
    def _both_or_none(self) -> Self:
        if (self.forward_s is None) != (self.backward_s is None):
            raise ValueError("give both forward_s and backward_s, or neither (then FLOPs are used)")
        if self.forward_s is not None and self.flops_per_sample is not None:
            raise ValueError("give either forward_s/backward_s or flops_per_sample, not both")
        return self


class CollectiveSpec(StrictModel):
    algorithm: Algorithm = "hierarchical"
    inter_node: Literal["ring", "tree"] = Field("tree", description="hierarchical: algorithm between nodes")
    protocol: Protocol = "auto"
    bucket_bytes: Bytes = Field(25 * 2**20, gt=0, description=BUCKET_ROW)
    first_bucket_bytes: Bytes = Field(2**20, gt=0, description=BUCKET_ROW)
    overlap: bool = Field(True, description="allreduce buckets while the backward pass still runs")


class CheckpointSpec(StrictModel):
    every_steps: int = Field(ge=1)
    destination: Literal["storage", "registry"] = "storage"
    writers: int | Literal["all"] = Field("all", description="nodes writing a shard each")
    streams_per_writer: int = Field(1, ge=1, description="parallel connections per writer")
    part_bytes: Bytes = Field(64 * 2**20, gt=0, description="multipart upload part: one message each")
    blocking: bool = Field(True, description="training waits for the checkpoint to be written")

    @field_validator("writers")
    @classmethod
    def _positive(cls, v: int | str) -> int | str:
        if isinstance(v, int) and v < 1:
            raise ValueError("writers must be >= 1 or 'all'")
        return v


class TrainingConfig(StrictModel):
    """A data-parallel job: every GPU computes a micro-batch, gradients are allreduced in buckets."""

    steps: int = Field(ge=1)
    sensitivity: Literal["low", "medium", "high"] | None = Field(
        None, description="zoned tiers: the job runs under this sensitivity zone's controls"
    )
    nodes: int | None = Field(None, ge=1, description="nodes used (default: the whole cluster)")
    gpus_per_node: int | None = Field(None, ge=1, description="GPUs used per node (default: all)")
    model: ModelSpec
    batch: BatchSpec = BatchSpec()
    compute: ComputeSpec = ComputeSpec()
    collective: CollectiveSpec = CollectiveSpec()
    checkpoint: CheckpointSpec | None = None
    startup_s: Seconds = Field(0.0, ge=0, description="start-up before node attestation (scheduling, images)")
    credential_ttl_s: Seconds | None = Field(
        None,
        gt=0,
        description="lifetime of the job's storage/registry credential when token rotation is off "
        "(e.g. 1 h: published.md 'AWS STS AssumeRole 1 h default'); none = never expires",
    )

    @field_validator("collective")
    @classmethod
    def _bucket_fits_model(cls, v: CollectiveSpec, info: ValidationInfo) -> CollectiveSpec:
        model = info.data.get("model")
        if model is None:
            return v
        grads = model.gradient_bytes
        for name in ("bucket_bytes", "first_bucket_bytes"):
            size = getattr(v, name)
            if size > grads:
                raise ValueError(
                    f"{name} ({size:.4g} B) is larger than the model's gradients "
                    f"({grads:.4g} B = parameters x gradient_bytes_per_param)"
                )
        return v

    @field_validator("compute")
    @classmethod
    def _flops_need_tokens(cls, v: ComputeSpec, info: ValidationInfo) -> ComputeSpec:
        batch = info.data.get("batch")
        if (
            v.forward_s is None
            and v.flops_per_sample is None
            and batch is not None
            and (batch.tokens_per_sample is None)
        ):
            raise ValueError("without forward_s/backward_s, give flops_per_sample or batch.tokens_per_sample")
        return v


class NcclTestsConfig(StrictModel):
    """One nccl-tests measurement: a collective of ``bytes`` on ``nodes`` x ``gpus_per_node`` GPUs."""

    op: Literal["allreduce", "reduce_scatter", "all_gather"] = "allreduce"
    bytes: Bytes = Field(gt=0, description="nccl-tests 'size': the buffer, as printed in its first column")
    algorithm: Algorithm = "auto"
    inter_node: Literal["ring", "tree"] = "ring"
    protocol: Protocol = "auto"
    nodes: int | None = Field(None, ge=1)
    gpus_per_node: int | None = Field(None, ge=1)

    @model_validator(mode="after")
    def _ring_only(self) -> Self:
        if self.op != "allreduce" and self.algorithm not in ("auto", "ring"):
            raise ValueError(f"{self.op} runs on the ring only (algorithm: ring or auto)")
        return self
