"""Namespace-level network checks: default-deny NetworkPolicy, and Services exposed outside the cluster.

A namespace has a default deny in a direction when some ``networking.k8s.io`` NetworkPolicy in it selects every
pod (empty or absent podSelector), lists that direction in its effective policyTypes, and has no rule for it.
Other policies that allow specific traffic do not undo it: that is how default-deny is meant to be used. Names
play no part (a policy called ``default-deny`` that selects one app and allows traffic is not one).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from zsim.audit.catalog import finding
from zsim.audit.model import Finding
from zsim.audit.resources import Inventory, Resource

NETWORK_POLICY_GROUPS = ("networking.k8s.io", "extensions")


@dataclass
class NamespaceNetwork:
    """What the NetworkPolicies of one namespace do."""

    policies: list[str] = field(default_factory=list)
    deny_ingress_by: list[str] = field(default_factory=list)
    deny_egress_by: list[str] = field(default_factory=list)

    @property
    def default_deny(self) -> bool:
        return bool(self.deny_ingress_by and self.deny_egress_by)


def policy_types(spec: dict[str, Any]) -> set[str]:
    """Effective policyTypes: as written, else Ingress plus Egress when egress rules are present."""
    types = spec.get("policyTypes")
    if isinstance(types, list) and types:
        return {t for t in types if isinstance(t, str)}
    return {"Ingress", "Egress"} if "egress" in spec else {"Ingress"}


def selects_all_pods(spec: dict[str, Any]) -> bool:
    selector = spec.get("podSelector")
    if selector is None:
        return True  # absent podSelector defaults to the empty selector
    if not isinstance(selector, dict):
        return False
    return not selector.get("matchLabels") and not selector.get("matchExpressions")


def denies(spec: dict[str, Any], direction: str) -> bool:
    """Whether the policy denies all traffic of ``direction`` ("Ingress"/"Egress") to every pod."""
    rules = spec.get(direction.lower())
    return selects_all_pods(spec) and direction in policy_types(spec) and (rules is None or rules == [])


def namespace_networks(inventory: Inventory) -> dict[str, NamespaceNetwork]:
    out = {ns: NamespaceNetwork() for ns in inventory.namespaces}
    for res in inventory.resources:
        if not res.is_kind("NetworkPolicy", *NETWORK_POLICY_GROUPS) or res.namespace not in out:
            continue
        state = out[res.namespace]
        name = res.name or "?"
        state.policies.append(name)
        spec = res.spec
        if denies(spec, "Ingress"):
            state.deny_ingress_by.append(name)
        if denies(spec, "Egress"):
            state.deny_egress_by.append(name)
    return out


def default_deny_findings(inventory: Inventory, nets: dict[str, NamespaceNetwork]) -> list[Finding]:
    first_seen = _first_resource_per_namespace(inventory)
    out: list[Finding] = []
    for ns in sorted(nets):
        state = nets[ns]
        if state.default_deny:
            continue
        if state.deny_ingress_by:
            gap = f"egress is open (ingress is denied by {', '.join(state.deny_ingress_by)})"
        elif state.deny_egress_by:
            gap = f"ingress is open (egress is denied by {', '.join(state.deny_egress_by)})"
        else:
            gap = "ingress and egress are open"
        seen = (
            f"{len(state.policies)} NetworkPolicy(s) ({', '.join(sorted(state.policies))}), none selects "
            "every pod without allow rules"
            if state.policies
            else "no NetworkPolicy"
        )
        anchor = inventory.namespace_objects.get(ns) or first_seen.get(ns)
        out.append(
            finding(
                "ZT-NET-001",
                f"namespace {ns}: no default-deny, {gap}; {seen}",
                kind="Namespace",
                namespace=ns,
                name=ns,
                file=anchor.file if anchor else None,
                line=anchor.line if anchor else None,
            )
        )
    return out


def _first_resource_per_namespace(inventory: Inventory) -> dict[str, Resource]:
    out: dict[str, Resource] = {}
    for res in inventory.resources:
        if res.namespace is not None and res.namespace not in out:
            out[res.namespace] = res
    return out


def exposure_findings(inventory: Inventory) -> list[Finding]:
    out: list[Finding] = []
    for res in inventory.resources:
        if not res.is_kind("Service", "") or not inventory.in_scope(res):
            continue
        spec = res.spec
        svc_type = spec.get("type")
        if svc_type not in ("LoadBalancer", "NodePort"):
            continue
        ports = []
        for p in spec.get("ports") or []:
            if isinstance(p, dict):
                node_port = f" (nodePort {p['nodePort']})" if "nodePort" in p else ""
                ports.append(f"{p.get('port', '?')}/{p.get('protocol', 'TCP')}{node_port}")
        ranges = spec.get("loadBalancerSourceRanges")
        limit = f", source ranges {', '.join(map(str, ranges))}" if isinstance(ranges, list) and ranges else ""
        if svc_type == "LoadBalancer" and not limit:
            limit = ", open to any source"
        out.append(
            finding(
                "ZT-NET-004",
                f"Service {res.namespace}/{res.name}: type {svc_type}, ports {', '.join(ports) or 'none'}{limit}",
                **res.where(),
            )
        )
    return out
