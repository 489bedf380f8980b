"""The inference fleet: N replicas behind a load balancer, with the controls on every request's path.

A request arrives at the gateway (``arrivals``), pays the controls' client-side delays (proxies, handshakes,
token validation, in-process authorization), queues at any remote station a control adds (an ext_authz
service), crosses the network to the replica the balancer picks, queues FCFS for one of the replica's
``slots``, is served, and returns. Everything is drawn up front as arrays and pushed through the compiled
kernels in :mod:`zsim.platform.queue_kernels`; the simpy process only places the fleet on the run's timeline,
so a rollout in the same run (``ctx.models["pipeline"]``) can take replicas down and the fleet routes around
them.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import simpy
from pydantic import Field, model_validator

from zsim.config.base import StrictModel
from zsim.controls.base import RequestBatch
from zsim.engine.workload import RunContext, WorkloadModel, register_workload
from zsim.errors import InputError
from zsim.platform import queue_kernels as qk
from zsim.platform.connections import ClientSpec, new_connections
from zsim.platform.fleet_metrics import FleetOutcome, fleet_metrics
from zsim.platform.identity_service import identity_plane
from zsim.platform.request_path import apply_controls
from zsim.platform.workload_spec import (
    Arrivals,
    Service,
    TokenService,
    TraceArrivals,
    draw_arrivals,
    draw_service,
    mean_service_s,
)
from zsim.units import Bytes, Seconds

POLICIES = {
    "random": qk.POLICY_RANDOM,
    "round_robin": qk.POLICY_ROUND_ROBIN,
    "least_outstanding": qk.POLICY_LEAST_OUTSTANDING,
    "p2c": qk.POLICY_P2C,
    "shared_queue": qk.POLICY_SHARED_QUEUE,
}


class Horizon(StrictModel):
    """Stop after ``duration_s`` of arrivals or after ``requests`` arrivals; discard a warm-up."""

    duration_s: Seconds | None = Field(None, gt=0)
    requests: int | None = Field(None, gt=0)
    warmup_s: Seconds = Field(0.0, ge=0)
    warmup_requests: int = Field(0, ge=0)

    @model_validator(mode="after")
    def _one(self) -> Horizon:
        if (self.duration_s is None) == (self.requests is None):
            raise ValueError("give exactly one of duration_s and requests")
        if self.duration_s is not None and self.warmup_s >= self.duration_s:
            raise ValueError("warmup_s must be shorter than duration_s")
        if self.requests is not None and self.warmup_requests >= self.requests:
            raise ValueError("warmup_requests must be fewer than requests")
        return self


class InferenceConfig(StrictModel):
    replicas: int = Field(ge=1)
    sensitivity: Literal["low", "medium", "high"] | None = Field(
        None, description="zoned tiers: the fleet runs under this sensitivity zone's controls"
    )
    slots: int = Field(1, ge=1, description="requests a replica serves at once (continuous-batching slots)")
    balancer: Literal["random", "round_robin", "least_outstanding", "p2c", "shared_queue"] = "least_outstanding"
    arrivals: Arrivals
    service: Service
    horizon: Horizon
    client: ClientSpec = ClientSpec()
    hops: int = Field(1, ge=1, description="service hops on the request path, each through the data plane")
    request_bytes: Bytes = Field(1024, ge=0, description="payload per request (unless derived from tokens)")
    response_bytes: Bytes = Field(1024, ge=0)
    slo_s: Seconds | None = Field(None, gt=0, description="latency objective for SLO attainment")
    ttft_slo_s: Seconds | None = Field(None, gt=0, description="time-to-first-token objective (token service)")

    @model_validator(mode="after")
    def _tokens_need_trace(self) -> InferenceConfig:
        svc = self.service
        if isinstance(svc, TokenService) and svc.tokens_from == "arrivals" and not isinstance(
            self.arrivals, TraceArrivals
        ):
            raise ValueError("service.tokens_from 'arrivals' needs trace arrivals; name a trace file instead")
        return self


@register_workload
class InferenceFleet(WorkloadModel):
    name = "inference"
    Config = InferenceConfig
    config: InferenceConfig

    def __init__(self, config: InferenceConfig, ctx: RunContext) -> None:
        super().__init__(config, ctx)
        self.outcome: FleetOutcome | None = None
        self.unavailability: list[tuple[int, float, float]] = []

    def offered_load(self) -> float:
        """rho = lambda * E[S] / (replicas * slots), from the configured processes."""
        cfg = self.config
        trace = cfg.arrivals.file if isinstance(cfg.arrivals, TraceArrivals) else None
        if isinstance(cfg.arrivals, TraceArrivals):
            from zsim.platform.traces import load_trace

            rate = load_trace(cfg.arrivals.file, self.ctx.base_dir).rate_per_s * cfg.arrivals.speedup
        else:
            rate = cfg.arrivals.rate_per_s
        return rate * mean_service_s(cfg.service, trace, self.ctx.base_dir) / (cfg.replicas * cfg.slots)

    def start(self, env: simpy.Environment) -> None:
        cfg = self.config
        seeds = self.ctx.seeds
        trace_file = cfg.arrivals.file if isinstance(cfg.arrivals, TraceArrivals) else None
        arrival, rows = draw_arrivals(
            cfg.arrivals, cfg.horizon.duration_s, cfg.horizon.requests, seeds.stream("inference.arrivals"),
            self.ctx.base_dir,
        )
        if arrival.size == 0:
            raise InputError("the horizon holds no arrivals", field="workloads.inference.horizon")
        try:
            service, prefill, ctx_tok, gen_tok = draw_service(
                cfg.service, arrival.size, rows, trace_file, seeds.stream("inference.service"), self.ctx.base_dir
            )
        except ValueError as exc:
            raise InputError(str(exc), field="workloads.inference.service") from None
        self._draws = (arrival, service, prefill, ctx_tok, gen_tok)
        self._principal = seeds.stream("inference.principal").integers(0, cfg.client.principals, arrival.size)
        self._decisions: list[tuple[bool, str]] = [(False, "")] * cfg.client.principals
        first_s = np.full(cfg.client.principals, np.inf)
        np.minimum.at(first_s, self._principal, arrival)
        for pid, path in enumerate(cfg.client.principal_workloads()):
            if np.isfinite(first_s[pid]):
                env.process(self._admit(env, pid, path, float(first_s[pid])))
        horizon_s = cfg.horizon.duration_s if cfg.horizon.duration_s is not None else float(arrival[-1])
        rho = self.offered_load()
        if rho >= 1.0:
            self.ctx.warnings.append(
                f"inference: offered load rho = {rho:.3f} >= 1, the fleet is unstable; queues grow for the "
                "whole horizon and the results describe that transient, not a steady state"
            )
        env.process(self._run(env, horizon_s))

    def _run(self, env: simpy.Environment, horizon_s: float):  # type: ignore[no-untyped-def]
        yield env.timeout(horizon_s)
        rollout = self.ctx.models.get("pipeline")
        if rollout is not None and hasattr(rollout, "unavailability"):
            self.unavailability = list(rollout.unavailability)
        self.outcome = self.simulate(horizon_s)

    def simulate(self, horizon_s: float) -> FleetOutcome:
        """Push every request through the controls and the queues (called at the horizon)."""
        cfg = self.config
        seeds = self.ctx.seeds
        arrival, service, prefill, ctx_tok, gen_tok = self._draws
        n = arrival.size
        principal = self._principal
        route_u = seeds.stream("inference.routing").random(n)
        if ctx_tok is not None and isinstance(cfg.service, TokenService):
            req_bytes = ctx_tok * cfg.service.bytes_per_token
            resp_bytes = gen_tok * cfg.service.bytes_per_token
        else:
            req_bytes = np.full(n, cfg.request_bytes)
            resp_bytes = np.full(n, cfg.response_bytes)
        hop_s = self.ctx.topology.network.hop_latency_s
        batch = RequestBatch(
            arrival_s=arrival,
            principal=principal,
            new_connection=new_connections(arrival, principal, cfg.client),
            request_bytes=req_bytes,
            response_bytes=resp_bytes,
            rtt_s=2 * hop_s,
            hops=cfg.hops,
        )
        batch.decisions = self._decisions
        path = apply_controls(batch, self.ctx.controls, seeds)
        ok = ~path.failed
        t = arrival + path.client_delay_s
        station_wait: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        station_busy: dict[str, tuple[float, int]] = {}
        for st in path.stations:
            visit = st.visits & ok
            order = np.flatnonzero(visit)
            order = order[np.argsort(t[order], kind="stable")]
            start, dep = qk.fcfs_station(t[order], st.service_s[order], st.servers)
            station_wait[st.name] = (t[order], start - t[order])
            station_busy[st.name] = (st.service_s[order], st.servers)
            t = t.copy()
            t[order] = dep
        at_replica = t + hop_s * cfg.hops
        idx = np.flatnonzero(ok)
        idx = idx[np.argsort(at_replica[idx], kind="stable")]
        down = np.array([d for _, d, _ in self.unavailability], dtype=np.float64)
        up = np.array([u for _, _, u in self.unavailability], dtype=np.float64)
        owner = np.array([r for r, _, _ in self.unavailability], dtype=np.int64)
        svc = service + path.replica_cpu_s
        replica, start, dep = qk.dispatch(
            at_replica[idx], svc[idx], route_u[idx], cfg.replicas, cfg.slots, POLICIES[cfg.balancer],
            down, up, owner,
        )
        # back to arrival order, keeping the requests that were not rejected
        keep = np.flatnonzero(ok)
        start = _scatter(idx, start, n)[keep]
        dep = _scatter(idx, dep, n)[keep]
        replica = _scatter(idx, replica, n)[keep]
        return FleetOutcome(
            arrival_s=arrival[keep],
            at_replica_s=at_replica[keep],
            start_s=start,
            departure_s=dep,
            done_s=dep + hop_s * cfg.hops + path.response_delay_s[keep],
            service_s=svc[keep],
            prefill_s=None if prefill is None else prefill[keep],
            replica=replica,
            cpu_s=path.cpu_s[keep],
            n_offered=n,
            n_failed=int(path.failed.sum()),
            horizon_s=horizon_s,
            station_wait_s=station_wait,
            station_busy=station_busy,
            counters=path.counters,
            unavailability=self.unavailability,
        )

    def _admit(self, env: simpy.Environment, pid: int, path: str, first_s: float):  # type: ignore[no-untyped-def]
        """A principal joins at its first request: it is issued an SVID (a real certificate, or a modelled one
        with the same decisions) and the identity plane decides whether it may call the fleet.

        As a live workload it keeps its SVID rotated, so with a fixed policy its decision holds for all its
        requests and the plane is asked once, at the simulated time of its first request. Time-varying
        decisions (expiry, revocation, policy changes) are exercised by the attack campaigns on the same plane.
        """
        yield env.timeout(first_s)
        plane = identity_plane(self.ctx)
        plane.issue(path, env.now)
        decision = plane.authorize(plane.workload(path), self.config.client.target, env.now)
        self._decisions[pid] = (decision.allowed, str(decision.code))

    def metrics(self) -> dict[str, float]:
        if self.outcome is None:
            raise RuntimeError("the fleet has not run")
        return fleet_metrics(self.outcome, self.config, self.offered_load())


def _scatter(idx: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    out = np.zeros(n, dtype=values.dtype)
    out[idx] = values
    return out
