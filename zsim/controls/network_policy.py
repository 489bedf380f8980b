"""Kubernetes network policy with default deny: only the platform's intended paths stay open.

With ``default_deny`` every namespace gets a default-deny ingress and egress policy plus allow rules for the
platform's links (training → data store, inference → registry, pipeline → stages, ...), as the seed asks. What
it buys: connections off those paths are dropped (training → inference, tenant → tenant, direct egress to the
internet from a workload without an egress exception), and scanning from a foothold slows down because most
probes time out instead of answering. What it cannot see: RDMA (kernel bypass on InfiniBand/RoCE), traffic
on allowed paths (a stolen credential used where the thief may connect anyway, poisoned data written by a
legitimate pipeline component), and covert channels through allowed DNS.

Cost: enforcement is in-kernel (eBPF/iptables) per packet; no published row gives a per-packet figure for
Calico or Cilium, so no cost is modelled (``zsim calibrate`` can add one).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from zsim.controls.base import Control, ControlParams, Plane
from zsim.controls.registry import register

if TYPE_CHECKING:
    from zsim.attacks.effects import Effect, StepContext


class NetworkPolicyParams(ControlParams):
    default_deny: bool = False
    scan_effort_factor: float = Field(
        4.0, ge=1.0,
        description="assumption (no published row): service discovery takes this many times longer when probes "
        "to closed paths time out instead of being refused",
    )

    def active(self) -> bool:
        return self.default_deny


@register
class NetworkPolicy(Control):
    name = "network_policy"
    Params = NetworkPolicyParams
    summary = "default-deny network policy with allow rules for the platform's intended paths"
    params: NetworkPolicyParams

    def attack_effects(self, step: StepContext) -> list[Effect]:
        from zsim.attacks.effects import ActionKind, Block, RaiseEffort

        if not self.enabled or step.plane not in (Plane.CONTROL, Plane.STORAGE):
            return []  # RDMA bypasses the kernel; local actions cross no network
        if step.action == ActionKind.DISCOVER:
            return [RaiseEffort(self.name, "probes to closed paths time out", self.params.scan_effort_factor)]
        if step.action == ActionKind.EXFILTRATE:
            src = step.source
            if step.mode == "direct" and src is not None and not src.egress:
                return [Block(self.name, "default-deny egress: no route to the internet from this workload")]
            return []
        if step.target is not None and step.action != ActionKind.INTERCEPT and not step.intended:
            return [Block(self.name, "default deny: not one of the platform's allowed paths")]
        return []
