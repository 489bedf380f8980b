"""Service-mesh coverage and the effective Istio PeerAuthentication mode of every workload.

**Coverage** (per pod spec, first match wins): an ``istio-proxy``/``linkerd-proxy`` container already present;
Istio sidecar injection by pod label or annotation ``sidecar.istio.io/inject`` (``"false"`` opts out), namespace
label ``istio-injection=enabled`` (``disabled`` blocks it), revision labels ``istio.io/rev`` on the namespace or
pod; ambient mode by ``istio.io/dataplane-mode=ambient`` on the namespace or pod (``none`` opts out); Linkerd by
``linkerd.io/inject: enabled|ingress`` on the pod or namespace (``disabled`` opts out). hostNetwork pods are never
injected. Namespace labels are known only for Namespace objects present in the input.

**PeerAuthentication precedence** (Istio semantics): the mesh-wide policy (no selector, in the root namespace,
``istio-system`` unless told otherwise), then the namespace-wide policy (no selector), then the workload policy
(``selector.matchLabels`` a subset of the pod template's labels), then that workload policy's ``portLevelMtls``.
A mode of ``UNSET`` (or none) inherits from the level above; unset all the way means PERMISSIVE. Where several
policies compete at one level, Istio takes the oldest (creationTimestamp, then name): so do we, and the others
are reported (ZT-MESH-004).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from zsim.audit.catalog import finding
from zsim.audit.model import Finding
from zsim.audit.podspecs import PodSpec
from zsim.audit.resources import Inventory, Resource

DEFAULT_ROOT_NAMESPACE = "istio-system"
MODES = ("STRICT", "PERMISSIVE", "DISABLE")
_MODE_CHECK = {"PERMISSIVE": "ZT-MESH-002", "DISABLE": "ZT-MESH-003"}


# --- coverage --------------------------------------------------------------------------------------------------
class Membership(NamedTuple):
    """How a workload joins a mesh: ``mesh`` (None when it does not), the ``signal`` that decided it (a stable
    key, counted in the report's ``mesh_signals``) and a sentence saying so."""

    mesh: str | None
    signal: str
    how: str


def mesh_membership(pod: PodSpec, inventory: Inventory) -> Membership:
    """Which mesh (``istio-sidecar``, ``istio-ambient``, ``linkerd`` or None) the workload is in, and why."""
    names = {c.get("name") for _, c in pod.containers()}
    if "istio-proxy" in names:
        return Membership("istio-sidecar", "proxy-container", "istio-proxy container present")
    if "linkerd-proxy" in names:
        return Membership("linkerd", "proxy-container", "linkerd-proxy container present")
    if pod.spec.get("hostNetwork") is True:
        return Membership(None, "host-network", "hostNetwork pods are never injected")
    ns = pod.resource.namespace
    ns_res = inventory.namespace_objects.get(ns) if ns else None
    ns_labels = ns_res.labels if ns_res else {}
    ns_ann = ns_res.annotations if ns_res else {}
    labels, ann = pod.labels, pod.annotations
    inject = _lower(labels.get("sidecar.istio.io/inject", ann.get("sidecar.istio.io/inject")))
    src = "label" if "sidecar.istio.io/inject" in labels else "annotation"
    ns_injection = _lower(ns_labels.get("istio-injection"))
    opted_out: Membership | None = None
    if inject == "false":
        opted_out = Membership(None, "opted-out", f"opted out by pod {src} sidecar.istio.io/inject=false")
    elif ns_injection == "enabled":
        return Membership("istio-sidecar", "namespace-injection-label", f"namespace {ns} label istio-injection=enabled")
    elif ns_injection == "disabled":
        opted_out = Membership(None, "opted-out", f"namespace {ns} label istio-injection=disabled")
    elif ns_labels.get("istio.io/rev"):
        rev = ns_labels["istio.io/rev"]
        return Membership("istio-sidecar", "namespace-revision-label", f"namespace {ns} label istio.io/rev={rev}")
    elif labels.get("istio.io/rev"):
        return Membership("istio-sidecar", "pod-revision-label", f"pod label istio.io/rev={labels['istio.io/rev']}")
    elif inject == "true":
        return Membership("istio-sidecar", f"pod-injection-{src}", f"pod {src} sidecar.istio.io/inject=true")
    dataplane = _lower(labels.get("istio.io/dataplane-mode"))
    if dataplane == "ambient":
        return Membership("istio-ambient", "pod-ambient-label", "pod label istio.io/dataplane-mode=ambient")
    if dataplane != "none" and _lower(ns_labels.get("istio.io/dataplane-mode")) == "ambient":
        return Membership(
            "istio-ambient", "namespace-ambient-label", f"namespace {ns} label istio.io/dataplane-mode=ambient"
        )
    linkerd = _lower(ann.get("linkerd.io/inject"))
    if linkerd in ("enabled", "ingress"):
        return Membership("linkerd", "pod-linkerd-annotation", f"pod annotation linkerd.io/inject={linkerd}")
    if linkerd != "disabled" and _lower(ns_ann.get("linkerd.io/inject")) in ("enabled", "ingress"):
        return Membership("linkerd", "namespace-linkerd-annotation", f"namespace {ns} annotation linkerd.io/inject")
    if dataplane == "none" or linkerd == "disabled":
        return opted_out or Membership(None, "opted-out", "opted out of ambient mode or Linkerd")
    return opted_out or Membership(
        None, "none", "no injection label or annotation, ambient label or proxy container in the input"
    )


def _lower(value: Any) -> str | None:
    return str(value).strip().lower() if value is not None else None


# --- PeerAuthentication ----------------------------------------------------------------------------------------
@dataclass(eq=False)
class PeerAuth:
    res: Resource
    selector: dict[str, str]  # empty: namespace-wide (or mesh-wide in the root namespace)
    mode: str | None  # None: unset / UNSET (inherit)
    ports: dict[str, str | None]
    order: tuple[str, str, int]
    applied: bool = False

    @property
    def ref(self) -> str:
        return f"{self.res.namespace}/{self.res.name}"


@dataclass
class Effective:
    mode: str  # STRICT, PERMISSIVE or DISABLE
    unset: bool  # no policy set a mode (Istio's default PERMISSIVE)
    source: str
    ports: dict[str, tuple[str, str]] = field(default_factory=dict)  # port -> (mode, source)


def _mode(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("mode")
    mode = str(value).upper() if value is not None else None
    return mode if mode in MODES else None


def parse_peer_auth(res: Resource, index: int) -> PeerAuth:
    spec = res.spec
    sel = spec.get("selector")
    labels = sel.get("matchLabels") if isinstance(sel, dict) else None
    ports_raw = spec.get("portLevelMtls")
    ports = {str(k): _mode(v) for k, v in ports_raw.items()} if isinstance(ports_raw, dict) else {}
    ts = res.metadata.get("creationTimestamp")
    return PeerAuth(
        res=res,
        selector={str(k): str(v) for k, v in labels.items()} if isinstance(labels, dict) else {},
        mode=_mode(spec.get("mtls")),
        ports=ports,
        order=(str(ts) if ts else "", res.name or "", index),
    )


class MtlsResolver:
    """Resolves each workload's effective mode; remembers which policies applied and which conflicted."""

    def __init__(self, inventory: Inventory, root_namespace: str = DEFAULT_ROOT_NAMESPACE) -> None:
        self.root = root_namespace
        self.policies = [
            parse_peer_auth(r, i)
            for i, r in enumerate(inventory.resources)
            if r.is_kind("PeerAuthentication", "security.istio.io") and r.namespace
        ]
        self.ignored: dict[int, tuple[PeerAuth, PeerAuth]] = {}  # id(loser) -> (loser, winner)
        self._wide: dict[str, PeerAuth] = {}
        by_ns: dict[str, list[PeerAuth]] = {}
        for pa in self.policies:
            if not pa.selector:
                by_ns.setdefault(pa.res.namespace or "", []).append(pa)
        for ns, group in by_ns.items():
            self._wide[ns] = self._oldest(group)

    def _oldest(self, group: list[PeerAuth]) -> PeerAuth:
        winner = min(group, key=lambda p: p.order)
        for pa in group:
            if pa is not winner:
                self.ignored[id(pa)] = (pa, winner)
        return winner

    def resolve(self, pod: PodSpec) -> Effective:
        ns = pod.resource.namespace or ""
        matching = [
            pa
            for pa in self.policies
            if pa.selector
            and pa.res.namespace == ns
            and all(str(pod.labels.get(k)) == v and k in pod.labels for k, v in pa.selector.items())
        ]
        workload = self._oldest(matching) if matching else None
        mode, source, unset = "PERMISSIVE", "unset: Istio's default is PERMISSIVE", True
        for level, pa in (
            ("mesh-wide", self._wide.get(self.root)),
            ("namespace", self._wide.get(ns)),
            ("workload", workload),
        ):
            if pa is None or (level == "namespace" and ns == self.root):
                continue
            pa.applied = True
            if pa.mode is not None:
                mode, source, unset = pa.mode, f"{level} policy {pa.ref}", False
        eff = Effective(mode=mode, unset=unset, source=source)
        if workload is not None:
            for port, pmode in sorted(workload.ports.items()):
                if pmode is not None:
                    eff.ports[port] = (pmode, f"portLevelMtls of {workload.ref}")
        return eff


def mtls_findings(pod: PodSpec, eff: Effective, meshed: bool) -> list[Finding]:
    out: list[Finding] = []
    note = "" if meshed else "; the workload is not in the mesh, so nothing enforces mTLS for it yet"
    if eff.mode in _MODE_CHECK:
        overrides = [f"port {p} {m}" for p, (m, _) in eff.ports.items() if m != eff.mode]
        extra = f" (except {', '.join(overrides)})" if overrides else ""
        out.append(
            finding(
                _MODE_CHECK[eff.mode],
                f"{pod.label}: mTLS {eff.mode}{extra} ({eff.source}){note}",
                **pod.where(),
            )
        )
    for port, (pmode, source) in eff.ports.items():
        if pmode in _MODE_CHECK and pmode != eff.mode:
            out.append(
                finding(
                    _MODE_CHECK[pmode],
                    f"{pod.label}: port {port} mTLS {pmode} ({source}){note}",
                    **pod.where(),
                )
            )
    return out


def policy_findings(resolver: MtlsResolver) -> list[Finding]:
    """Conflicting policies, and weak policies that no workload in the input takes its mode from."""
    out: list[Finding] = []
    for loser, winner in resolver.ignored.values():
        out.append(
            finding(
                "ZT-MESH-004",
                f"PeerAuthentication {loser.ref} is ignored: {winner.ref} is at the same "
                "level and older (or first by name)",
                **loser.res.where(),
            )
        )
    for pa in resolver.policies:
        if pa.applied or id(pa) in resolver.ignored:
            continue
        weak = sorted({m for m in [pa.mode, *pa.ports.values()] if m in _MODE_CHECK})
        for mode in weak:
            scope = (
                f"workloads matching {pa.selector}"
                if pa.selector
                else ("the whole mesh" if pa.res.namespace == resolver.root else f"namespace {pa.res.namespace}")
            )
            out.append(
                finding(
                    _MODE_CHECK[mode],
                    f"PeerAuthentication {pa.ref} sets {mode} for {scope}; no workload in the input governed by it",
                    **pa.res.where(),
                )
            )
    return out


def mode_counts(effective: list[Effective]) -> dict[str, int]:
    counts = Counter(e.mode for e in effective)
    out = {m: counts.get(m, 0) for m in MODES}
    out["unset"] = sum(1 for e in effective if e.unset)
    return out
