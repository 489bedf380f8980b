"""Behavioural monitoring: runtime sensors (eBPF/audit) feeding detections to a SIEM, as the seed asks
("alert on policy violations, new privileged workloads, mesh bypass and credential anomalies").

What it buys: every attacker action is seen with ``detect_probability`` and the defender acts on it after
``time_to_detect``; detection evicts the attacker. Without it the defender still notices eventually, at the
platform's background rate (median dwell 10 days, Mandiant M-Trends; ``platform.defender``), which is what
monitoring races against: the average breakout to lateral movement is 48 min (2024) / 29 min (2025), CrowdStrike
GTR.

Cost: each monitored event (one per request on the serving path, ``events_per_request``) costs the sensor
``event_cpu_s`` of CPU off the request path (the sensor is asynchronous: no latency is added).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from pydantic import Field

from zsim.controls.base import Control, ControlParams, RequestBatch, RequestPathCost, cost_field
from zsim.controls.dists import LatencyDist
from zsim.controls.registry import register

if TYPE_CHECKING:
    from zsim.attacks.effects import Effect, StepContext

EVENT_SRC = (
    "assumption (no published.md row): an eBPF sensor event plus rule evaluation in the order of microseconds; "
    "calibrate with your sensor's own per-event CPU"
)


class MonitoringParams(ControlParams):
    enabled: bool = False
    detect_probability: float = Field(
        0.3, ge=0, le=1, description="assumption: share of attacker actions that raise an actionable alert"
    )
    time_to_detect: LatencyDist = Field(
        LatencyDist(median=1800.0, p90=4 * 3600.0),
        description="assumption: alert to eviction, median 30 min, p90 4 h (triage and response)",
    )
    events_per_request: float = Field(1.0, ge=0, description="sensor events per served request")
    event_cpu_s: float = cost_field(5e-6, source=EVENT_SRC, description="CPU per monitored event")

    def active(self) -> bool:
        return self.enabled


@register
class Monitoring(Control):
    name = "monitoring"
    Params = MonitoringParams
    summary = "behavioural monitoring: per-action detection with a time to detect; CPU per event"
    params: MonitoringParams

    def request_path(self, batch: RequestBatch, rng: np.random.Generator) -> RequestPathCost | None:
        p = self.params
        if not self.enabled:
            return None
        events = p.events_per_request * batch.n
        return RequestPathCost(cpu_s=np.full(batch.n, p.events_per_request * p.event_cpu_s),
                               counters={"monitored_events": float(events)})

    def attack_effects(self, step: StepContext) -> list[Effect]:
        from zsim.attacks.effects import Detect

        p = self.params
        if not self.enabled or p.detect_probability <= 0:
            return []
        return [Detect(self.name, f"{step.action} seen by the runtime sensors", p.detect_probability,
                       p.time_to_detect)]
