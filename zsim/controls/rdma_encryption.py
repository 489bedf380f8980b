"""Encryption of RDMA traffic between training nodes: off, in software on host cores, or inline on the NIC.

Why it matters: collective traffic moves by kernel-bypass RDMA (GPUDirect over InfiniBand/RoCE), which no
network policy, sidecar or host firewall sees. Encrypting it is the only control that protects the training
fabric's data in flight (gradients, activations, weights), so its cost is paid on every training step.

Cost model, per NIC (the training fabric asks once per view through :meth:`transfer` on ``Plane.RDMA``):

* ``software``: AES-GCM on ``cores_per_nic`` host cores, each at ``aes_gcm_core_Bps``, caps the NIC's rate;
  every RDMA message also pays ``per_message_s`` (IV, tag, key schedule and doorbell) spread over those cores.
  CPU-seconds per byte are reported for accounting.
* ``offload``: inline IPsec/crypto on the NIC (BlueField-3 class) leaves ``offload_line_rate_fraction`` of the
  line rate (:meth:`line_rate_fraction`); no host CPU.

Other planes (NVLink inside a node, storage and control Ethernet) are untouched: mTLS covers the latter.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, field_validator

from zsim.controls.base import Control, ControlParams, Plane, TransferCost, cost_field
from zsim.controls.registry import register
from zsim.units import BytesPerSecond, Seconds

AES_ROW = "published.md: software AES-256-GCM, one core, ~5 GB/s (OpenSSL 3.0), measured (2-core VM)"
AES_MSG_ROW = (
    "published.md: software AES-256-GCM ~2 GB/s at 1 KiB vs ~5 GB/s bulk: "
    "1 KiB/2 GB/s - 1 KiB/5 GB/s = 0.31 us"
)
BF3_ROW = "published.md: BlueField-3 IPsec offload 193 Gb/s vs 390 Gb/s raw (vendor blog, Amodo)"


class RdmaEncryptionMode(StrEnum):
    OFF = "off"
    SOFTWARE = "software"
    OFFLOAD = "offload"


class RdmaEncryptionParams(ControlParams):
    mode: RdmaEncryptionMode = RdmaEncryptionMode.OFF
    cores_per_nic: int = Field(
        4,
        ge=1,
        description="host cores dedicated to encrypting one NIC's traffic (software mode; assumption)",
    )
    aes_gcm_core_Bps: BytesPerSecond = cost_field(5e9, source=AES_ROW, description="AES-GCM rate of one core")
    per_message_s: Seconds = cost_field(
        1024 / 2e9 - 1024 / 5e9, source=AES_MSG_ROW, description="fixed cost per message on one core"
    )
    offload_line_rate_fraction: float = cost_field(
        193 / 390, source=BF3_ROW, description="fraction of line rate left with inline NIC crypto"
    )

    @field_validator("offload_line_rate_fraction")
    @classmethod
    def _fraction(cls, v: float) -> float:
        if not 0 < v <= 1:
            raise ValueError(f"must be in (0, 1], got {v}")
        return v

    @field_validator("aes_gcm_core_Bps")
    @classmethod
    def _positive_rate(cls, v: float) -> float:
        if v <= 0:
            raise ValueError(f"bandwidth must be > 0, got {v}")
        return v

    @field_validator("per_message_s")
    @classmethod
    def _non_negative(cls, v: float) -> float:
        if v < 0:
            raise ValueError(f"must be >= 0, got {v}")
        return v

    def active(self) -> bool:
        return self.mode != RdmaEncryptionMode.OFF


@register
class RdmaEncryption(Control):
    name = "rdma_encryption"
    Params = RdmaEncryptionParams
    summary = "encryption of kernel-bypass RDMA traffic between GPU nodes: software AES-GCM or NIC offload"
    params: RdmaEncryptionParams

    def transfer(self, plane: Plane, n_bytes: float, messages: int = 1) -> TransferCost | None:
        p = self.params
        if plane != Plane.RDMA or p.mode != RdmaEncryptionMode.SOFTWARE:
            return None
        return TransferCost(
            rate_cap_Bps=p.cores_per_nic * p.aes_gcm_core_Bps,
            per_message_s=p.per_message_s / p.cores_per_nic,
            cpu_s_per_byte=1.0 / p.aes_gcm_core_Bps,
        )

    def line_rate_fraction(self, plane: Plane) -> float:
        p = self.params
        if plane == Plane.RDMA and p.mode == RdmaEncryptionMode.OFFLOAD:
            return float(p.offload_line_rate_fraction)
        return 1.0

    def attack_effects(self, step: StepContext) -> list[Effect]:  # noqa: F821  (types: zsim.controls.base)
        """Encrypted RDMA payloads are useless to a snooper on the fabric (the only control that sees it)."""
        from zsim.attacks.effects import ActionKind, Block

        if not self.enabled or step.action != ActionKind.RDMA_SNOOP or step.plane != Plane.RDMA:
            return []
        return [Block(self.name, f"RDMA traffic is encrypted ({self.params.mode})")]
