"""Runtime integrity, the seed's continuous verification of what runs: image digests pinned at admission and
running scripts and binaries re-verified every ``reverify_interval_s``.

What it buys: with ``digest_pinning`` a workload runs exactly the image digest that was approved, so a
re-pushed tag (a changed serving binary or training script baked into an image) is refused when the pod is
(re)admitted; with periodic re-verification a file changed inside a running container is found at the next
check, at most one interval later (the phase is uniform), and the workload is evicted.

Cost: each verification hashes ``runtime_bytes`` (the container's scripts, binaries and image layers) with
SHA-256; pinning costs one digest check of the image at admission.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from zsim.controls.base import ArtifactCost, Control, ControlParams, cost_field
from zsim.controls.registry import register
from zsim.units import Bytes, BytesPerSecond, Seconds

if TYPE_CHECKING:
    from zsim.attacks.effects import Effect, StepContext

SHA256_ROW = "published.md Artifacts: SHA-256, one core with SHA-NI ≈2 GB/s (measured, 2-core VM)"


class RuntimeIntegrityParams(ControlParams):
    digest_pinning: bool = False
    reverify_interval_s: Seconds | None = Field(None, gt=0, description="None: no periodic re-verification")
    runtime_bytes: Bytes = Field(2e9, gt=0, description="bytes hashed per verification (image layers, scripts)")
    sha256_Bps: BytesPerSecond = cost_field(2e9, source=SHA256_ROW)

    def active(self) -> bool:
        return self.digest_pinning or self.reverify_interval_s is not None


@register
class RuntimeIntegrity(Control):
    name = "runtime_integrity"
    Params = RuntimeIntegrityParams
    summary = "image digest pinning at admission and periodic re-verification of running code"
    params: RuntimeIntegrityParams

    @property
    def verification_cpu_s(self) -> float:
        """CPU-seconds of one verification of one workload."""
        return float(self.params.runtime_bytes) / float(self.params.sha256_Bps)

    def reverification_cpu_s(self, duration_s: float, workloads: int = 1) -> float:
        """CPU-seconds spent re-verifying ``workloads`` running for ``duration_s``."""
        interval = self.params.reverify_interval_s
        if interval is None:
            return 0.0
        return workloads * (duration_s // float(interval)) * self.verification_cpu_s

    def artifact_verify(self, size_bytes: float, boundary: str) -> ArtifactCost | None:
        if boundary != "admission" or not self.params.digest_pinning:
            return None
        cpu = size_bytes / float(self.params.sha256_Bps)
        return ArtifactCost(cpu_s=cpu, wall_s=cpu)

    def attack_effects(self, step: StepContext) -> list[Effect]:
        from zsim.attacks.effects import ActionKind, Block, Detect, Periodic

        p = self.params
        if step.action != ActionKind.TAMPER_RUNTIME:
            return []
        if step.mode == "image" and p.digest_pinning:
            return [Block(self.name, "admission pins the approved digest; the re-pushed tag does not match")]
        if step.mode == "in-place" and p.reverify_interval_s is not None:
            return [Detect(self.name, "periodic re-verification finds the changed file", 1.0,
                           Periodic(float(p.reverify_interval_s)))]
        return []
