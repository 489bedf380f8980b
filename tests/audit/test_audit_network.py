"""Default-deny is judged by what NetworkPolicies do, per namespace; LoadBalancer/NodePort exposure."""

from __future__ import annotations

import pytest

from tests.audit.conftest import audit_objects, deployment


def netpol(name: str, spec: dict, namespace: str = "apps", api: str = "networking.k8s.io/v1") -> dict:
    return {
        "apiVersion": api,
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": namespace},
        "spec": spec,
    }


def no_deny(objects: list[dict]) -> dict[str, str]:
    report = audit_objects([deployment("app"), *objects])
    return {f.namespace: f.message for f in report.findings if f.check_id == "ZT-NET-001"}


BOTH = {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}


@pytest.mark.parametrize(
    ("policies", "denied"),
    [
        ([BOTH], True),
        ([{"policyTypes": ["Ingress", "Egress"]}], True),  # no podSelector = every pod
        ([{**BOTH, "ingress": [], "egress": []}], True),  # empty rule lists allow nothing
        ([{"podSelector": {}, "policyTypes": ["Ingress"]}, {"podSelector": {}, "policyTypes": ["Egress"]}], True),
        ([BOTH, {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{"ports": [{"port": 53}]}]}], True),
        ([{"podSelector": {}}], False),  # no policyTypes and no egress rules: Ingress only
        ([{**BOTH, "ingress": [{}]}], False),  # an empty rule allows everything
        ([{**BOTH, "podSelector": {"matchLabels": {"app": "app"}}}], False),  # one app, not every pod
        ([{**BOTH, "podSelector": {"matchExpressions": [{"key": "a", "operator": "Exists"}]}}], False),
        ([{**BOTH, "egress": [{"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}]}]}], False),
        ([], False),
    ],
)
def test_default_deny_semantics(policies: list[dict], denied: bool) -> None:
    found = no_deny([netpol(f"p{i}", spec) for i, spec in enumerate(policies)])
    assert ("apps" not in found) is denied


def test_name_plays_no_part() -> None:
    found = no_deny(
        [
            netpol(
                "default-deny",
                {"podSelector": {"matchLabels": {"app": "x"}}, "policyTypes": ["Ingress", "Egress"], "ingress": [{}]},
            )
        ]
    )
    assert "default-deny" in found["apps"]


def test_partial_default_deny_says_which_direction_is_open() -> None:
    found = no_deny([netpol("in-only", {"podSelector": {}, "policyTypes": ["Ingress"]})])
    assert "egress is open (ingress is denied by in-only)" in found["apps"]


def test_policy_in_another_namespace_does_not_count() -> None:
    found = no_deny([netpol("deny", BOTH, namespace="other")])
    assert "apps" in found and "other" not in found


def test_calico_networkpolicy_kind_is_not_a_kubernetes_networkpolicy() -> None:
    found = no_deny([netpol("deny", BOTH, api="crd.projectcalico.org/v1")])
    assert "apps" in found


def test_namespaces_come_from_objects_and_namespace_objects() -> None:
    report = audit_objects(
        [
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "empty"}},
            deployment("app", namespace=None),  # no namespace: lands in "default", as kubectl apply would
            {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "cr"}},
        ]
    )
    assert report.summary["namespaces_without_default_deny"] == ["default", "empty"]


@pytest.mark.parametrize(
    ("svc_type", "extra", "flagged", "text"),
    [
        ("LoadBalancer", {}, True, "open to any source"),
        ("LoadBalancer", {"loadBalancerSourceRanges": ["10.0.0.0/8"]}, True, "source ranges 10.0.0.0/8"),
        ("NodePort", {}, True, "nodePort 30080"),
        ("ClusterIP", {}, False, ""),
        (None, {}, False, ""),
    ],
)
def test_external_exposure(svc_type: str | None, extra: dict, flagged: bool, text: str) -> None:
    spec: dict = {"ports": [{"port": 80, "nodePort": 30080}], **extra}
    if svc_type:
        spec["type"] = svc_type
    report = audit_objects(
        [{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s", "namespace": "apps"}, "spec": spec}]
    )
    hits = [f for f in report.findings if f.check_id == "ZT-NET-004"]
    assert bool(hits) is flagged
    if flagged:
        assert text in hits[0].message
