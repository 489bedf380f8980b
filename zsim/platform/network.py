"""The Ethernet service network (control plane, storage, inference traffic)."""

from __future__ import annotations

from pydantic import Field

from zsim.config.base import StrictModel
from zsim.units import BytesPerSecond, Seconds


class NetworkSpec(StrictModel):
    """Service-to-service Ethernet: one-way latency per hop and per-flow bandwidth."""

    hop_latency_s: Seconds = Field(50e-6, gt=0, description="one-way latency of one service hop")
    bandwidth_Bps: BytesPerSecond = Field(25e9 / 8, gt=0, description="per-flow service bandwidth (25 GbE)")
    storage_bandwidth_Bps: BytesPerSecond = Field(100e9 / 8, gt=0, description="per-node link to storage")
