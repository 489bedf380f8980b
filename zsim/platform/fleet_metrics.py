"""Fleet metrics, each defined from simulated request events (see ``docs/metrics.md``).

Per request the kernel records: ``arrival`` (at the gateway), ``at_replica`` (after the control path and any
remote station), ``start`` (service begins on a slot), ``departure`` (service ends) and ``done`` (response back
at the client). Only requests that *arrive* inside the measurement window ``[warm-up end, horizon)`` count.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from zsim.platform.fleet import InferenceConfig


@dataclass
class FleetOutcome:
    arrival_s: np.ndarray
    at_replica_s: np.ndarray
    start_s: np.ndarray
    departure_s: np.ndarray
    done_s: np.ndarray
    service_s: np.ndarray
    prefill_s: np.ndarray | None
    replica: np.ndarray
    cpu_s: np.ndarray
    n_offered: int
    n_failed: int
    horizon_s: float
    station_wait_s: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    station_busy: dict[str, tuple[np.ndarray, int]] = field(default_factory=dict)
    counters: dict[str, float] = field(default_factory=dict)
    unavailability: list[tuple[int, float, float]] = field(default_factory=list)

    @property
    def latency_s(self) -> np.ndarray:
        return self.done_s - self.arrival_s


def warmup_end_s(outcome: FleetOutcome, cfg: InferenceConfig) -> float:
    if cfg.horizon.warmup_requests:
        ordered = np.sort(outcome.arrival_s)
        return float(ordered[min(cfg.horizon.warmup_requests, ordered.size - 1)])
    return float(cfg.horizon.warmup_s)


def time_average_in_system(arrival_s: np.ndarray, done_s: np.ndarray, lo: float, hi: float) -> float:
    """Time-average number of requests in the system over [lo, hi): the integral of N(t), which is the sum over
    requests of the part of [arrival, done] inside the window, divided by the window."""
    inside = np.clip(done_s, lo, hi) - np.clip(arrival_s, lo, hi)
    return float(inside.sum() / (hi - lo))


def _quantiles(prefix: str, values: np.ndarray) -> dict[str, float]:
    if values.size == 0:
        return {}
    q50, q95, q99 = np.quantile(values, [0.5, 0.95, 0.99])
    return {
        f"{prefix}_mean_s": float(values.mean()),
        f"{prefix}_p50_s": float(q50),
        f"{prefix}_p95_s": float(q95),
        f"{prefix}_p99_s": float(q99),
    }


# latency quantiles beyond p50/p95/p99, so a run's records carry its latency CDF (plots average them over
# replications per tier)
CDF_PERCENTS = (1, 5, 10, 20, 30, 40, 60, 70, 80, 90)


def _cdf_points(prefix: str, values: np.ndarray) -> dict[str, float]:
    if values.size == 0:
        return {}
    q = np.quantile(values, [p / 100 for p in CDF_PERCENTS])
    return {f"{prefix}_p{p:02d}_s": float(v) for p, v in zip(CDF_PERCENTS, q, strict=True)}


def fleet_metrics(outcome: FleetOutcome, cfg: InferenceConfig, offered_load: float) -> dict[str, float]:
    lo = warmup_end_s(outcome, cfg)
    hi = outcome.horizon_s
    window = hi - lo
    measured = (outcome.arrival_s >= lo) & (outcome.arrival_s < hi)
    latency = outcome.latency_s[measured]
    out: dict[str, float] = {}
    out.update(_quantiles("latency", latency))
    out.update(_cdf_points("latency", latency))
    wait = (outcome.start_s - outcome.at_replica_s)[measured]
    out["queue_wait_mean_s"] = float(wait.mean()) if wait.size else 0.0
    if outcome.prefill_s is not None:
        ttft = (outcome.start_s + outcome.prefill_s - outcome.arrival_s)[measured]
        out.update(_quantiles("ttft", ttft))
        if cfg.ttft_slo_s is not None and ttft.size:
            out["ttft_slo_attainment"] = float((ttft <= cfg.ttft_slo_s).mean())
    n_arrived = int(measured.sum())
    out["throughput_rps"] = float(((outcome.done_s >= lo) & (outcome.done_s < hi)).sum() / window)
    out["arrival_rate_rps"] = n_arrived / window
    if cfg.slo_s is not None and latency.size:
        out["slo_attainment"] = float((latency <= cfg.slo_s).mean())
    # busy time of the replicas inside the window, over the capacity of the window
    busy = np.clip(outcome.departure_s, lo, hi) - np.clip(outcome.start_s, lo, hi)
    out["replica_utilisation"] = float(busy.sum() / (window * cfg.replicas * cfg.slots))
    out["mean_in_system"] = time_average_in_system(outcome.arrival_s, outcome.done_s, lo, hi)
    out["failed_fraction"] = outcome.n_failed / outcome.n_offered if outcome.n_offered else 0.0
    out["control_cpu_s_per_request"] = float(outcome.cpu_s[measured].mean()) if n_arrived else 0.0
    out["offered_load"] = offered_load
    out["unstable"] = 1.0 if offered_load >= 1.0 else 0.0
    for name, (t_in, w) in outcome.station_wait_s.items():
        inside = (t_in >= lo) & (t_in < hi)
        out[f"{name}_wait_mean_s"] = float(w[inside].mean()) if inside.any() else 0.0
        out[f"{name}_wait_p99_s"] = float(np.quantile(w[inside], 0.99)) if inside.any() else 0.0
        service, servers = outcome.station_busy[name]
        if inside.any():  # time at the station: wait plus its own service (what its handler reports)
            sojourn = w[inside] + service[inside]
            out[f"{name}_sojourn_p50_s"] = float(np.quantile(sojourn, 0.5))
            out[f"{name}_sojourn_p99_s"] = float(np.quantile(sojourn, 0.99))
        out[f"{name}_utilisation"] = float(service[inside].sum() / (window * servers))
    for key, value in outcome.counters.items():
        out[f"{key}_per_request"] = value / outcome.n_offered if outcome.n_offered else 0.0
    if outcome.unavailability:
        start = min(d for _, d, _ in outcome.unavailability)
        end = max(u for _, _, u in outcome.unavailability)
        during = measured & (outcome.arrival_s >= start) & (outcome.arrival_s < end)
        steady = measured & ~((outcome.arrival_s >= start) & (outcome.arrival_s < end))
        if during.any():
            out["latency_p99_rollout_s"] = float(np.quantile(outcome.latency_s[during], 0.99))
        if steady.any():
            out["latency_p99_steady_s"] = float(np.quantile(outcome.latency_s[steady], 0.99))
    return out
