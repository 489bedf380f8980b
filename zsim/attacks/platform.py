"""The platform the attacker walks: the ``platform:`` section of a topology file.

Formal model (what every attack action reads)::

    component  c = (name, type, tenant, zone, sensitivity, node, job, privileged, host_network, mesh, rdma,
                    egress, credentials, data_bytes)
    link       l = (from-selector, to-selector, plane, same_tenant)   -- an intended communication path
    reach(s, t)  = flat network  or  some link l matches (s, t)
    flows        = {(s, t) | some link l matches (s, t)}              -- the traffic an on-path attacker sees

``type`` is the component type the access policy is keyed by (training, inference, registry, data-store,
feature-store, experiment-tracker, pipeline, monitoring, ...); ``tenant`` is null for shared platform services.
``node`` is the host a pod runs on (null for a managed service with no host to escape to); ``job`` groups the
ranks of one collective job, whose RDMA traffic an attacker on any of their hosts can snoop. ``mesh`` defaults
to "not host_network" because mesh sidecars are not injected into hostNetwork pods.

Without a network policy a Kubernetes cluster is flat (every pod reaches every pod), which is the default here;
the links are the paths a default-deny policy keeps open. ``pipeline`` describes the stages whose hand-offs
are the only windows for artifact substitution, and ``defender`` the background detection that exists without
any control (the median dwell time).

A ``synthetic:`` key expands into generated components and links (:mod:`zsim.attacks.generator`).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import ConfigDict, Field, model_validator

from zsim.config.base import StrictModel
from zsim.units import Bytes, BytesPerSecond, Seconds

SEGMENT = r"^[A-Za-z0-9._-]+$"
COMPONENT_TYPES = (
    "training", "inference", "registry", "data-store", "feature-store", "experiment-tracker", "pipeline",
    "monitoring",
)
M_TRENDS_DWELL = "published.md Credentials and detection: median attacker dwell time 10 days (Mandiant M-Trends 2023)"


class CredentialKind(StrEnum):
    PROJECTED_TOKEN = "projected-token"  # mounted, rotating when the tokens control is on
    LEGACY_SA_TOKEN = "legacy-sa-token"  # static service-account token Secret, never expires (pre-1.24 default)
    ENV_CREDENTIAL = "env-credential"  # hard-coded in the pod's environment
    ARTIFACT_CREDENTIAL = "artifact-credential"  # left in an artifact / run folder (.env, secrets.*)


class CredentialSpec(StrictModel):
    """A credential a component holds. It authenticates as ``identity`` (a component type; the holder's own
    type by default) in ``tenant`` ("same" = the holder's tenant, null = a shared platform identity)."""

    kind: CredentialKind
    identity: str | None = Field(None, pattern=SEGMENT)
    tenant: str | None = Field("same", pattern=SEGMENT)

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        return {"kind": data} if isinstance(data, str) else data


def _default_credentials() -> list[CredentialSpec]:
    return [CredentialSpec(kind=CredentialKind.PROJECTED_TOKEN)]


class ComponentSpec(StrictModel):
    name: str = Field(min_length=1, pattern=SEGMENT)
    type: str = Field(pattern=SEGMENT)
    tenant: str | None = Field(None, pattern=SEGMENT)
    zone: str = Field("default", pattern=SEGMENT)
    sensitivity: Literal["low", "medium", "high"] = "medium"
    node: str | None = Field(None, pattern=SEGMENT)
    job: str | None = Field(None, pattern=SEGMENT, description="collective job (RDMA peers)")
    privileged: bool = False
    host_network: bool = False
    mesh: bool | None = Field(None, description="sidecar injected; default: not host_network")
    rdma: bool = False
    egress: bool = Field(False, description="allowed to reach the internet by design (e.g. dataset downloads)")
    credentials: list[CredentialSpec] = Field(default_factory=_default_credentials)
    data_bytes: Bytes = Field(0.0, ge=0, description="data or model bytes held (counted in the blast radius)")

    @property
    def in_mesh(self) -> bool:
        return (not self.host_network) if self.mesh is None else self.mesh


class Selector(StrictModel):
    """Matches components; every given key must match (a list means any of). ``{}`` matches everything."""

    name: str | list[str] | None = None
    type: str | list[str] | None = None
    tenant: str | list[str] | None = None
    shared: bool | None = Field(None, description="true: untenanted platform services only")
    zone: str | list[str] | None = None
    sensitivity: str | list[str] | None = None
    privileged: bool | None = None
    host_network: bool | None = None
    rdma: bool | None = None
    egress: bool | None = None
    mesh: bool | None = None

    def matches(self, c: ComponentSpec) -> bool:
        for key in ("name", "type", "tenant", "zone", "sensitivity"):
            want = getattr(self, key)
            if want is None:
                continue
            value = getattr(c, key)
            if isinstance(want, list) and value not in want or isinstance(want, str) and value != want:
                return False
        if self.shared is not None and (c.tenant is None) != self.shared:
            return False
        for key in ("privileged", "host_network", "rdma", "egress"):
            want = getattr(self, key)
            if want is not None and getattr(c, key) != want:
                return False
        return self.mesh is None or c.in_mesh == self.mesh

    def describe(self) -> str:
        parts = [f"{k}={v}" for k, v in self.model_dump(exclude_none=True).items()]
        return "{" + ", ".join(parts) + "}" if parts else "{any}"


class LinkSpec(StrictModel):
    """An intended communication path; with ``same_tenant`` the target is in the source's tenant or shared."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True, populate_by_name=True)

    source: Selector = Field(alias="from")
    to: Selector
    plane: Literal["control", "storage"] = "control"
    same_tenant: bool = True

    def matches(self, s: ComponentSpec, t: ComponentSpec) -> bool:
        if s.name == t.name or not (self.source.matches(s) and self.to.matches(t)):
            return False
        return not self.same_tenant or t.tenant is None or s.tenant is None or s.tenant == t.tenant


class NetworkSpec(StrictModel):
    flat: bool = Field(True, description="every pod reaches every pod unless a network policy says otherwise")
    links: list[LinkSpec] = Field(default_factory=list)


class StageSpec(StrictModel):
    name: str = Field(min_length=1, pattern=SEGMENT)
    duration_s: Seconds = Field(gt=0)
    gap_s: Seconds = Field(300.0, ge=0, description="time the output waits before the next stage loads it")
    output: Literal["none", "storage", "registry"] = "none"
    reads_data: bool = Field(False, description="this stage consumes training data (poisoned data lands here)")


def _default_stages() -> list[StageSpec]:
    return [
        StageSpec(name="ingest", duration_s=1800.0, gap_s=600.0),  # writes training data to the data store
        StageSpec(name="train", duration_s=6 * 3600.0, gap_s=600.0, output="storage", reads_data=True),
        StageSpec(name="evaluate", duration_s=1800.0, gap_s=2 * 3600.0, output="registry"),
        StageSpec(name="deploy", duration_s=600.0, gap_s=0.0),
    ]


class PipelineSpec(StrictModel):
    """A pipeline run every ``period_s`` (phase uniform per trial); outputs wait ``gap_s`` between stages."""

    period_s: Seconds = Field(86400.0, gt=0)
    stages: list[StageSpec] = Field(default_factory=_default_stages, min_length=1)
    artifact_bytes: Bytes = Field(14e9, gt=0, description="published.md Artifacts: falcon-7b, 14 GB")

    @model_validator(mode="after")
    def _fits(self) -> PipelineSpec:
        total = sum(s.duration_s + s.gap_s for s in self.stages)
        if total > self.period_s:
            raise ValueError(f"stages and gaps take {total:g} s, longer than period_s {self.period_s:g} s")
        return self

    def windows(self, output: str) -> list[tuple[float, float]]:
        """(open, close) offsets from a run's start of the hand-offs of ``output`` (storage | registry)."""
        out, t = [], 0.0
        for stage in self.stages:
            t += stage.duration_s
            if stage.output == output:
                out.append((t, t + stage.gap_s))
            t += stage.gap_s
        return out

    def consume_offsets(self) -> list[float]:
        """Offsets from a run's start at which a stage starts reading training data."""
        out, t = [], 0.0
        for stage in self.stages:
            if stage.reads_data:
                out.append(t)
            t += stage.duration_s + stage.gap_s
        return out


class DefenderSpec(StrictModel):
    """Detection that exists without any zero-trust control: the organisation notices, eventually."""

    dwell_median_s: Seconds | None = Field(10 * 86400.0, gt=0, description=M_TRENDS_DWELL)

    @property
    def hazard_per_s(self) -> float:
        return 0.0 if self.dwell_median_s is None else 0.6931471805599453 / float(self.dwell_median_s)


class PlatformSpec(StrictModel):
    trust_domain: str = Field("ai-platform", pattern=r"^[a-z0-9._-]+$")
    components: list[ComponentSpec] = Field(min_length=1)
    network: NetworkSpec = NetworkSpec()
    pipeline: PipelineSpec = PipelineSpec()
    defender: DefenderSpec = DefenderSpec()
    storage_Bps: BytesPerSecond = Field(100e9 / 8, gt=0, description="attacker's write rate to object storage")
    egress_Bps: BytesPerSecond = Field(
        1e9 / 8, gt=0, description="assumption: one internet egress flow at 1 Gb/s (no published row)"
    )
    covert_Bps: BytesPerSecond = Field(
        50e3, gt=0, description="assumption: DNS-tunnel class covert channel, ~50 kB/s (no published row)"
    )

    @model_validator(mode="before")
    @classmethod
    def _expand_synthetic(cls, data: Any) -> Any:
        if isinstance(data, dict) and "synthetic" in data:
            from zsim.attacks.generator import SyntheticSpec, expand

            data = dict(data)
            spec = SyntheticSpec.model_validate(data.pop("synthetic") or {})
            return expand(spec, data)
        return data

    @model_validator(mode="after")
    def _unique(self) -> PlatformSpec:
        seen: set[str] = set()
        for i, c in enumerate(self.components):
            if c.name in seen:
                raise ValueError(f"components[{i}]: name {c.name!r} is used twice")
            seen.add(c.name)
        return self

    def component(self, name: str) -> ComponentSpec:
        for c in self.components:
            if c.name == name:
                return c
        raise KeyError(name)

    def select(self, selector: Selector) -> list[ComponentSpec]:
        return [c for c in self.components if selector.matches(c)]

    def reach(self, s: ComponentSpec, t: ComponentSpec) -> bool:
        """Can ``s`` open a connection to ``t`` at the network level, before any control?"""
        return self.network.flat or self.intended(s, t)

    def intended(self, s: ComponentSpec, t: ComponentSpec) -> bool:
        return any(link.matches(s, t) for link in self.network.links)

    def lint(self) -> list[str]:
        """Warnings that are not errors: links whose selectors match nothing."""
        out = []
        for i, link in enumerate(self.network.links):
            if not self.select(link.source):
                out.append(f"network.links[{i}].from matches no component: {link.source.describe()}")
            if not self.select(link.to):
                out.append(f"network.links[{i}].to matches no component: {link.to.describe()}")
        return out
