"""The built-in policy engine: the seed's ``verify_access`` made complete (tenants, unknown targets, reasons).

Order of evaluation (the first rule that applies decides):

1. the principal's trust domain must be trusted → else ``trust_domain_mismatch``;
2. its component type must have an entry → else ``unknown_component`` (default deny, with that reason);
3. ``denied_targets`` → ``explicit_deny`` (denials win over everything);
4. tenant isolation → ``cross_tenant`` unless the tenancy rules let this pair through;
5. ``allowed_targets`` → ``allowed``;
6. a target the policy names nowhere → ``unknown_target``; otherwise ``default_deny``.

A decision depends only on (trust domain, tenant, component) of the principal and (tenant, component) of the
target, so decisions are cached on exactly that key.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from zsim.identity.decision import Decision, Reason, allow, deny, trust_domain_text
from zsim.identity.names import TENANTS_SEGMENT, Target, trust_domain_name
from zsim.identity.policy import Policy

PolicyKey = tuple[str, str | None, str | None]
_MAX_CACHED_ROWS = 1 << 14


class Principal(Protocol):
    """What an engine reads from a principal (``WorkloadName`` and verified identities provide it)."""

    @property
    def policy_key(self) -> PolicyKey: ...


class DecisionEngine(Protocol):
    kind: str

    def decide(self, principal: Principal, target: Target) -> Decision: ...


def principal_label(tenant: str | None, component: str | None) -> str:
    text = component or "?"
    return f"{TENANTS_SEGMENT}/{tenant}/{text}" if tenant else text


def tenancy_allows(policy: Policy, source_tenant: str | None, target: Target) -> bool:
    """Whether tenant isolation lets ``source_tenant`` reach ``target`` (the matrix is checked separately)."""
    tenancy = policy.tenancy
    target_tenant = target.tenant
    if source_tenant == target_tenant:
        return True
    if target_tenant is None:
        return tenancy.tenants_may_use_shared
    if source_tenant is None:
        return tenancy.platform_may_use_tenants
    for rule in tenancy.cross_tenant:
        if (
            rule.from_ in ("*", source_tenant)
            and rule.to in ("*", target_tenant)
            and (rule.targets is None or target.component in rule.targets)
        ):
            return True
    return False


def _cross_tenant_text(source_tenant: str | None, target: Target) -> str:
    if target.tenant is None:
        return f"tenant isolation: tenant {source_tenant!r} may not use shared service {target.component!r}"
    if source_tenant is None:
        return f"tenant isolation: platform workloads may not reach into tenant {target.tenant!r}"
    return f"tenant isolation: {source_tenant!r} may not reach tenant {target.tenant!r} ({target.component})"


class PolicyEngine:
    """Built-in engine. ``trust_domains``: the domains whose identities the policy applies to."""

    kind = "builtin"

    def __init__(self, policy: Policy, trust_domains: str | Iterable[str]) -> None:
        tds = [trust_domains] if isinstance(trust_domains, str) else list(trust_domains)
        if not tds:
            raise ValueError("at least one trusted trust domain is required")
        self.policy = policy
        self.trust_domains = frozenset(trust_domain_name(td) for td in tds)
        self._known = policy.known_components()
        self._allowed = {c: frozenset(r.allowed_targets) for c, r in policy.components.items()}
        self._denied = {c: frozenset(r.denied_targets) for c, r in policy.components.items()}
        self._cache: dict[PolicyKey, dict[tuple[str | None, str], Decision]] = {}

    def decide(self, principal: Principal, target: Target) -> Decision:
        """The decision for ``principal`` → ``target`` (cached; two flat keys hash faster than one nested)."""
        row = self._cache.get(principal.policy_key)
        if row is not None:
            hit = row.get(target.key)
            if hit is not None:
                return hit
        elif len(self._cache) >= _MAX_CACHED_ROWS:
            self._cache.clear()
        decision = self.evaluate(principal.policy_key, target)
        self._cache.setdefault(principal.policy_key, {})[target.key] = decision
        return decision

    def evaluate(self, policy_key: PolicyKey, target: Target) -> Decision:
        """The decision, computed from the rules every time (what calibration measures)."""
        td, tenant, component = policy_key
        if td not in self.trust_domains:
            return deny(Reason.TRUST_DOMAIN_MISMATCH, trust_domain_text(td, tuple(self.trust_domains)))
        if component is None:
            return deny(
                Reason.UNKNOWN_COMPONENT,
                "the identity names no component type (expected /<component>/... or "
                "/tenants/<tenant>/<component>/...): default deny",
            )
        if component not in self._allowed:
            return deny(Reason.UNKNOWN_COMPONENT, f"no policy for component {component!r}: default deny")
        source = principal_label(tenant, component)
        if target.component in self._denied[component]:
            return deny(Reason.EXPLICIT_DENY, f"explicitly denied by policy: {source} -> {target}")
        if not tenancy_allows(self.policy, tenant, target):
            return deny(Reason.CROSS_TENANT, _cross_tenant_text(tenant, target))
        if target.component in self._allowed[component]:
            return allow(f"permitted by policy: {source} -> {target}")
        if target.component not in self._known:
            return deny(Reason.UNKNOWN_TARGET, f"unknown target component {target.component!r}: default deny")
        return deny(Reason.DEFAULT_DENY, f"no explicit allow for {source} -> {target}: default deny")
