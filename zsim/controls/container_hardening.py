"""Container hardening (Pod Security "restricted"): no privileged containers, no hostNetwork, no root.

With ``enabled`` the admission controller rejects pods that ask for privileged mode or the host's network
namespace, so the ways out of a container that those flags open are gone: escape to the host from a privileged
or hostNetwork pod, watching the node's traffic from a hostNetwork pod, and driving an RDMA device in sniffer
mode from a privileged pod. GPU pods get their devices through the device plugin instead.

Cost: none at run time (admission-time checks only); no published row.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from zsim.controls.base import Control, ControlParams
from zsim.controls.registry import register

if TYPE_CHECKING:
    from zsim.attacks.effects import Effect, StepContext


class ContainerHardeningParams(ControlParams):
    enabled: bool = False

    def active(self) -> bool:
        return self.enabled


@register
class ContainerHardening(Control):
    name = "container_hardening"
    Params = ContainerHardeningParams
    summary = "Pod Security restricted: no privileged or hostNetwork pods (blocks container escape paths)"
    params: ContainerHardeningParams

    def attack_effects(self, step: StepContext) -> list[Effect]:
        from zsim.attacks.effects import ActionKind, Block

        src = step.source
        if not self.enabled or src is None:
            return []
        if step.action == ActionKind.ESCAPE and (src.privileged or src.host_network):
            return [Block(self.name, "privileged and hostNetwork pods are rejected at admission")]
        if step.mode == "pod" and step.action == ActionKind.INTERCEPT and src.host_network:
            return [Block(self.name, "no hostNetwork pod to watch the node's traffic from")]
        if step.mode == "pod" and step.action == ActionKind.RDMA_SNOOP and src.privileged:
            return [Block(self.name, "no privileged pod to put the RDMA device in sniffer mode")]
        return []
