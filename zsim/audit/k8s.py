"""The Kubernetes auditor: objects in, :class:`~zsim.audit.model.AuditReport` out.

``audit_manifests(paths)`` reads files and folders; ``audit_cluster()`` asks kubectl; both end in
:func:`audit_loaded`, which sees the input as one cluster (:class:`~zsim.audit.resources.Inventory`), finds every
pod spec generically, and runs the checks of the chosen scope: ``"k8s"`` (everything) or ``"credentials"``
(the seed's credential audit: env credentials, ServiceAccount secrets, legacy token Secrets, workload identity).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from zsim.audit import checks_network, checks_workload, credentials, mesh
from zsim.audit.catalog import CREDENTIAL_AREAS, K8S_AREAS, checks_for, finding
from zsim.audit.kubectl import DEFAULT_TIMEOUT_S, load_live
from zsim.audit.loader import LoadResult, load_paths
from zsim.audit.model import AuditReport, Finding
from zsim.audit.podspecs import PodSpec, find_pod_specs
from zsim.audit.resources import Inventory
from zsim.yamlio import MAX_FILE_BYTES

Scope = Literal["k8s", "credentials"]


def audit_manifests(
    paths: Sequence[str | Path],
    *,
    scope: Scope = "k8s",
    mesh_root_namespace: str = mesh.DEFAULT_ROOT_NAMESPACE,
    max_file_bytes: int = MAX_FILE_BYTES,
) -> AuditReport:
    """Audit manifest files and folders. A missing path raises :class:`~zsim.errors.InputError`."""
    loaded = load_paths(paths, max_file_bytes=max_file_bytes)
    return audit_loaded(loaded, inputs=[str(p) for p in paths], scope=scope, mesh_root_namespace=mesh_root_namespace)


def audit_cluster(
    *,
    namespace: str | None = None,
    scope: Scope = "k8s",
    timeout_s: float = DEFAULT_TIMEOUT_S,
    kubectl: str = "kubectl",
    mesh_root_namespace: str = mesh.DEFAULT_ROOT_NAMESPACE,
) -> AuditReport:
    """Audit the live cluster through kubectl (one namespace, or all)."""
    loaded = load_live(
        namespace=namespace, timeout_s=timeout_s, kubectl=kubectl, mesh_root_namespace=mesh_root_namespace
    )
    where = f"kubectl (namespace {namespace})" if namespace else "kubectl (all namespaces)"
    return audit_loaded(
        loaded,
        inputs=[where],
        scope=scope,
        namespace_filter=namespace,
        mesh_root_namespace=mesh_root_namespace,
    )


def audit_loaded(
    loaded: LoadResult,
    *,
    inputs: list[str],
    scope: Scope = "k8s",
    namespace_filter: str | None = None,
    mesh_root_namespace: str = mesh.DEFAULT_ROOT_NAMESPACE,
) -> AuditReport:
    inventory = Inventory(loaded.resources, namespace_filter=namespace_filter)
    findings: list[Finding] = list(loaded.findings)
    all_pods: list[PodSpec] = []
    owned = 0
    for res in inventory.resources:
        if not inventory.in_scope(res):
            continue
        pods = find_pod_specs(res)
        if pods and inventory.owned_by_present_controller(res):
            owned += len(pods)
            continue
        all_pods.extend(pods)
    summary: dict[str, object] = {
        "files": loaded.files,
        "documents": loaded.documents,
        "objects": len(inventory.resources),
        "pod_specs": len(all_pods),
        "pod_specs_skipped_owned": owned,
        "containers": sum(1 for p in all_pods for _ in p.containers()),
        "kinds_with_pod_specs": dict(sorted(Counter(p.resource.kind or "?" for p in all_pods).items())),
        "namespaces": len(inventory.namespaces),
    }
    for pod in all_pods:
        findings.extend(credentials.env_findings(pod))
    findings.extend(credentials.object_findings(inventory))
    if scope == "k8s":
        findings.extend(_platform_checks(inventory, all_pods, summary, mesh_root_namespace))
    report = AuditReport(
        command=scope,
        inputs=inputs,
        findings=findings,
        summary=summary,
        checks_run=checks_for(K8S_AREAS if scope == "k8s" else CREDENTIAL_AREAS),
    )
    report.findings.sort(key=Finding.sort_key)
    summary["findings_by_severity"] = report.by_severity()
    summary["findings_by_check"] = report.by_check()
    return report


def _platform_checks(
    inventory: Inventory, pods: list[PodSpec], summary: dict[str, object], mesh_root_namespace: str
) -> list[Finding]:
    findings: list[Finding] = []
    nets = checks_network.namespace_networks(inventory)
    findings.extend(checks_network.default_deny_findings(inventory, nets))
    findings.extend(checks_network.exposure_findings(inventory))
    summary["namespaces_without_default_deny"] = sorted(ns for ns, n in nets.items() if not n.default_deny)
    resolver = mesh.MtlsResolver(inventory, mesh_root_namespace)
    coverage: Counter[str] = Counter()
    signals: Counter[str] = Counter()
    effective = []
    for pod in pods:
        findings.extend(checks_workload.check_pod_spec(pod, inventory))
        member = mesh.mesh_membership(pod, inventory)
        coverage[member.mesh or "none"] += 1
        signals[member.signal] += 1
        if member.mesh is None:
            findings.append(_not_in_mesh(pod, member.how))
        eff = resolver.resolve(pod)
        effective.append(eff)
        findings.extend(mesh.mtls_findings(pod, eff, meshed=member.mesh is not None))
    findings.extend(mesh.policy_findings(resolver))
    summary["mesh_coverage"] = {k: coverage.get(k, 0) for k in ("istio-sidecar", "istio-ambient", "linkerd", "none")}
    summary["mesh_signals"] = dict(sorted(signals.items()))
    summary["mtls_modes"] = mesh.mode_counts(effective)
    summary["mesh_root_namespace"] = mesh_root_namespace
    return findings


def _not_in_mesh(pod: PodSpec, how: str) -> Finding:
    return finding("ZT-MESH-001", f"{pod.label}: not in a service mesh ({how})", **pod.where())
