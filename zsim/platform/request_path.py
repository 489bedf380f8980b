"""Apply every active control to a batch of requests and add up what they cost.

Each control draws from its own named stream (``control.<name>``), so switching one control on or off never
shifts the draws of another, nor those of the workload (common random numbers).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from zsim.controls.base import RemoteStation, RequestBatch
from zsim.controls.registry import ControlSet
from zsim.rng import ReplicationSeeds


@dataclass
class PathTotals:
    client_delay_s: np.ndarray
    replica_cpu_s: np.ndarray
    response_delay_s: np.ndarray
    cpu_s: np.ndarray
    failed: np.ndarray
    stations: list[RemoteStation] = field(default_factory=list)
    counters: dict[str, float] = field(default_factory=dict)


def apply_controls(batch: RequestBatch, controls: ControlSet, seeds: ReplicationSeeds) -> PathTotals:
    n = batch.n
    totals = PathTotals(
        client_delay_s=np.zeros(n),
        replica_cpu_s=np.zeros(n),
        response_delay_s=np.zeros(n),
        cpu_s=np.zeros(n),
        failed=np.zeros(n, dtype=bool),
    )
    for control in controls.active():
        cost = control.request_path(batch, seeds.stream(f"control.{control.name}"))
        if cost is None:
            continue
        totals.client_delay_s += cost.client_delay_s
        totals.replica_cpu_s += cost.replica_cpu_s
        totals.response_delay_s += cost.response_delay_s
        totals.cpu_s += cost.cpu_s
        if cost.failed is not None:
            totals.failed |= cost.failed
        totals.stations.extend(cost.stations)
        for key, value in cost.counters.items():
            totals.counters[f"{control.name}.{key}"] = totals.counters.get(f"{control.name}.{key}", 0.0) + value
    return totals
