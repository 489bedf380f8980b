"""The training cluster's hardware: nodes, GPUs, NVLink, InfiniBand rails, storage Ethernet, heterogeneity.

This is the ``cluster:`` section of a topology file (:class:`ClusterSpec`). It only describes hardware and the
collective library's per-step constants; :mod:`zsim.platform.fabric_view` turns it, for one job and one
protocol, into the rates and latencies the collective models use.

Model of the fabric (see ``docs/training.md`` for sources):

* Inside a node the GPUs hang off an NVSwitch: each GPU has ``nvlink.bandwidth_Bps`` per direction to every
  other GPU in total (not per peer), of which ``nvlink.efficiency`` is usable by NCCL's copy kernels.
* Between nodes, ``nics_per_node`` NICs attach to ``rails`` rail-optimised fat trees (NIC ``i`` is on rail
  ``i % rails``). The switch count between two nodes follows a fat tree of ``switch_radix``-port switches:
  one switch under the same leaf, three through a spine, five through a core.
* A degraded link is one NIC cable (both directions) or one GPU's NVLink at a fraction of its rate; a
  straggler node computes ``compute_factor`` times slower.
"""

from __future__ import annotations

from typing import Self

from pydantic import Field, ValidationInfo, field_validator, model_validator

from zsim.config.base import StrictModel
from zsim.units import Bytes, BytesPerSecond, Seconds

PROTOCOLS = ("ll", "ll128", "simple")

NVLINK_ROW = (
    "published.md: 8xH100 one node, plain ring, busbw ~370 GB/s (NVLink line rate 450), nccl-tests issue 212"
)
NCCL_LAT_ROW = "published.md: NCCL per-step latency, NCCL src/graph/tuning.cc"


class GpuSpec(StrictModel):
    model: str = "H100-SXM"
    peak_flops: float = Field(989e12, gt=0, description="dense BF16 FLOP/s of one GPU (H100 SXM datasheet)")


class NvlinkSpec(StrictModel):
    bandwidth_Bps: BytesPerSecond = Field(450e9, gt=0, description=f"per GPU, per direction ({NVLINK_ROW})")
    efficiency: float = Field(
        370.0 / 450.0,
        gt=0,
        le=1,
        description=f"usable fraction under NCCL's Simple protocol; calibrated: {NVLINK_ROW}",
    )
    max_gpus: int = Field(8, ge=1, description="GPUs one NVLink/NVSwitch domain joins")


class InfinibandSpec(StrictModel):
    nics_per_node: int = Field(8, ge=0)
    rails: int = Field(8, ge=1, description="rail-optimised fat trees; NIC i sits on rail i % rails")
    line_rate_Bps: BytesPerSecond = Field(400e9 / 8, gt=0, description="per NIC (NDR 400 Gb/s)")
    efficiency: float = Field(
        0.88,
        gt=0,
        le=1,
        description="usable fraction of line rate; calibrated (minimax) on published.md rows 'one NDR 400G "
        "NIC "
        "46-48 GB/s' and '4 nodes x 8 H100, 8xNDR, 331 GB/s'",
    )
    step_latency_s: Seconds = Field(
        7.88e-6,
        ge=0,
        description="latency one network step adds on top of NCCL's per-step protocol latency (NIC, first "
        "switch, proxy thread); calibrated on published.md row '128 GPUs, 4 KiB allreduce, no SHARP ~94 us'",
    )
    switch_latency_s: Seconds = Field(
        0.2e-6, ge=0, description="each further switch on the path (assumption)"
    )
    switch_radix: int = Field(64, ge=2, description="ports per switch (Quantum-2 NDR: 64)")
    message_bytes: Bytes = Field(
        512 * 2**10, gt=0, description="RDMA message size: NCCL buffer 4 MiB / 8 steps (NCCL defaults)"
    )

    @field_validator("switch_radix")
    @classmethod
    def _even_radix(cls, v: int) -> int:
        if v % 2:
            raise ValueError(f"switch_radix must be even (half the ports go down, half up), got {v}")
        return v

    @field_validator("rails")
    @classmethod
    def _rails_divide_nics(cls, v: int, info: ValidationInfo) -> int:
        nics = info.data.get("nics_per_node")
        if nics is not None and nics > 0 and nics % v != 0:
            raise ValueError(f"rails ({v}) must divide nics_per_node ({nics})")
        return v


class StorageSpec(StrictModel):
    """The Ethernet network to storage and the model registry (checkpoints, datasets)."""

    node_bandwidth_Bps: BytesPerSecond = Field(100e9 / 8, gt=0, description="per-node storage NIC (100 GbE)")
    backend_bandwidth_Bps: BytesPerSecond = Field(100e9, gt=0, description="aggregate write rate of storage")
    registry_bandwidth_Bps: BytesPerSecond = Field(
        25e9, gt=0, description="aggregate write rate of the registry"
    )
    rtt_s: Seconds = Field(200e-6, ge=0, description="round trip node -> storage front end")


class ProtocolTimes(StrictModel):
    ll: Seconds = Field(ge=0)
    ll128: Seconds = Field(ge=0)
    simple: Seconds = Field(ge=0)

    def get(self, protocol: str) -> float:
        return float(getattr(self, protocol))


class ProtocolFractions(StrictModel):
    ll: float = Field(gt=0, le=1)
    ll128: float = Field(gt=0, le=1)
    simple: float = Field(gt=0, le=1)

    def get(self, protocol: str) -> float:
        return float(getattr(self, protocol))


class NcclSpec(StrictModel):
    """Constants of the collective library (NCCL-like) running on this cluster."""

    nvlink_step_latency_s: ProtocolTimes = Field(
        ProtocolTimes(ll=0.6e-6, ll128=1.9e-6, simple=3.4e-6),
        description=f"per step over NVLink ({NCCL_LAT_ROW})",
    )
    net_step_latency_s: ProtocolTimes = Field(
        ProtocolTimes(ll=2.7e-6, ll128=4e-6, simple=14e-6),
        description=f"per step over the network ({NCCL_LAT_ROW})",
    )
    protocol_efficiency: ProtocolFractions = Field(
        ProtocolFractions(ll=0.5, ll128=120 / 128, simple=1.0),
        description="payload per wire byte: LL 4 B data + 4 B flag, LL128 120 B of 128, Simple all",
    )
    launch_s: Seconds = Field(0.0, ge=0, description="fixed cost per collective (kernel launch)")
    gamma_s_per_byte: float = Field(
        0.0, ge=0, description="reduction compute per byte; 0: NCCL fuses it into the copy (issue 212)"
    )
    tree_chunk_bytes: Bytes = Field(512 * 2**10, gt=0, description="pipelining unit of tree algorithms")


class DegradedLink(StrictModel):
    """One link below its rated speed: a NIC cable (``nic``) or a GPU's NVLink (``gpu``)."""

    node: int = Field(ge=0)
    nic: int | None = Field(None, ge=0)
    gpu: int | None = Field(None, ge=0)
    bandwidth_factor: float | None = Field(
        None, gt=0, le=1, description="fraction of the rated bandwidth left"
    )
    bandwidth_Bps: BytesPerSecond | None = Field(None, gt=0, description="or the degraded bandwidth itself")

    @model_validator(mode="after")
    def _one_of_each(self) -> Self:
        if (self.nic is None) == (self.gpu is None):
            raise ValueError("name exactly one of nic (an InfiniBand link) or gpu (that GPU's NVLink)")
        if (self.bandwidth_factor is None) == (self.bandwidth_Bps is None):
            raise ValueError("give exactly one of bandwidth_factor and bandwidth_Bps")
        return self


class Straggler(StrictModel):
    node: int = Field(ge=0)
    compute_factor: float = Field(gt=0, description="the node's compute time is multiplied by this")


class ClusterSpec(StrictModel):
    """A GPU training cluster (the topology's ``cluster:`` section)."""

    nodes: int = Field(ge=1)
    gpu: GpuSpec = GpuSpec()
    nvlink: NvlinkSpec = NvlinkSpec()
    infiniband: InfinibandSpec = InfinibandSpec()
    storage: StorageSpec = StorageSpec()
    nccl: NcclSpec = NcclSpec()
    gpus_per_node: int = Field(ge=1)
    degraded_links: list[DegradedLink] = Field(default_factory=list)
    stragglers: list[Straggler] = Field(default_factory=list)

    @field_validator("gpus_per_node")
    @classmethod
    def _fits_nvlink(cls, v: int, info: ValidationInfo) -> int:
        nvlink = info.data.get("nvlink")
        if nvlink is not None and v > nvlink.max_gpus:
            raise ValueError(f"{v} GPUs per node, but the NVLink domain joins at most {nvlink.max_gpus}")
        return v

    @field_validator("infiniband")
    @classmethod
    def _nics_between_nodes(cls, v: InfinibandSpec, info: ValidationInfo) -> InfinibandSpec:
        nodes = info.data.get("nodes")
        if nodes is not None and nodes > 1 and v.nics_per_node == 0:
            raise ValueError(f"nics_per_node is 0 but the cluster has {nodes} nodes to connect")
        if nodes is not None:
            capacity = fat_tree_capacity(v.switch_radix)
            if nodes > capacity:
                raise ValueError(
                    f"{nodes} nodes exceed a 3-tier fat tree of radix {v.switch_radix} ({capacity})"
                )
        return v

    @field_validator("degraded_links")
    @classmethod
    def _links_exist(cls, v: list[DegradedLink], info: ValidationInfo) -> list[DegradedLink]:
        nodes, gpus, ib = info.data.get("nodes"), info.data.get("gpus_per_node"), info.data.get("infiniband")
        nvlink = info.data.get("nvlink")
        seen = set()
        for i, link in enumerate(v):
            if nodes is not None and link.node >= nodes:
                raise ValueError(f"[{i}].node {link.node} does not exist (nodes 0..{nodes - 1})")
            if link.nic is not None and ib is not None and link.nic >= ib.nics_per_node:
                raise ValueError(f"[{i}].nic {link.nic} does not exist (nics 0..{ib.nics_per_node - 1})")
            if link.gpu is not None and gpus is not None and link.gpu >= gpus:
                raise ValueError(f"[{i}].gpu {link.gpu} does not exist (gpus 0..{gpus - 1})")
            rated = (
                (ib.line_rate_Bps if ib is not None else None)
                if link.nic is not None
                else (nvlink.bandwidth_Bps if nvlink is not None else None)
            )
            if link.bandwidth_Bps is not None and rated is not None and link.bandwidth_Bps > rated:
                raise ValueError(
                    f"[{i}].bandwidth_Bps {link.bandwidth_Bps:g} is above the rated {rated:g} B/s"
                )
            key = (link.node, link.nic, link.gpu)
            if key in seen:
                raise ValueError(f"[{i}] repeats a link already listed")
            seen.add(key)
        return v

    @field_validator("stragglers")
    @classmethod
    def _nodes_exist(cls, v: list[Straggler], info: ValidationInfo) -> list[Straggler]:
        nodes = info.data.get("nodes")
        seen = set()
        for i, s in enumerate(v):
            if nodes is not None and s.node >= nodes:
                raise ValueError(f"[{i}].node {s.node} does not exist (nodes 0..{nodes - 1})")
            if s.node in seen:
                raise ValueError(f"[{i}].node {s.node} is listed twice")
            seen.add(s.node)
        return v

    @property
    def gpus(self) -> int:
        return self.nodes * self.gpus_per_node


def fat_tree_capacity(radix: int) -> int:
    """Endpoints (per rail) a 3-tier fat tree of ``radix``-port switches connects: radix^3 / 4."""
    return radix**3 // 4


def switches_between(a: int, b: int, cluster_nodes: int, radix: int) -> int:
    """Switches on the path between nodes ``a`` and ``b`` of one rail (same node: 0).

    A leaf switch has radix/2 ports down. Up to radix/2 nodes need one switch; a two-tier leaf-spine holds
    radix^2/2 nodes (3 switches between leaves); beyond that a three-tier tree has pods of radix^2/4 nodes
    (3 switches inside a pod, 5 across pods).
    """
    if a == b:
        return 0
    down = radix // 2
    if a // down == b // down:
        return 1
    if cluster_nodes <= radix * down:
        return 3
    pod = down * down
    return 3 if a // pod == b // pod else 5
