"""Synthetic platforms of any size, for scale tests and benchmarks (``platform: {synthetic: {...}}``).

The generator is deterministic in its own ``seed`` (it never touches a run's streams). It lays out ``tenants``
tenants, each with its training jobs (``ranks_per_job`` RDMA ranks per job), inference replicas, a pipeline, a
data store and a feature store, plus shared platform services (registry, experiment tracker) and a hostNetwork
monitoring agent per node. Pods are packed onto nodes in a shuffled order, so tenants share nodes, which is
what makes container escape a cross-tenant path. Flags and credentials are drawn with the given fractions:
``privileged_fraction`` of training pods run privileged (GPU device plugins often ask for it), legacy tokens,
hard-coded environment credentials and credentials in artifact folders appear with their own fractions.
Links follow the seed's access matrix (training → data-store, registry, experiment-tracker, feature-store;
inference → registry, feature-store; registry → data-store; pipeline → training, registry, data-store,
feature-store), inside a tenant or to shared services, plus the node agents' metric scrapes of training and
inference pods.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pydantic import Field

from zsim.config.base import StrictModel

MATRIX = {
    "training": ["data-store", "registry", "experiment-tracker", "feature-store"],
    "inference": ["registry", "feature-store"],
    "registry": ["data-store"],
    "pipeline": ["training", "registry", "data-store", "feature-store"],
}
# Share of tenant workloads by type (the rest of a tenant's pods are split in these proportions).
MIX = {"training": 0.55, "inference": 0.35, "pipeline": 0.04, "data-store": 0.03, "feature-store": 0.03}
BYTES = {  # published.md: 70B model → 140 GB of bf16 weights; data stores hold training corpora
    "training": 140e9, "inference": 140e9, "registry": 1.4e12, "data-store": 10e12, "feature-store": 200e9,
    "experiment-tracker": 5e9, "pipeline": 1e9, "monitoring": 0.0,
}


class SyntheticSpec(StrictModel):
    workloads: int = Field(1000, ge=8, description="pods in total (tenant workloads + shared + agents)")
    tenants: int = Field(4, ge=1)
    pods_per_node: int = Field(8, ge=1)
    ranks_per_job: int = Field(8, ge=1)
    seed: int = Field(0, ge=0)
    privileged_fraction: float = Field(0.2, ge=0, le=1)
    host_network_fraction: float = Field(0.05, ge=0, le=1, description="of training pods")
    rdma_fraction: float = Field(1.0, ge=0, le=1, description="of training jobs")
    legacy_token_fraction: float = Field(0.15, ge=0, le=1)
    env_credential_fraction: float = Field(0.5, ge=0, le=1, description="of pipeline pods")
    artifact_credential_fraction: float = Field(0.1, ge=0, le=1, description="of training pods")


def _counts(total: int, shares: dict[str, float]) -> dict[str, int]:
    raw = {k: max(1, int(round(total * v))) for k, v in shares.items()}
    raw["training"] += total - sum(raw.values())
    return raw


def generate(spec: SyntheticSpec) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Component and link dicts (YAML-shaped) for ``spec``."""
    rng = np.random.default_rng(spec.seed)
    n_nodes = max(1, -(-spec.workloads // spec.pods_per_node))
    shared = [
        {"name": "registry", "type": "registry", "node": None, "data_bytes": BYTES["registry"]},
        {"name": "experiment-tracker", "type": "experiment-tracker", "node": None,
         "data_bytes": BYTES["experiment-tracker"],
         "credentials": ["projected-token", {"kind": "env-credential", "identity": "experiment-tracker"}]},
    ]
    agents = [{"name": f"monitor-{i:04d}", "type": "monitoring", "node": f"node-{i:04d}", "host_network": True,
               "privileged": True} for i in range(n_nodes)]
    remaining = max(5 * spec.tenants, spec.workloads - len(shared) - len(agents))
    pods: list[dict[str, Any]] = []
    for t in range(spec.tenants):
        tenant = f"tenant-{t:02d}"
        counts = _counts(remaining // spec.tenants + (1 if t < remaining % spec.tenants else 0), MIX)
        for kind, count in counts.items():
            for i in range(count):
                pods.append(_pod(spec, rng, tenant, kind, i))
    _assign_jobs(spec, rng, pods)
    order = rng.permutation(len(pods))
    slots = spec.pods_per_node - 1  # one slot per node is the monitoring agent
    for k, idx in enumerate(order):
        pods[idx]["node"] = f"node-{(k // max(slots, 1)) % n_nodes:04d}"
    for p in pods:
        if p["type"] in ("data-store", "feature-store"):
            p["node"] = None  # managed services
    links = [{"from": {"type": src}, "to": {"type": dst}, "plane": "storage" if dst == "data-store" else "control"}
             for src, dsts in MATRIX.items() for dst in dsts]
    # node agents (hostNetwork, outside the mesh) scrape every workload's metrics in plaintext
    links.append({"from": {"type": "monitoring"}, "to": {"type": ["training", "inference"]}, "same_tenant": False})
    return shared + agents + pods, links


def _pod(spec: SyntheticSpec, rng: np.random.Generator, tenant: str, kind: str, i: int) -> dict[str, Any]:
    creds: list[Any] = ["projected-token"]
    pod: dict[str, Any] = {"name": f"{tenant}-{kind}-{i:04d}", "type": kind, "tenant": tenant,
                           "data_bytes": BYTES[kind]}
    if kind == "training":
        pod["privileged"] = bool(rng.random() < spec.privileged_fraction)
        pod["host_network"] = bool(rng.random() < spec.host_network_fraction)
        if rng.random() < spec.artifact_credential_fraction:
            creds.append({"kind": "artifact-credential", "identity": "pipeline", "tenant": None})
    if kind in ("training", "pipeline") and rng.random() < spec.legacy_token_fraction:
        creds.append("legacy-sa-token")
    if kind == "pipeline":
        pod["egress"] = True
        if rng.random() < spec.env_credential_fraction:
            creds.append({"kind": "env-credential", "identity": "pipeline", "tenant": None})
    if kind == "inference":
        pod["sensitivity"] = "high"
    pod["credentials"] = creds
    return pod


def _assign_jobs(spec: SyntheticSpec, rng: np.random.Generator, pods: list[dict[str, Any]]) -> None:
    by_tenant: dict[str, list[dict[str, Any]]] = {}
    for p in pods:
        if p["type"] == "training":
            by_tenant.setdefault(p["tenant"], []).append(p)
    for tenant, ranks in by_tenant.items():
        for j in range(0, len(ranks), spec.ranks_per_job):
            rdma = bool(rng.random() < spec.rdma_fraction)
            for p in ranks[j:j + spec.ranks_per_job]:
                p["job"] = f"{tenant}-job-{j // spec.ranks_per_job:03d}"
                p["rdma"] = rdma


def expand(spec: SyntheticSpec, data: dict[str, Any]) -> dict[str, Any]:
    """Merge generated components and links into a platform dict (explicit entries come after)."""
    components, links = generate(spec)
    out = dict(data)
    out["components"] = components + list(data.get("components", []))
    network = dict(data.get("network") or {})
    network["links"] = links + list(network.get("links", []))
    out["network"] = network
    return out


def synthetic_platform(**kwargs: Any) -> Any:
    """A :class:`~zsim.attacks.platform.PlatformSpec` built from :class:`SyntheticSpec` keyword arguments."""
    from zsim.attacks.platform import PlatformSpec

    return PlatformSpec.model_validate({"synthetic": kwargs})
