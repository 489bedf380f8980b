"""The access policy attack steps are judged by: the identity plane's policy engine (:mod:`zsim.identity`).

:class:`IdentityPolicy` adapts :class:`zsim.identity.engine.PolicyEngine` (the seed's component matrix with
default deny and tenant isolation, from ``zsim/data/policy/default.yaml`` unless another policy is given) to the
small :class:`~zsim.attacks.effects.AccessPolicy` protocol that :class:`~zsim.attacks.effects.StepContext`
carries, so the authorization control decides attack steps with exactly the decisions the identity plane makes
for real requests.
"""

from __future__ import annotations

from functools import lru_cache

from zsim.attacks.effects import Identity, PolicyDecision
from zsim.identity.decision import Reason
from zsim.identity.engine import PolicyEngine
from zsim.identity.names import Target
from zsim.identity.policy import Policy, default_policy

# Denials that a rule states outright; the rest are "nothing allowed it" (default deny).
EXPLICIT = frozenset({Reason.EXPLICIT_DENY, Reason.CROSS_TENANT, Reason.TRUST_DOMAIN_MISMATCH})


class IdentityPolicy:
    """Decisions of the identity plane's engine for (identity, target type, target tenant)."""

    def __init__(self, policy: Policy | None = None, trust_domain: str = "ai-platform") -> None:
        self.trust_domain = trust_domain
        self.engine = PolicyEngine(policy if policy is not None else default_policy(), trust_domain)
        self._cache: dict[tuple[str, str | None, str, str | None], PolicyDecision] = {}

    def decide(self, source: Identity, target_type: str, target_tenant: str | None) -> PolicyDecision:
        key = (source.component, source.tenant, target_type, target_tenant)
        hit = self._cache.get(key)
        if hit is None:
            d = self.engine.evaluate((self.trust_domain, source.tenant, source.component),
                                     Target(target_type, target_tenant))
            hit = PolicyDecision(d.allowed, d.code in EXPLICIT, d.reason)
            self._cache[key] = hit
        return hit


@lru_cache(maxsize=8)
def default_access_policy(trust_domain: str = "ai-platform") -> IdentityPolicy:
    return IdentityPolicy(None, trust_domain)
