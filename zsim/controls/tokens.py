"""Short-lived, rotating credentials (JWT-SVIDs / projected service-account tokens).

Off means long-lived static credentials: nothing to refresh, nothing expires (the security cost shows in the
credential-replay and revoked-access campaigns). On, every principal refreshes its token at
``refresh_at_fraction`` of the TTL (SPIRE rotates at half-life, the kubelet at 80 %); each principal's refresh
schedule has its own phase. A refresh takes ``refresh_s``; what happens to a request that arrives while its
principal is refreshing is ``inflight``: ``continue`` (the old token is still valid, no cost), ``stall`` (it
waits for the new token) or ``fail`` (it is rejected and counted). Servers validate the bearer token on first
sight per connection, or on every request when ``validate_each_request`` is set.
"""

from __future__ import annotations

from enum import StrEnum

import numpy as np
from pydantic import Field

from zsim.controls.base import Control, ControlParams, CredentialPolicy, RequestBatch, RequestPathCost, cost_field
from zsim.controls.registry import register
from zsim.units import Seconds

JWT_VALIDATE = "published.md: JWT-SVID validate (spiffe JwtSvid) ~100 us"
SVID_ISSUE = "published.md: X.509-SVID issue (keygen + sign) ~90 us, plus one JWT-SVID validate ~100 us"


class InflightPolicy(StrEnum):
    CONTINUE = "continue"
    STALL = "stall"
    FAIL = "fail"


class TokensParams(ControlParams):
    enabled: bool = False
    ttl_s: Seconds = Field(3600.0, gt=0, description="SPIRE X.509-SVID default TTL 1 h (published.md)")
    refresh_at_fraction: float = Field(0.5, gt=0, le=1, description="SPIRE rotates at half-life")
    jitter_fraction: float = Field(0.1, ge=0, lt=1, description="SPIRE: +/- 10 % rotation jitter")
    inflight: InflightPolicy = InflightPolicy.CONTINUE
    reevaluate_on_refresh: bool = False
    validate_each_request: bool = False
    refresh_s: Seconds = cost_field(190e-6, source=SVID_ISSUE)
    validate_s: Seconds = cost_field(100e-6, source=JWT_VALIDATE)

    def active(self) -> bool:
        return self.enabled


@register
class Tokens(Control):
    name = "tokens"
    Params = TokensParams
    summary = "short-lived rotating credentials with a TTL, refresh cost and in-flight behaviour"
    params: TokensParams

    @property
    def refresh_period_s(self) -> float:
        return self.params.ttl_s * self.params.refresh_at_fraction

    def credential(self) -> CredentialPolicy | None:
        p = self.params
        if not self.enabled:
            return None
        return CredentialPolicy(
            ttl_s=p.ttl_s,
            refresh_s=p.refresh_s,
            refresh_at_fraction=p.refresh_at_fraction,
            reevaluate_on_refresh=p.reevaluate_on_refresh,
            inflight=p.inflight.value,
        )

    def request_path(self, batch: RequestBatch, rng: np.random.Generator) -> RequestPathCost | None:
        p = self.params
        if not self.enabled:
            return None
        n_principals = int(batch.principal.max()) + 1 if batch.n else 0
        period = self.refresh_period_s
        phase = rng.uniform(0.0, period, n_principals)[batch.principal]
        since = np.mod(batch.arrival_s - phase, period)
        refreshing = since < p.refresh_s
        delay = np.zeros(batch.n)
        failed = None
        if p.inflight == InflightPolicy.STALL:
            delay += np.where(refreshing, p.refresh_s - since, 0.0)
        elif p.inflight == InflightPolicy.FAIL:
            failed = refreshing
        validate = np.ones(batch.n, dtype=bool) if p.validate_each_request else batch.new_connection
        delay += np.where(validate, p.validate_s, 0.0)
        t_end = float(batch.arrival_s[-1]) if batch.n else 0.0
        refreshes = float(np.floor((t_end - np.unique(phase)) / period).clip(min=0).sum() + n_principals)
        return RequestPathCost(
            client_delay_s=delay,
            cpu_s=np.where(validate, p.validate_s, 0.0),
            failed=failed,
            counters={"refreshes": refreshes, "requests_during_refresh": float(refreshing.sum())},
        )

    def attack_effects(self, step: StepContext) -> list[Effect]:  # noqa: F821  (types: zsim.controls.base)
        """A stolen rotating token works until its own expiry (TTL minus its age when stolen); with
        ``reevaluate_on_refresh`` access revoked at the campaign's start ends at the next refresh. Off, tokens
        are long-lived static credentials and bound neither."""
        from zsim.attacks.effects import ActionKind, Block, NextRenewal, TokenExpiry

        p = self.params
        if not self.enabled:
            return []
        out = []
        if step.action == ActionKind.USE_CREDENTIAL and step.credential == "projected-token":
            out.append(Block(self.name, "the stolen token expires",
                             deadline=TokenExpiry(float(p.ttl_s), self.refresh_period_s, p.jitter_fraction)))
        if step.revoked and p.reevaluate_on_refresh:
            out.append(Block(self.name, "the next refresh re-evaluates the policy",
                             deadline=NextRenewal(self.refresh_period_s, p.jitter_fraction)))
        return out
