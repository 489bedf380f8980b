"""A second policy engine: the same policy file, translated to Cedar and evaluated by ``cedarpy``.

Translation (one Cedar policy per rule, each with an ``@id`` so a decision names what determined it):

* ``forbid ... unless { [trusted domains].contains(principal.trust_domain) }``          (``trust-domain``)
* per ``allowed_targets`` entry: ``permit (principal in Component::"a", action, resource in Component::"b")``
* per ``denied_targets`` entry: ``forbid`` of the same shape                            (``deny:a->b``)
* tenant isolation: ``forbid ... unless { same tenant || <tenancy rules> }``             (``tenancy``)

Cedar is default-deny and a matching ``forbid`` overrides any ``permit``, so allow/deny comes from Cedar
alone.
The reason code is read from the determining policy ids; when nothing matched (Cedar's default deny) the code
says whether the source component or the target is unknown to the policy, as the built-in engine does. The
policy set is parsed once; decisions are cached on the same key as the built-in engine.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from zsim.identity.decision import Decision, Reason, deny
from zsim.identity.engine import PolicyKey, Principal
from zsim.identity.names import Target, trust_domain_name
from zsim.identity.policy import Policy

_ACTION = {"type": "Action", "id": "call"}


def _require_cedarpy() -> Any:
    try:
        import cedarpy
    except ImportError as exc:  # pragma: no cover - cedarpy is a dev dependency
        raise ImportError("the Cedar engine needs cedarpy: pip install 'zsim[cedar]'") from exc
    return cedarpy


def _str(value: str) -> str:
    # Names are SPIFFE segments / trust domains ([A-Za-z0-9._-]); quoting is still done properly.
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _component(name: str) -> str:
    return f"Component::{_str(name)}"


def policy_to_cedar(policy: Policy, trust_domains: Iterable[str]) -> str:
    """Cedar policy text equivalent to ``policy`` for principals from ``trust_domains``."""
    tds = ", ".join(_str(td) for td in sorted(trust_domains))
    out = [
        '@id("trust-domain")',
        f"forbid (principal, action, resource) unless {{ [{tds}].contains(principal.trust_domain) }};",
    ]
    for source, rules in sorted(policy.components.items()):
        for target in rules.allowed_targets:
            out += [
                f'@id("allow:{source}->{target}")',
                f'permit (principal in {_component(source)}, action == Action::"call", '
                f"resource in {_component(target)});",
            ]
        for target in rules.denied_targets:
            out += [
                f'@id("deny:{source}->{target}")',
                f'forbid (principal in {_component(source)}, action == Action::"call", '
                f"resource in {_component(target)});",
            ]
    tenancy = policy.tenancy
    ways = ["principal.tenant == resource.tenant"]
    if tenancy.tenants_may_use_shared:
        ways.append('(resource.tenant == "" && principal.tenant != "")')
    if tenancy.platform_may_use_tenants:
        ways.append('(principal.tenant == "" && resource.tenant != "")')
    for rule in tenancy.cross_tenant:
        parts = ['principal.tenant != ""', 'resource.tenant != ""']
        if rule.from_ != "*":
            parts.append(f"principal.tenant == {_str(rule.from_)}")
        if rule.to != "*":
            parts.append(f"resource.tenant == {_str(rule.to)}")
        if rule.targets is not None:
            inside = " || ".join(f"resource in {_component(t)}" for t in rule.targets) or "false"
            parts.append(f"({inside})")
        ways.append("(" + " && ".join(parts) + ")")
    out += ['@id("tenancy")', f"forbid (principal, action, resource) unless {{ {' || '.join(ways)} }};"]
    return "\n".join(out) + "\n"


class CedarEngine:
    """Cedar-backed engine with the built-in engine's interface (``decide(principal, target)``)."""

    kind = "cedar"

    def __init__(self, policy: Policy, trust_domains: str | Iterable[str]) -> None:
        self._cedarpy = _require_cedarpy()
        tds = [trust_domains] if isinstance(trust_domains, str) else list(trust_domains)
        if not tds:
            raise ValueError("at least one trusted trust domain is required")
        self.policy = policy
        self.trust_domains = frozenset(trust_domain_name(td) for td in tds)
        self.cedar_text = policy_to_cedar(policy, self.trust_domains)
        self._policy_set = self._cedarpy.PolicySet.from_str(self.cedar_text)
        self._sources = frozenset(policy.components)
        self._known = policy.known_components()
        self._cache: dict[tuple[PolicyKey, tuple[str | None, str]], Decision] = {}

    def decide(self, principal: Principal, target: Target) -> Decision:
        key = (principal.policy_key, target.key)
        hit = self._cache.get(key)
        if hit is None:
            hit = self._cache[key] = self.evaluate(principal.policy_key, target)
        return hit

    def evaluate(self, policy_key: PolicyKey, target: Target) -> Decision:
        td, tenant, component = policy_key
        principal_uid = {"type": "Workload", "id": f"{td}|{tenant or ''}|{component or ''}"}
        resource_uid = {"type": "Service", "id": f"{target.tenant or ''}|{target.component}"}
        entities: list[dict[str, Any]] = [
            {
                "uid": principal_uid,
                "attrs": {"trust_domain": td, "tenant": tenant or ""},
                "parents": [{"type": "Component", "id": component}] if component else [],
            },
            {
                "uid": resource_uid,
                "attrs": {"tenant": target.tenant or ""},
                "parents": [{"type": "Component", "id": target.component}],
            },
            {"uid": {"type": "Component", "id": target.component}, "attrs": {}, "parents": []},
        ]
        if component and component != target.component:
            entities.append({"uid": {"type": "Component", "id": component}, "attrs": {}, "parents": []})
        request = {"principal": principal_uid, "action": _ACTION, "resource": resource_uid, "context": {}}
        result = self._cedarpy.is_authorized(request, self._policy_set, entities)
        if result.diagnostics.errors:
            raise RuntimeError(f"Cedar evaluation failed: {result.diagnostics.errors}")
        ids = sorted(result.diagnostics.id_annotations_by_reason.values())
        return self._label(result.allowed, ids, component, target)

    def _label(self, allowed: bool, ids: list[str], component: str | None, target: Target) -> Decision:
        determined = f"cedar: determined by {', '.join(ids)}" if ids else "cedar: no policy matched"
        if allowed:
            return Decision(True, Reason.ALLOWED, determined)
        if "trust-domain" in ids:
            return deny(Reason.TRUST_DOMAIN_MISMATCH, determined)
        if component is None or component not in self._sources:
            return deny(Reason.UNKNOWN_COMPONENT, f"{determined}: no policy for the source component")
        if any(i.startswith("deny:") for i in ids):
            return deny(Reason.EXPLICIT_DENY, determined)
        if "tenancy" in ids:
            return deny(Reason.CROSS_TENANT, determined)
        if target.component not in self._known:
            return deny(Reason.UNKNOWN_TARGET, f"{determined}: unknown target component (default deny)")
        return deny(Reason.DEFAULT_DENY, f"{determined} (default deny)")
