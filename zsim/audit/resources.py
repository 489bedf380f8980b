"""Kubernetes objects as read, and the cluster view the checks share.

A :class:`Resource` is one object (from a file, a ``List`` item or a kubectl dump) with where it came from.
An :class:`Inventory` is the whole input seen as one cluster: each object's effective namespace, the namespaces
the input holds, ServiceAccounts and Namespace objects by name, and which objects are owned by a controller that
is also in the input (``kubectl get`` returns a Deployment *and* its ReplicaSet *and* its Pods: only the top
owner is checked, so one misconfiguration is one finding).

Namespace rules: a cluster-scoped kind has no namespace (scope comes from the CustomResourceDefinitions in the
input, then from the built-in list below, and unknown kinds count as namespaced); a namespaced object without
``metadata.namespace`` lands in ``default``, where ``kubectl apply`` puts it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

DEFAULT_NAMESPACE = "default"

# (API group, kind) of built-in cluster-scoped kinds; "" is the core group.
_CLUSTER_SCOPED: set[tuple[str, str]] = {
    ("", "Namespace"),
    ("", "Node"),
    ("", "PersistentVolume"),
    ("", "ComponentStatus"),
    ("rbac.authorization.k8s.io", "ClusterRole"),
    ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
    ("apiextensions.k8s.io", "CustomResourceDefinition"),
    ("apiregistration.k8s.io", "APIService"),
    ("storage.k8s.io", "StorageClass"),
    ("storage.k8s.io", "CSIDriver"),
    ("storage.k8s.io", "CSINode"),
    ("storage.k8s.io", "VolumeAttachment"),
    ("scheduling.k8s.io", "PriorityClass"),
    ("node.k8s.io", "RuntimeClass"),
    ("networking.k8s.io", "IngressClass"),
    ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"),
    ("admissionregistration.k8s.io", "MutatingWebhookConfiguration"),
    ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"),
    ("admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding"),
    ("certificates.k8s.io", "CertificateSigningRequest"),
    ("policy", "PodSecurityPolicy"),
    ("flowcontrol.apiserver.k8s.io", "FlowSchema"),
    ("flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration"),
    ("resource.k8s.io", "DeviceClass"),
    ("resource.k8s.io", "ResourceSlice"),
    ("cert-manager.io", "ClusterIssuer"),
    ("serving.kserve.io", "ClusterServingRuntime"),
    ("serving.kserve.io", "ClusterStorageContainer"),
    ("trainer.kubeflow.org", "ClusterTrainingRuntime"),
    ("config.openshift.io", "ClusterVersion"),
    ("security.openshift.io", "SecurityContextConstraints"),
}


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


@dataclass(eq=False)
class Resource:
    """One Kubernetes object and where it was read. ``namespace`` is filled in by :class:`Inventory`."""

    obj: dict[str, Any]
    file: str | None
    line: int | None
    namespace: str | None = None
    namespace_explicit: bool = False

    @property
    def api_version(self) -> str:
        return _str(self.obj.get("apiVersion")) or ""

    @property
    def group(self) -> str:
        av = self.api_version
        return av.split("/", 1)[0] if "/" in av else ""

    @property
    def kind(self) -> str | None:
        return _str(self.obj.get("kind"))

    @property
    def metadata(self) -> dict[str, Any]:
        return _dict(self.obj.get("metadata"))

    @property
    def name(self) -> str | None:
        md = self.metadata
        return _str(md.get("name")) or _str(md.get("generateName"))

    @property
    def labels(self) -> dict[str, Any]:
        return _dict(self.metadata.get("labels"))

    @property
    def annotations(self) -> dict[str, Any]:
        return _dict(self.metadata.get("annotations"))

    @property
    def spec(self) -> dict[str, Any]:
        return _dict(self.obj.get("spec"))

    def is_kind(self, kind: str, *groups: str) -> bool:
        """Whether this is ``kind`` in one of ``groups`` (any group when none is given)."""
        return self.kind == kind and (not groups or self.group in groups)

    def where(self, **extra: Any) -> dict[str, Any]:
        """Location keywords for :func:`zsim.audit.catalog.finding`."""
        out: dict[str, Any] = {
            "kind": self.kind,
            "namespace": self.namespace,
            "name": self.name,
            "file": self.file,
            "line": self.line,
        }
        out.update(extra)
        return out


@dataclass
class Inventory:
    """The input as one cluster."""

    resources: list[Resource]
    namespace_filter: str | None = None  # live mode with --namespace: the only namespace audited
    namespaces: set[str] = field(default_factory=set)
    namespace_objects: dict[str, Resource] = field(default_factory=dict)
    service_accounts: dict[tuple[str, str], Resource] = field(default_factory=dict)
    _present: set[tuple[str, str | None, str]] = field(default_factory=set)

    def __post_init__(self) -> None:
        scopes = self._crd_scopes()
        for res in self.resources:
            kind = res.kind or ""
            cluster = scopes.get((res.group, kind), (res.group, kind) in _CLUSTER_SCOPED)
            if cluster:
                res.namespace = None
            else:
                ns = _str(res.metadata.get("namespace"))
                res.namespace, res.namespace_explicit = (ns, True) if ns else (DEFAULT_NAMESPACE, False)
                self.namespaces.add(res.namespace)
            if res.is_kind("Namespace", "") and res.name:
                self.namespace_objects[res.name] = res
                self.namespaces.add(res.name)
            elif res.is_kind("ServiceAccount", "") and res.name and res.namespace:
                self.service_accounts[(res.namespace, res.name)] = res
            if res.kind and res.name:
                self._present.add((kind, res.namespace, res.name))
        if self.namespace_filter is not None:
            self.namespaces &= {self.namespace_filter}

    def _crd_scopes(self) -> dict[tuple[str, str], bool]:
        """(group, kind) -> cluster-scoped?, from the CustomResourceDefinitions the input holds."""
        out: dict[tuple[str, str], bool] = {}
        for res in self.resources:
            if res.is_kind("CustomResourceDefinition", "apiextensions.k8s.io"):
                spec = res.spec
                kind = _str(_dict(spec.get("names")).get("kind"))
                group = _str(spec.get("group"))
                if kind and group:
                    out[(group, kind)] = spec.get("scope") == "Cluster"
        return out

    def in_scope(self, res: Resource) -> bool:
        """Whether ``res`` belongs to the audited namespaces (everything, unless a namespace filter is set)."""
        return self.namespace_filter is None or res.namespace in (None, self.namespace_filter)

    def owned_by_present_controller(self, res: Resource) -> bool:
        """Whether a controller that owns ``res`` is itself in the input (so ``res`` is a copy of its template)."""
        refs = res.metadata.get("ownerReferences")
        if not isinstance(refs, list):
            return False
        for ref in refs:
            if isinstance(ref, dict) and ref.get("controller") is True:
                kind, name = _str(ref.get("kind")), _str(ref.get("name"))
                if kind and name and (kind, res.namespace, name) in self._present:
                    return True
        return False

    def by_namespace(self) -> dict[str | None, list[Resource]]:
        out: dict[str | None, list[Resource]] = defaultdict(list)
        for res in self.resources:
            out[res.namespace].append(res)
        return out
