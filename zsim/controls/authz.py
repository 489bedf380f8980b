"""Authorization of service calls: off, once per connection, or on every request.

Two engines:

* ``in_process`` — the policy is evaluated in the caller's or the callee's proxy (OPA/Cedar as a library):
  each decision adds a latency drawn from a lognormal fitted to OPA's published eval median and p99.
* ``remote`` — an ext_authz-style service with ``servers`` workers and a FCFS queue. Every decision that misses
  the cache queues there, so p99 latency shows the knee as load nears the service's capacity (the OPA-Envoy
  rows of published.md; reproduced by ``experiments/validation/authz-knee.yaml``).

An optional decision cache keyed by the calling principal keeps a decision for ``cache_ttl_s``; a request whose
principal was decided less than a TTL ago skips the engine. The decisions themselves (allow or deny) are made by
the identity plane's policy engine; this module holds what deciding costs.
"""

from __future__ import annotations

from enum import StrEnum

import numpy as np
from pydantic import Field

from zsim.controls.base import (
    Control,
    ControlParams,
    RemoteStation,
    RequestBatch,
    RequestPathCost,
    cost_field,
)
from zsim.controls.dists import LatencyDist
from zsim.controls.kernels import cache_misses
from zsim.controls.registry import register
from zsim.units import Seconds

OPA_EVAL = "published.md: OPA policy eval (opa bench example), median 36 us, p99 134 us"
OPA_ENVOY = (
    "published.md: OPA-Envoy ext_authz gRPC handler, median 0.54/0.35/0.27 ms at 100/1k/2k rps, "
    "p99 1.5 -> 49 ms knee at 3k rps (opa-envoy-plugin README); fitted by experiments/validation/authz-knee.yaml"
)


class AuthzMode(StrEnum):
    OFF = "off"
    PER_CONNECTION = "per_connection"
    PER_REQUEST = "per_request"


class AuthzEngine(StrEnum):
    IN_PROCESS = "in_process"
    REMOTE = "remote"


class AuthzParams(ControlParams):
    mode: AuthzMode = AuthzMode.OFF
    engine: AuthzEngine = AuthzEngine.IN_PROCESS
    default_deny: bool = True
    cache_ttl_s: Seconds = Field(0.0, ge=0, description="decision cache TTL; 0 disables the cache")
    servers: int = Field(1, ge=1, description="remote engine: concurrent workers")
    eval_latency: LatencyDist = cost_field(LatencyDist(median=36e-6, p99=134e-6), source=OPA_EVAL)
    remote_service: LatencyDist = cost_field(
        LatencyDist(median=0.21e-3, p99=1.8e-3), source=OPA_ENVOY, description="remote handler service time"
    )

    def active(self) -> bool:
        return self.mode != AuthzMode.OFF


@register
class Authz(Control):
    name = "authz"
    Params = AuthzParams
    summary = "authorization per connection or per request, in-process or by a remote service with a queue"
    params: AuthzParams

    def decisions_needed(self, batch: RequestBatch) -> np.ndarray:
        """Bool per request: does it need a policy decision (before the cache)?"""
        if self.params.mode == AuthzMode.PER_REQUEST:
            return np.ones(batch.n, dtype=bool)
        return batch.new_connection.copy()

    def request_path(self, batch: RequestBatch, rng: np.random.Generator) -> RequestPathCost | None:
        p = self.params
        if not self.enabled:
            return None
        need = self.decisions_needed(batch)
        if p.cache_ttl_s > 0:
            need &= cache_misses(batch.arrival_s, batch.principal, need, p.cache_ttl_s)
        counters = {"decisions": float(need.sum())}
        denied = self._denied(batch)
        counters["denied"] = float(denied.sum()) if denied is not None else 0.0
        if p.engine == AuthzEngine.IN_PROCESS:
            eval_s = np.where(need, p.eval_latency.sample(rng, batch.n), 0.0)
            return RequestPathCost(client_delay_s=eval_s, cpu_s=eval_s, counters=counters, failed=denied)
        service = np.where(need, p.remote_service.sample(rng, batch.n), 0.0)
        station = RemoteStation(name="authz", servers=p.servers, service_s=service, visits=need)
        # the call to the remote engine is one extra round trip on the request path
        return RequestPathCost(
            client_delay_s=np.where(need, batch.rtt_s, 0.0), cpu_s=service, stations=[station], counters=counters,
            failed=denied,
        )

    def _denied(self, batch: RequestBatch) -> np.ndarray | None:
        """Requests refused by the identity plane's policy. A denied principal's connection is refused, so per
        connection or per request, every request it sends fails. Without default deny, only explicit
        denials (and cross-tenant or invalid credentials) refuse; "no rule" lets the call through."""
        if batch.decisions is None:
            return None
        lenient = {"default_deny", "unknown_component", "unknown_target"}
        allowed = np.array(
            [ok or (not self.params.default_deny and code in lenient) for ok, code in batch.decisions], dtype=bool
        )
        return ~allowed[batch.principal]

    def attack_effects(self, step: StepContext) -> list[Effect]:  # noqa: F821  (types: zsim.controls.base)
        """Calls are judged by the identity plane's policy (``step.decide()``): per request always, per
        connection only when a connection opens. Access revoked at the campaign's start ends at once per
        request (or when a cached decision expires), but an open connection authorized per connection keeps
        it. ``default_deny: false`` lets through what no rule denies explicitly."""
        from zsim.attacks.effects import Block, NextRenewal

        p = self.params
        if p.mode == AuthzMode.OFF or step.identity is None or step.target is None:
            return []
        if p.mode == AuthzMode.PER_CONNECTION and not step.new_connection:
            return []
        if step.revoked:
            if p.cache_ttl_s > 0:
                return [Block(self.name, "revoked: the cached allow lives until its TTL",
                              deadline=NextRenewal(float(p.cache_ttl_s)))]
            return [Block(self.name, "revoked: the next request is decided on the current policy")]
        decision = step.decide()
        if decision is None or decision.allowed or (not p.default_deny and not decision.explicit):
            return []
        return [Block(self.name, f"denied by the access policy: {decision.reason}")]
