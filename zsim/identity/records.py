"""Records the identity plane keeps: authorities, workloads and the credentials they hold (handles).

Times are simulated seconds; certificate and JWT bounds are whole seconds (``*_s`` as ``int``), and the
microsecond bounds (``*_us``) are what decisions compare against, identical in both modes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from zsim.identity.ca import TrustDomainCA
from zsim.identity.clock import US_PER_S
from zsim.identity.names import WorkloadName


@dataclass(eq=False, slots=True)
class Authority:
    """One signing authority of a trust domain in simulated time; ``ca`` is ``None`` in modelled mode."""

    authority_id: str
    trust_domain: str
    not_before_s: int
    not_after_s: int
    jwt_key_id: str
    ca: TrustDomainCA | None = None

    @property
    def half_life_s(self) -> float:
        return self.not_before_s + (self.not_after_s - self.not_before_s) / 2


@dataclass(eq=False, slots=True)
class Workload:
    """A workload known to the plane by its SPIFFE ID; ``credential`` is the X.509-SVID it holds now."""

    name: WorkloadName
    credential: Credential | None = None
    first_policy_version: int = 0
    issued: int = 0  # X.509-SVIDs issued to it so far (1 + rotations)

    @property
    def spiffe_id(self) -> str:
        return self.name.spiffe_id


@dataclass(eq=False, slots=True)
class Credential:
    """One X.509-SVID (a handle): real mode keeps the PEM chain and its fingerprint, modelled mode only times.

    A credential outlives its replacement: a copy held by an attacker stays usable until it expires or its
    authority is revoked, exactly like the certificate it stands for.
    """

    workload: Workload
    authority_id: str
    serial: int
    not_before_s: int
    not_after_s: int
    rotate_at_s: float
    policy_version: int
    fingerprint: bytes | None = None
    chain_pem: bytes | None = None
    private_key_pem: bytes | None = field(default=None, repr=False)
    nb_us: int = field(init=False, repr=False)
    na_us: int = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.nb_us = self.not_before_s * US_PER_S
        self.na_us = self.not_after_s * US_PER_S

    @property
    def name(self) -> WorkloadName:
        return self.workload.name

    @property
    def spiffe_id(self) -> str:
        return self.workload.name.spiffe_id

    @property
    def ttl_s(self) -> int:
        return self.not_after_s - self.not_before_s


@dataclass(eq=False, slots=True)
class JwtCredential:
    """One JWT-SVID (a handle); ``token`` is the signed JWT in real mode, ``None`` in modelled mode."""

    workload: Workload
    audience: tuple[str, ...]
    issued_at_s: int
    expires_at_s: int
    authority_id: str
    policy_version: int
    token: str | None = None
    exp_us: int = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.exp_us = self.expires_at_s * US_PER_S

    @property
    def spiffe_id(self) -> str:
        return self.workload.name.spiffe_id
