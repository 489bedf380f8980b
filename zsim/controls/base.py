"""The control interface: parameters, costs and the hooks the platform calls.

A control is one module under ``zsim/controls/`` holding (1) a pydantic ``Params`` model whose *defaults mean
"off"* and whose cost fields carry their published source, and (2) a :class:`Control` subclass whose hook methods
return what switching it on costs. Platform components call the hooks of every active control through
:class:`zsim.controls.registry.ControlSet` and never import a specific control: that keeps one truth per control
(DESIGN principle 1). Attack effects (issue 6) live in the same class.

Hooks, and who calls them:

=====================  ==========================================  =================================
hook                   called by                                   returns
=====================  ==========================================  =================================
``request_path``       inference fleet, once per batch of requests  :class:`RequestPathCost` (arrays)
``transfer``           training fabric, storage and control planes  :class:`TransferCost`
``artifact_verify``    pipeline / deployment at each boundary       :class:`ArtifactCost`
``node_join``          cluster start-up (attestation)               seconds
``credential``         long jobs and clients holding tokens         :class:`CredentialPolicy` or None
=====================  ==========================================  =================================

Every hook has a default that costs nothing, so a control implements only the hooks it touches.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from zsim.attacks.effects import Effect, StepContext


class ControlParams(BaseModel):
    """Base of every control's parameters: strict, immutable, defaults mean the control is off."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    def active(self) -> bool:
        """Whether the control does anything at all; subclasses say what "off" means."""
        return True


def cost_field(default: Any, *, source: str, description: str = "") -> Any:
    """A cost parameter with the published row it comes from (``../shared/reference/published.md``).

    Cost fields are the only ones a cost profile (``costs: FILE``, ``zsim calibrate``) may set.
    """
    return Field(default, description=description, json_schema_extra={"cost": True, "source": source})


def cost_fields(params_model: type[BaseModel]) -> dict[str, str]:
    """Names of a Params model's cost fields, mapped to their sources."""
    out = {}
    for name, info in params_model.model_fields.items():
        extra = info.json_schema_extra
        if isinstance(extra, dict) and extra.get("cost"):
            out[name] = str(extra.get("source", ""))
    return out


class Plane(StrEnum):
    """Networks a byte can cross; controls cost differently on each."""

    RDMA = "rdma"  # InfiniBand / RoCE between nodes: kernel bypass, invisible to network policy
    NVLINK = "nvlink"  # inside a node
    STORAGE = "storage"  # Ethernet to storage and registry
    CONTROL = "control"  # Ethernet service-to-service (control plane, inference, stores)


@dataclass
class RequestBatch:
    """A batch of inference requests, as arrays (the fleet calls hooks once per run, not per request)."""

    arrival_s: np.ndarray  # absolute arrival times, sorted
    principal: np.ndarray  # int id of the calling workload (its identity, token and decision-cache key)
    new_connection: np.ndarray  # bool: the request opens a new connection (client pool and keep-alive)
    request_bytes: np.ndarray
    response_bytes: np.ndarray
    rtt_s: float  # network round trip of one hop
    hops: int = 1  # service-to-service hops on the request path
    # the identity plane's decision for each principal (index = principal id): (allowed, reason code)
    decisions: list[tuple[bool, str]] | None = None

    @property
    def n(self) -> int:
        return int(self.arrival_s.shape[0])


@dataclass
class RemoteStation:
    """A finite-capacity service every request visits before the replica (e.g. an ext_authz server)."""

    name: str
    servers: int
    service_s: np.ndarray  # per request; 0 where the request skips the station (e.g. cache hit)
    visits: np.ndarray  # bool per request: does it queue here at all


@dataclass
class RequestPathCost:
    """What one control adds to each request of a batch. All arrays have the batch's length (or are 0)."""

    client_delay_s: np.ndarray | float = 0.0  # latency before the replica that does not use replica capacity
    replica_cpu_s: np.ndarray | float = 0.0  # extra service time at the replica
    response_delay_s: np.ndarray | float = 0.0  # latency after service (response path)
    cpu_s: np.ndarray | float = 0.0  # CPU-seconds burned anywhere (sidecars, handshakes), for accounting
    stations: list[RemoteStation] = field(default_factory=list)
    failed: np.ndarray | None = None  # bool per request: rejected by the control (counted, not served)
    counters: dict[str, float] = field(default_factory=dict)  # e.g. {"mtls.handshakes": 123}


@dataclass(frozen=True)
class TransferCost:
    """What a control adds to moving bytes over a plane."""

    rate_cap_Bps: float | None = None  # the transfer can go no faster than this (e.g. crypto throughput)
    per_message_s: float = 0.0  # fixed cost per message / chunk
    setup_s: float = 0.0  # CPU time once per transfer (handshake)
    setup_rtts: int = 0  # extra network round trips once per transfer
    cpu_s_per_byte: float = 0.0


@dataclass(frozen=True)
class ArtifactCost:
    """Verifying an artifact of a given size at a pipeline boundary."""

    cpu_s: float = 0.0  # CPU-seconds spent (all cores)
    wall_s: float = 0.0  # time added when not overlapped with the download
    overlappable_wall_s: float = 0.0  # time that can hide behind the download


@dataclass(frozen=True)
class CredentialPolicy:
    """How a workload's credentials live: TTL, refresh cost, and what happens to requests in flight."""

    ttl_s: float
    refresh_s: float
    refresh_at_fraction: float  # refresh when this fraction of the TTL has passed
    reevaluate_on_refresh: bool
    inflight: str  # "continue" | "stall" | "fail"


class Control:
    """Base class: subclasses set ``name`` and ``Params`` and override the hooks they touch."""

    name: ClassVar[str]
    Params: ClassVar[type[ControlParams]]
    summary: ClassVar[str] = ""

    def __init__(self, params: ControlParams) -> None:
        self.params = params

    @property
    def enabled(self) -> bool:
        return self.params.active()

    # --- cost hooks -------------------------------------------------------------------------------------
    def request_path(self, batch: RequestBatch, rng: np.random.Generator) -> RequestPathCost | None:
        return None

    def transfer(self, plane: Plane, n_bytes: float, messages: int = 1) -> TransferCost | None:
        return None

    def artifact_verify(self, size_bytes: float, boundary: str) -> ArtifactCost | None:
        return None

    def node_join(self, n_nodes: int) -> float:
        return 0.0

    def credential(self) -> CredentialPolicy | None:
        return None

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.params!r})"

    # --- hooks added after the first release (zero-cost defaults) ------------------------------------------
    def line_rate_fraction(self, plane: Plane) -> float:
        """Fraction of a link's line rate left on ``plane`` while this control is on (e.g. inline crypto
        offload on the NIC); 1.0 means no effect. Called by the training fabric once per link type."""
        return 1.0

    def attack_effects(self, step: StepContext) -> list[Effect]:
        """What this control does to one way of carrying out an attack step: block it, raise its effort, or
        detect it (:mod:`zsim.attacks.effects`). Called by the attack compiler for active controls only."""
        return []
