"""Per-pod-spec checks: host namespaces, privilege, root, RDMA devices, service-account token mounting.

Every container list is checked (containers, initContainers, ephemeralContainers). Container-level
``securityContext`` settings override the pod-level ones, as in Kubernetes.
"""

from __future__ import annotations

from typing import Any

from zsim.audit.catalog import finding
from zsim.audit.model import Finding
from zsim.audit.podspecs import PodSpec
from zsim.audit.resources import Inventory

RDMA_MARKERS = ("rdma", "infiniband")


def check_pod_spec(pod: PodSpec, inventory: Inventory) -> list[Finding]:
    out: list[Finding] = []
    spec = pod.spec
    for key, check_id, what in (
        ("hostNetwork", "ZT-NET-002", "hostNetwork: true (bypasses NetworkPolicy and the mesh)"),
        ("hostPID", "ZT-WL-002", "hostPID: true (sees every process on the node)"),
        ("hostIPC", "ZT-WL-003", "hostIPC: true (shares the node's IPC namespace)"),
    ):
        if spec.get(key) is True:
            out.append(finding(check_id, f"{pod.label}: {what}", **pod.where()))
    pod_sc = pod.pod_security
    for list_name, c in pod.containers():
        out.extend(_container_findings(pod, list_name, c, pod_sc))
    out.extend(_automount(pod, inventory))
    return out


def _container_findings(pod: PodSpec, list_name: str, c: dict[str, Any], pod_sc: dict[str, Any]) -> list[Finding]:
    out: list[Finding] = []
    sc = c.get("securityContext")
    sc = sc if isinstance(sc, dict) else {}
    where = pod.where(c)
    label = f"{pod.label} {_singular(list_name)} {c.get('name', '?')!s}"
    privileged = sc.get("privileged") is True
    if privileged:
        out.append(finding("ZT-WL-001", f"{label}: securityContext.privileged: true", **where))
    if sc.get("allowPrivilegeEscalation") is not False:
        detail = "true" if sc.get("allowPrivilegeEscalation") is True else "not set (defaults to true)"
        out.append(finding("ZT-WL-004", f"{label}: allowPrivilegeEscalation {detail}", **where))
    run_as_user = _first(sc, pod_sc, "runAsUser")
    run_as_non_root = _first(sc, pod_sc, "runAsNonRoot")
    if _is_int(run_as_user) and run_as_user == 0:
        out.append(finding("ZT-WL-005", f"{label}: runAsUser: 0", **where))
    elif run_as_non_root is not True and not (_is_int(run_as_user) and run_as_user > 0):
        detail = "runAsNonRoot: false" if run_as_non_root is False else "neither runAsNonRoot nor runAsUser set"
        out.append(finding("ZT-WL-006", f"{label}: {detail}; the image may run as root", **where))
    devices = rdma_requests(c)
    if devices:
        out.append(finding("ZT-NET-003", f"{label}: requests {', '.join(devices)}", **where))
    return out


def rdma_requests(container: dict[str, Any]) -> list[str]:
    """Resource names in requests or limits that name an RDMA/InfiniBand device, sorted."""
    resources = container.get("resources")
    if not isinstance(resources, dict):
        return []
    names: set[str] = set()
    for section in ("limits", "requests"):
        block = resources.get(section)
        if isinstance(block, dict):
            names.update(str(k) for k in block if any(m in str(k).lower() for m in RDMA_MARKERS))
    return sorted(names)


def _automount(pod: PodSpec, inventory: Inventory) -> list[Finding]:
    setting = pod.spec.get("automountServiceAccountToken")
    sa_name = pod.spec.get("serviceAccountName") or pod.spec.get("serviceAccount") or "default"
    source = "the pod"
    if setting is None and pod.resource.namespace and isinstance(sa_name, str):
        sa = inventory.service_accounts.get((pod.resource.namespace, sa_name))
        if sa is not None:
            setting = sa.obj.get("automountServiceAccountToken")
            source = f"ServiceAccount {sa_name}"
    if setting is False:
        return []
    detail = f"set to true on {source}" if setting is True else "not set to false on the pod or its ServiceAccount"
    return [finding("ZT-WL-007", f"{pod.label}: service-account token ({sa_name}) mounted: {detail}", **pod.where())]


def _first(primary: dict[str, Any], fallback: dict[str, Any], key: str) -> Any:
    value = primary.get(key)
    return fallback.get(key) if value is None else value


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _singular(list_name: str) -> str:
    return {"containers": "container", "initContainers": "init container"}.get(list_name, "ephemeral container")
