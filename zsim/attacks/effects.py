"""What a control can do to one attack step: block it, raise its effort, or detect it.

The engine describes each way a step can be carried out — one source, one target, one plane, one identity — as a
:class:`StepContext`, and asks every active control for its effects through
``Control.attack_effects(step) -> list[Effect]`` (the hook in :mod:`zsim.controls.base`; controls import this
module lazily). Effects:

* :class:`Block` — the step fails. ``probability`` < 1 blocks only that share of attempts (one uniform per
  trial, from the control's own stream); with a ``deadline`` the step is allowed only until the deadline
  passes (a stolen token until it expires, revoked access until the next re-evaluation); ``alert`` means a
  blocked attempt also raises an alert (the defender evicts the attacker when the attempt is made).
* :class:`RaiseEffort` — the step's time to compromise is multiplied by ``factor`` (≥ 1), on the same draw.
* :class:`Detect` — the action is seen with ``probability``, after ``delay`` (a distribution) or at the next
  tick of a :class:`Periodic` check; detection evicts the attacker.

A block with probability 1 and no deadline removes that way of doing the step from the platform graph.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Literal, Protocol

if TYPE_CHECKING:
    from zsim.attacks.dists import TimeDist
    from zsim.attacks.platform import ComponentSpec
    from zsim.controls.base import Plane
    from zsim.controls.dists import LatencyDist


class ActionKind(StrEnum):
    GENERIC = "generic"  # no platform semantics beyond where it runs
    DISCOVER = "discover"  # network service discovery from a foothold
    CONNECT = "connect"  # lateral movement: open a connection with the foothold's own identity
    STEAL_CREDENTIAL = "steal-credential"  # take credentials a foothold holds
    USE_CREDENTIAL = "use-credential"  # replay a stolen credential against targets
    ESCAPE = "escape"  # container escape to the host
    HIJACK = "hijack"  # from root on a host, take over containers running on it
    INTERCEPT = "intercept"  # sniff service traffic from an on-path position
    RDMA_SNOOP = "rdma-snoop"  # capture InfiniBand/RoCE traffic from a host on the fabric
    EXFILTRATE = "exfiltrate"  # move reached bytes out of the platform
    SUBSTITUTE_ARTIFACT = "substitute-artifact"  # swap a model artifact in a pipeline hand-off window
    TAMPER_RUNTIME = "tamper-runtime"  # change a running script or binary, or the image behind a tag
    INJECT_DATA = "inject-data"  # write poisoned training data
    KEEP_ACCESS = "keep-access"  # keep using access that was revoked at the campaign's start


@dataclass(frozen=True, slots=True)
class ComponentView:
    """The attributes of a component that controls may look at (names are left out: effects are per class)."""

    type: str
    tenant: str | None
    zone: str
    sensitivity: str
    privileged: bool
    host_network: bool
    mesh: bool
    rdma: bool
    egress: bool
    has_node: bool

    @classmethod
    def of(cls, c: ComponentSpec) -> ComponentView:
        return cls(c.type, c.tenant, c.zone, c.sensitivity, c.privileged, c.host_network, c.in_mesh, c.rdma,
                   c.egress, c.node is not None)


@dataclass(frozen=True, slots=True)
class Identity:
    """Who the attacker is to the access policy: a component type in a tenant (null = shared platform)."""

    component: str
    tenant: str | None


@dataclass(frozen=True, slots=True)
class PolicyDecision:
    allowed: bool
    explicit: bool  # denied by an explicit rule (explicit deny, tenant isolation) rather than by default
    reason: str


class AccessPolicy(Protocol):
    """The identity plane's decision function (see :mod:`zsim.attacks.access`)."""

    def decide(self, source: Identity, target_type: str, target_tenant: str | None) -> PolicyDecision: ...


@dataclass(frozen=True, slots=True)
class StepContext:
    """One way of carrying out one step: what the controls see. Hashable, so effects are evaluated once."""

    campaign: str
    step: str
    action: ActionKind
    technique: str
    source: ComponentView | None = None  # where the attacker acts from
    target: ComponentView | None = None  # what it acts on (None: the outside world, or nothing)
    plane: Plane | None = None  # network the step crosses; None for a local action
    identity: Identity | None = None  # presented to authorization (own workload or a stolen credential)
    intended: bool = False  # the (source, target) pair is an intended path (a link): default-deny allows it
    credential: str | None = None  # credential kind stolen or used
    fresh_token: bool = False  # the credential was minted for the attacker (age 0) rather than taken mid-life
    new_connection: bool = True  # per-connection checks apply (False: an already open connection is reused)
    revoked: bool = False  # the identity's access was revoked at the campaign's start
    mode: str = ""  # action option: tamper image|in-place, exfiltrate direct|covert, artifact storage|registry,
    #                 inject-data pipeline|direct, position pod|host
    rewrites_metadata: bool = False  # the attacker can also rewrite the artifact's recorded digest
    policy: AccessPolicy | None = field(default=None, compare=False, hash=False)

    def decide(self) -> PolicyDecision | None:
        """The identity plane's decision for this step's identity and target (None if there is none)."""
        if self.policy is None or self.identity is None or self.target is None:
            return None
        return self.policy.decide(self.identity, self.target.type, self.target.tenant)


@dataclass(frozen=True, slots=True)
class TokenExpiry:
    """A stolen token stops working ``ttl_s`` after it was issued. Tokens are reissued every
    ``refresh_period_s`` (± ``jitter_fraction``), so a token taken mid-life has a stationary renewal age;
    ``fresh`` tokens (minted for the attacker) have age 0. Anchored at the credential's acquisition."""

    ttl_s: float
    refresh_period_s: float
    jitter_fraction: float = 0.0
    anchor: Literal["acquired"] = "acquired"


@dataclass(frozen=True, slots=True)
class NextRenewal:
    """Access ends at the next tick of a renewal process (token refresh with policy re-evaluation, or expiry of
    a cached decision) of period ``period_s`` ± ``jitter_fraction`` in stationary phase, counted from the
    revocation at the campaign's start."""

    period_s: float
    jitter_fraction: float = 0.0
    anchor: Literal["campaign"] = "campaign"


Deadline = TokenExpiry | NextRenewal


@dataclass(frozen=True, slots=True)
class Periodic:
    """A check every ``interval_s`` in a phase uniform per trial: detection at the first tick after the act."""

    interval_s: float


@dataclass(frozen=True, slots=True)
class Block:
    control: str
    reason: str
    probability: float = 1.0
    deadline: Deadline | None = None
    alert: bool = False

    @property
    def certain(self) -> bool:
        return self.probability >= 1.0 and self.deadline is None


@dataclass(frozen=True, slots=True)
class RaiseEffort:
    control: str
    reason: str
    factor: float


@dataclass(frozen=True, slots=True)
class Detect:
    control: str
    reason: str
    probability: float
    delay: TimeDist | LatencyDist | Periodic


Effect = Block | RaiseEffort | Detect
