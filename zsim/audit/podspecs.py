"""Generic discovery of pod specs, wherever an object carries them.

A pod spec is any mapping whose ``containers`` is a list of mappings. That one structural rule finds the pod
spec of a Pod (``spec``), of every core controller (``spec.template.spec``, ``spec.jobTemplate.spec.template
.spec``) and of custom resources we have never heard of: RayCluster head and worker groups, JobSet replicated
jobs, PyTorchJob/MPIJob replica specs, Volcano tasks, LeaderWorkerSet leader and worker templates, KServe
InferenceService components, OLM ClusterServiceVersion deployments, ... No list of kinds is involved.
CustomResourceDefinition schemas are not matched: there ``containers`` is a schema mapping, not a list.

Each :class:`PodSpec` also carries the pod template's labels and annotations (the ``metadata`` beside the
``spec`` key that held it, or the object's own metadata for a bare Pod), which mesh injection and
PeerAuthentication selectors are matched against.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from zsim.audit.resources import Resource

CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")


@dataclass(eq=False)
class PodSpec:
    """One pod spec inside ``resource`` at ``field`` (a path such as ``spec.template.spec``)."""

    resource: Resource
    spec: dict[str, Any]
    field: str
    labels: dict[str, Any]
    annotations: dict[str, Any]

    def containers(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """``(list name, container)`` for every container, init container and ephemeral container."""
        for key in CONTAINER_LISTS:
            items = self.spec.get(key)
            if isinstance(items, list):
                for c in items:
                    if isinstance(c, dict):
                        yield key, c

    @property
    def pod_security(self) -> dict[str, Any]:
        sc = self.spec.get("securityContext")
        return sc if isinstance(sc, dict) else {}

    def where(self, container: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
        cname = container.get("name") if container is not None else None
        return self.resource.where(field=self.field, container=cname if isinstance(cname, str) else None, **extra)

    @property
    def label(self) -> str:
        """``Kind/namespace/name`` plus the field when it is not the usual template place."""
        res = self.resource
        base = f"{res.kind or '?'}/{res.namespace + '/' if res.namespace else ''}{res.name or '?'}"
        return base if self.field in ("spec", "spec.template.spec") else f"{base} ({self.field})"


def is_pod_spec(node: Any) -> bool:
    if not isinstance(node, dict):
        return False
    containers = node.get("containers")
    return isinstance(containers, list) and all(isinstance(c, dict) for c in containers)


def find_pod_specs(resource: Resource) -> list[PodSpec]:
    """Every pod spec inside ``resource``, in document order."""
    found: list[PodSpec] = []
    obj = resource.obj
    # Iterative walk; each stack entry is (node, parent mapping, key in parent, path parts).
    stack: list[tuple[Any, dict[str, Any] | None, Any, tuple[Any, ...]]] = [(obj, None, None, ())]
    while stack:
        node, parent, key, path = stack.pop()
        if isinstance(node, dict):
            if is_pod_spec(node):
                found.append(_pod_spec(resource, node, parent, key, path))
            children = [
                (v, node, k, (*path, k))
                for k, v in node.items()
                if isinstance(v, dict | list) and k not in CONTAINER_LISTS
            ]
            stack.extend(reversed(children))
        elif isinstance(node, list):
            stack.extend(reversed([(v, None, i, (*path, i)) for i, v in enumerate(node) if isinstance(v, dict | list)]))
    return found


def _pod_spec(
    resource: Resource, spec: dict[str, Any], parent: dict[str, Any] | None, key: Any, path: tuple[Any, ...]
) -> PodSpec:
    meta: Any = None
    if parent is not None and key == "spec":
        meta = parent.get("metadata")  # pod template: {metadata, spec}; or the Pod object itself
    labels = meta.get("labels") if isinstance(meta, dict) else None
    annotations = meta.get("annotations") if isinstance(meta, dict) else None
    return PodSpec(
        resource=resource,
        spec=spec,
        field=format_path(path),
        labels=labels if isinstance(labels, dict) else {},
        annotations=annotations if isinstance(annotations, dict) else {},
    )


def format_path(path: tuple[Any, ...]) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out
