"""Mesh coverage (Istio sidecar / ambient / Linkerd) and Istio PeerAuthentication precedence:
mesh root namespace -> namespace -> workload selector -> port level, UNSET inherits, unset means PERMISSIVE."""

from __future__ import annotations

import pytest

from tests.audit.conftest import audit_objects, deployment


def ns(name: str, labels: dict | None = None, annotations: dict | None = None) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": name, "labels": labels or {}, "annotations": annotations or {}},
    }


def pa(
    name: str,
    namespace: str,
    mode: str | None = None,
    selector: dict | None = None,
    ports: dict | None = None,
    created: str | None = None,
) -> dict:
    spec: dict = {}
    if mode:
        spec["mtls"] = {"mode": mode}
    if selector:
        spec["selector"] = {"matchLabels": selector}
    if ports:
        spec["portLevelMtls"] = {p: {"mode": m} for p, m in ports.items()}
    meta = {"name": name, "namespace": namespace}
    if created:
        meta["creationTimestamp"] = created
    return {"apiVersion": "security.istio.io/v1", "kind": "PeerAuthentication", "metadata": meta, "spec": spec}


def coverage(objects: list[dict]) -> tuple[str | None, str]:
    report = audit_objects(objects)
    cov = report.summary["mesh_coverage"]
    (which,) = [k for k, v in cov.items() if v]
    missing = [f.message for f in report.findings if f.check_id == "ZT-MESH-001"]
    return (None if which == "none" else which), (missing[0] if missing else "")


@pytest.mark.parametrize(
    ("objects", "expected"),
    [
        ([ns("apps", {"istio-injection": "enabled"}), deployment("a")], "istio-sidecar"),
        ([ns("apps", {"istio.io/rev": "1-22"}), deployment("a")], "istio-sidecar"),
        ([deployment("a", labels={"istio.io/rev": "canary"})], "istio-sidecar"),
        ([deployment("a", labels={"sidecar.istio.io/inject": "true"})], "istio-sidecar"),
        ([ns("apps", {"istio.io/dataplane-mode": "ambient"}), deployment("a")], "istio-ambient"),
        ([deployment("a", labels={"istio.io/dataplane-mode": "ambient"})], "istio-ambient"),
        ([ns("apps", annotations={"linkerd.io/inject": "enabled"}), deployment("a")], "linkerd"),
        (
            [deployment("a", containers=[{"name": "app", "image": "x"}, {"name": "istio-proxy", "image": "p"}])],
            "istio-sidecar",
        ),
        ([deployment("a")], None),
        # opt-outs and blockers
        (
            [ns("apps", {"istio-injection": "enabled"}), deployment("a", labels={"sidecar.istio.io/inject": "false"})],
            None,
        ),
        (
            [ns("apps", {"istio-injection": "disabled"}), deployment("a", labels={"sidecar.istio.io/inject": "true"})],
            None,
        ),
        (
            [
                ns("apps", {"istio.io/dataplane-mode": "ambient"}),
                deployment("a", labels={"istio.io/dataplane-mode": "none"}),
            ],
            None,
        ),
        (
            [
                ns("apps", annotations={"linkerd.io/inject": "enabled"}),
                {
                    **deployment("a"),
                    "spec": {
                        "template": {
                            "metadata": {"annotations": {"linkerd.io/inject": "disabled"}},
                            "spec": deployment("a")["spec"]["template"]["spec"],
                        }
                    },
                },
            ],
            None,
        ),
        ([ns("apps", {"istio-injection": "enabled"}), deployment("a", hostNetwork=True)], None),
    ],
)
def test_mesh_coverage(objects: list[dict], expected: str | None) -> None:
    which, message = coverage(objects)
    assert which == expected
    assert bool(message) is (expected is None)


def test_opt_out_reason_is_named() -> None:
    _, message = coverage([ns("apps", {"istio-injection": "enabled"}), deployment("a", hostNetwork=True)])
    assert "hostNetwork pods are never injected" in message


def mtls(objects: list[dict], **kwargs: object) -> list[tuple[str, str]]:
    """(check, message) of the mTLS findings for the workloads, plus the summary of effective modes."""
    report = audit_objects(objects, **kwargs)
    return sorted((f.check_id, f.message) for f in report.findings if f.check_id in ("ZT-MESH-002", "ZT-MESH-003"))


def modes(objects: list[dict], **kwargs: object) -> dict[str, int]:
    return audit_objects(objects, **kwargs).summary["mtls_modes"]


def test_no_policy_means_permissive_unset() -> None:
    assert modes([deployment("a")]) == {"STRICT": 0, "PERMISSIVE": 1, "DISABLE": 0, "unset": 1}
    ((check, message),) = mtls([deployment("a")])
    assert check == "ZT-MESH-002" and "unset: Istio's default is PERMISSIVE" in message


def test_mesh_wide_strict_applies_everywhere() -> None:
    assert mtls([pa("default", "istio-system", "STRICT"), deployment("a")]) == []


def test_namespace_overrides_mesh() -> None:
    found = mtls([pa("default", "istio-system", "STRICT"), pa("default", "apps", "DISABLE"), deployment("a")])
    assert found == [
        (
            "ZT-MESH-003",
            "Deployment/apps/a: mTLS DISABLE (namespace policy apps/default); the "
            "workload is not in the mesh, so nothing enforces mTLS for it yet",
        )
    ]


def test_workload_overrides_namespace_and_unset_inherits() -> None:
    objs = [
        pa("default", "istio-system", "PERMISSIVE"),
        pa("ns", "apps", "STRICT"),
        pa("wl", "apps", "UNSET", selector={"app": "a"}),
        deployment("a"),
        deployment("b"),
    ]
    assert modes(objs)["STRICT"] == 2  # UNSET on the workload policy inherits the namespace's STRICT
    objs[2] = pa("wl", "apps", "PERMISSIVE", selector={"app": "a"})
    found = mtls(objs)
    assert len(found) == 1 and "Deployment/apps/a: mTLS PERMISSIVE (workload policy apps/wl)" in found[0][1]


def test_port_level_overrides_the_workload_mode() -> None:
    objs = [
        pa("default", "istio-system", "STRICT"),
        pa("wl", "apps", selector={"app": "a"}, ports={8080: "DISABLE", 9090: "STRICT", 7070: "UNSET"}),
        deployment("a"),
    ]
    found = mtls(objs)
    assert found == [
        (
            "ZT-MESH-003",
            "Deployment/apps/a: port 8080 mTLS DISABLE (portLevelMtls of apps/wl); the "
            "workload is not in the mesh, so nothing enforces mTLS for it yet",
        )
    ]
    # A STRICT port under a PERMISSIVE workload is an exception named in the workload finding.
    objs[1] = pa("wl", "apps", "PERMISSIVE", selector={"app": "a"}, ports={9090: "STRICT"})
    ((_, message),) = mtls(objs)
    assert "mTLS PERMISSIVE (except port 9090 STRICT)" in message


def test_selector_policy_in_root_namespace_does_not_apply_elsewhere() -> None:
    objs = [
        pa("default", "istio-system", "STRICT"),
        pa("sel", "istio-system", "DISABLE", selector={"app": "a"}),
        deployment("a"),
    ]
    assert modes(objs)["STRICT"] == 1


def test_root_namespace_is_configurable() -> None:
    objs = [pa("default", "mesh-root", "STRICT"), deployment("a")]
    assert modes(objs)["PERMISSIVE"] == 1
    assert modes(objs, mesh_root_namespace="mesh-root")["STRICT"] == 1


def test_oldest_policy_wins_and_the_other_is_reported() -> None:
    objs = [
        pa("newer", "apps", "DISABLE", created="2024-05-01T00:00:00Z"),
        pa("older", "apps", "STRICT", created="2023-01-01T00:00:00Z"),
        deployment("a"),
    ]
    report = audit_objects(objs)
    assert report.summary["mtls_modes"]["STRICT"] == 1
    conflicts = [f for f in report.findings if f.check_id == "ZT-MESH-004"]
    assert [(f.name, "apps/older" in f.message) for f in conflicts] == [("newer", True)]


def test_weak_policy_governing_no_workload_is_reported_on_the_policy() -> None:
    report = audit_objects([pa("default", "idle", "PERMISSIVE")])
    (f,) = [f for f in report.findings if f.check_id == "ZT-MESH-002"]
    assert (f.kind, f.namespace, f.name) == ("PeerAuthentication", "idle", "default")


def test_mesh_signals_are_counted_per_mechanism() -> None:
    injected_ns = ns("apps", {"istio-injection": "enabled"})
    other = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "rev", "labels": {"istio.io/rev": "1-22"}}}
    report = audit_objects(
        [
            injected_ns,
            other,
            deployment("a"),  # namespace label
            deployment("b", labels={"sidecar.istio.io/inject": "false"}),  # opted out
            deployment("c", namespace="rev"),  # namespace revision label
            deployment("d", namespace="plain", labels={"istio.io/dataplane-mode": "ambient"}),
            {
                **deployment("e", namespace="plain"),
                "spec": {
                    "template": {
                        "metadata": {"annotations": {"sidecar.istio.io/inject": "true"}},
                        "spec": deployment("e")["spec"]["template"]["spec"],
                    }
                },
            },
            deployment("f", namespace="plain"),
            deployment("g", namespace="plain", hostNetwork=True),
        ]
    )
    assert report.summary["mesh_signals"] == {
        "host-network": 1,
        "namespace-injection-label": 1,
        "namespace-revision-label": 1,
        "none": 1,
        "opted-out": 1,
        "pod-ambient-label": 1,
        "pod-injection-annotation": 1,
    }
    assert report.summary["mesh_coverage"] == {"istio-sidecar": 3, "istio-ambient": 1, "linkerd": 0, "none": 3}
