"""The fabric as one job sees it under one NCCL protocol: data rates, per-step latencies, per-message costs.

A :class:`FabricView` is what the collective plans read. It folds in, once:

* the job's share of the cluster (its first ``nodes`` nodes and ``gpus_per_node`` GPUs of each);
* link efficiency (``nvlink.efficiency``, ``infiniband.efficiency``) and the protocol's payload fraction;
* degraded links (a NIC cable or a GPU's NVLink at a fraction of its rate; both directions);
* every active control, through the hooks only: ``line_rate_fraction(plane)`` (inline offload), and
  ``transfer(plane, message_bytes, 1)`` read as a per-NIC rate cap, a cost per message and CPU per byte.

Rates are *data* rates in bytes/s:
``min(line x efficiency x offload fraction, crypto cap) x protocol payload``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from zsim.controls.base import Plane, TransferCost
from zsim.controls.registry import ControlSet
from zsim.platform.fabric import PROTOCOLS, ClusterSpec


@dataclass(frozen=True)
class PlaneCost:
    """All active controls' costs on one plane, combined: the tightest cap, summed fixed costs."""

    rate_fraction: float = 1.0
    rate_cap_Bps: float = float("inf")
    per_message_s: float = 0.0
    setup_s: float = 0.0
    setup_rtts: int = 0
    cpu_s_per_byte: float = 0.0


def plane_cost(controls: ControlSet | None, plane: Plane, n_bytes: float, messages: int = 1) -> PlaneCost:
    """Ask every active control what moving ``n_bytes`` in ``messages`` messages over ``plane`` costs."""
    if controls is None:
        return PlaneCost()
    fraction, cap, per_msg, setup, rtts, cpu = 1.0, float("inf"), 0.0, 0.0, 0, 0.0
    for control in controls.active():
        fraction *= float(control.line_rate_fraction(plane))
        cost: TransferCost | None = control.transfer(plane, n_bytes, messages)
        if cost is None:
            continue
        if cost.rate_cap_Bps is not None:
            cap = min(cap, float(cost.rate_cap_Bps))
        per_msg += cost.per_message_s
        setup += cost.setup_s
        rtts += cost.setup_rtts
        cpu += cost.cpu_s_per_byte
    if not 0 < fraction <= 1:
        raise ValueError(f"controls leave a line-rate fraction of {fraction} on {plane}; expected (0, 1]")
    return PlaneCost(fraction, cap, per_msg, setup, rtts, cpu)


class FabricView:
    """Rates, latencies of a job's share of a cluster under one protocol (``ll``, ``ll128``, ``simple``)."""

    def __init__(
        self,
        cluster: ClusterSpec,
        *,
        nodes: int | None = None,
        gpus_per_node: int | None = None,
        protocol: str = "simple",
        controls: ControlSet | None = None,
    ) -> None:
        if protocol not in PROTOCOLS:
            raise ValueError(f"unknown protocol {protocol!r} (use {', '.join(PROTOCOLS)})")
        n = cluster.nodes if nodes is None else nodes
        g = cluster.gpus_per_node if gpus_per_node is None else gpus_per_node
        if not 1 <= n <= cluster.nodes or not 1 <= g <= cluster.gpus_per_node:
            raise ValueError(
                f"job of {n} x {g} GPUs does not fit a {cluster.nodes} x {cluster.gpus_per_node} cluster"
            )
        self.cluster = cluster
        self.protocol = protocol
        self.N, self.G = n, g
        ib, nv, nccl = cluster.infiniband, cluster.nvlink, cluster.nccl
        self.K = ib.nics_per_node if n > 1 else 0
        self.rails = ib.rails
        payload = nccl.protocol_efficiency.get(protocol)

        self.nvlink_cost = plane_cost(controls, Plane.NVLINK, float(cluster.nccl.tree_chunk_bytes))
        line = np.full((n, g), nv.bandwidth_Bps)
        for link in cluster.degraded_links:
            if link.gpu is not None and link.node < n and link.gpu < g:
                line[link.node, link.gpu] = _degrade(
                    nv.bandwidth_Bps, link.bandwidth_factor, link.bandwidth_Bps
                )
        self.nvl_rate = (
            np.minimum(line * nv.efficiency * self.nvlink_cost.rate_fraction, self.nvlink_cost.rate_cap_Bps)
            * payload
        )
        self.nvl_latency_s = nccl.nvlink_step_latency_s.get(protocol)
        self.nvl_msg_s = self.nvlink_cost.per_message_s

        self.message_bytes = float(ib.message_bytes)
        self.rdma_cost = plane_cost(controls, Plane.RDMA, self.message_bytes)
        if self.K:
            nic_line = np.full((n, self.K), ib.line_rate_Bps)
            for link in cluster.degraded_links:
                if link.nic is not None and link.node < n:
                    nic_line[link.node, link.nic] = _degrade(
                        ib.line_rate_Bps, link.bandwidth_factor, link.bandwidth_Bps
                    )
            self.nic_rate = (
                np.minimum(
                    nic_line * ib.efficiency * self.rdma_cost.rate_fraction, self.rdma_cost.rate_cap_Bps
                )
                * payload
            )
        else:
            self.nic_rate = np.zeros((n, 0))
        self.net_msg_s = self.rdma_cost.per_message_s
        self.net_latency_s = nccl.net_step_latency_s.get(protocol) + ib.step_latency_s
        self.switch_latency_s = ib.switch_latency_s
        self.gamma_s_per_byte = nccl.gamma_s_per_byte
        self.launch_s = nccl.launch_s
        self.tree_chunk_bytes = float(nccl.tree_chunk_bytes)

    # --- derived rates -------------------------------------------------------------------------------------
    @property
    def p(self) -> int:
        return self.N * self.G

    def node_nic_rate(self) -> np.ndarray:
        """(N,) rate of each node's slowest NIC: NCCL stripes channels evenly, so it bounds the port."""
        return self.nic_rate.min(axis=1) if self.K else np.zeros(self.N)

    def rail_of_gpu(self, g: int) -> int:
        return g % self.rails

    def gpus_on_rail(self, rail: int) -> int:
        return len(range(rail, self.G, self.rails))

    def nics_per_rail(self) -> int:
        return self.K // self.rails if self.K else 0

    def rail_nic_rate(self, rail: int) -> np.ndarray:
        """(N,) rate of the slowest NIC of ``rail`` on each node."""
        return self.nic_rate[:, rail :: self.rails].min(axis=1)

    # --- per-step costs ------------------------------------------------------------------------------------
    def net_latency(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Per-step latency between nodes ``a`` and ``b`` (arrays): protocol + NIC + extra switches."""
        ib = self.cluster.infiniband
        switches = switches_between_arr(np.asarray(a), np.asarray(b), self.cluster.nodes, ib.switch_radix)
        return self.net_latency_s + np.maximum(switches - 1, 0) * self.switch_latency_s

    def net_occupancy(
        self, bytes_per_nic: float, rate_per_nic: np.ndarray, share: np.ndarray | int = 1
    ) -> np.ndarray:
        """Time a NIC-level link is busy with one step: bytes over rate plus per-message costs, times the
        number of edges sharing the port (static equal share)."""
        messages = np.ceil(bytes_per_nic / self.message_bytes) if bytes_per_nic > 0 else 0.0
        return np.asarray(share) * (bytes_per_nic / rate_per_nic + messages * self.net_msg_s)

    def nvl_occupancy(self, chunk_bytes: float, rate: np.ndarray, share: np.ndarray | int = 1) -> np.ndarray:
        return np.asarray(share) * (chunk_bytes / rate + (self.nvl_msg_s if chunk_bytes > 0 else 0.0))

    def rdma_cpu_s(self, n_bytes: float) -> float:
        """CPU-seconds the controls burn to move ``n_bytes`` over RDMA (e.g. software AES-GCM)."""
        return n_bytes * self.rdma_cost.cpu_s_per_byte


def switches_between_arr(a: np.ndarray, b: np.ndarray, cluster_nodes: int, radix: int) -> np.ndarray:
    """Vectorised :func:`zsim.platform.fabric.switches_between`."""
    down = radix // 2
    same_leaf = (a // down) == (b // down)
    if cluster_nodes <= radix * down:
        far = np.full(np.broadcast(a, b).shape, 3)
    else:
        pod = down * down
        far = np.where((a // pod) == (b // pod), 3, 5)
    return np.where(a == b, 0, np.where(same_leaf, 1, far))


def _degrade(rated: float, factor: float | None, absolute: float | None) -> float:
    return rated * factor if factor is not None else float(absolute)  # type: ignore[arg-type]
