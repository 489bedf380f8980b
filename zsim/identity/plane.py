"""The identity plane the simulator talks to: SVIDs issued at simulated time, decisions at the simulated
clock.

Model (SPIRE semantics, cited in ``../shared/reference/published.md``, "Credentials and detection"):

* One trust domain. Its signing authority (CA TTL 24 h by default) is replaced by a new one once it passes
  half its life; older authorities stay in the bundle until they expire.
* ``issue`` gives a workload an X.509-SVID (TTL 1 h by default) from the active authority, valid from the
  whole simulated second; its ``notAfter`` never passes the authority's. It is due for rotation at half its
  lifetime ± ``rotation_jitter`` × half-life (uniform, one draw per SVID from the ``rng`` the simulator hands
  in).
* Revocation exists only for whole authorities (``revoke_authority``): the authority leaves the bundle, every
  SVID it signed is rejected from then on, and its holders are made due for rotation at once.
* Policy is versioned. With ``reevaluate="refresh"`` (default) an SVID or JWT-SVID carries the policy version
  current when it was issued, so a revoked permission takes effect no later than each holder's next refresh;
  ``"request"`` applies the newest policy to every request; ``"never"`` keeps the version of a workload's
  first credential forever (the long-lived-credential gap the seed warns about).

Modes. ``real``: every SVID is a certificate; ``authorize`` verifies the presented chain at the simulated
instant (the full path the first time a fingerprint is seen, then the cached verified identity, whose validity
window and authority are re-checked on every call). ``modelled``: no certificates; the same checks in the same
order on the record's numbers. Both produce identical :class:`Decision` objects (tested).

State changes (``issue``, ``rotate``, ``revoke_authority``, ``update_policy``) must come in non-decreasing
simulated time; ``authorize`` may be asked about any instant.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Iterable
from typing import Literal

import numpy as np

from zsim.identity.authorities import AuthorityRegistry
from zsim.identity.ca import fingerprint
from zsim.identity.checks import CredentialChecker
from zsim.identity.clock import US_PER_S, us_datetime
from zsim.identity.decision import Decision, Reason, deny
from zsim.identity.engine import DecisionEngine, PolicyEngine
from zsim.identity.names import Target, WorkloadName, trust_domain_name, workload_name
from zsim.identity.policy import Policy, default_policy
from zsim.identity.records import Authority, Credential, JwtCredential, Workload

Mode = Literal["real", "modelled"]
Reevaluate = Literal["request", "refresh", "never"]
EngineKind = Literal["builtin", "cedar"]

_NO_CREDENTIAL = deny(Reason.NO_CREDENTIAL, "the workload holds no SVID")


def make_engine(kind: EngineKind, policy: Policy, trust_domain: str) -> DecisionEngine:
    if kind == "builtin":
        return PolicyEngine(policy, trust_domain)
    if kind == "cedar":
        from zsim.identity.cedar import CedarEngine

        return CedarEngine(policy, trust_domain)
    raise ValueError(f"unknown policy engine {kind!r} (builtin, cedar)")


def _check_ttl(label: str, value: float) -> None:
    if not (math.isfinite(value) and value >= 1):
        raise ValueError(f"{label} must be at least 1 s, got {value!r}")


class IdentityPlane:
    """SPIFFE identities, rotation, revocation and authorization for one simulated trust domain."""

    def __init__(
        self,
        trust_domain: str,
        policy: Policy | None = None,
        *,
        rng: np.random.Generator,
        mode: Mode = "real",
        svid_ttl_s: float = 3600.0,
        jwt_ttl_s: float = 300.0,
        ca_ttl_s: float = 86_400.0,
        rotation_jitter: float = 0.10,
        reevaluate: Reevaluate = "refresh",
        engine: EngineKind = "builtin",
        keep_private_keys: bool = False,
        cache_entries: int = 1 << 20,
    ) -> None:
        if mode not in ("real", "modelled"):
            raise ValueError(f"mode must be 'real' or 'modelled', got {mode!r}")
        if reevaluate not in ("request", "refresh", "never"):
            raise ValueError(f"reevaluate must be 'request', 'refresh' or 'never', got {reevaluate!r}")
        if not 0.0 <= rotation_jitter < 1.0:
            raise ValueError(f"rotation_jitter must be in [0, 1), got {rotation_jitter!r}")
        for label, value in (("svid_ttl_s", svid_ttl_s), ("jwt_ttl_s", jwt_ttl_s), ("ca_ttl_s", ca_ttl_s)):
            _check_ttl(label, value)
        if max(svid_ttl_s, jwt_ttl_s) > ca_ttl_s / 2:
            raise ValueError("SVID TTLs must be at most half of ca_ttl_s (the authority rotates at half-life)")
        if not isinstance(rng, np.random.Generator):
            raise TypeError("rng must be a numpy.random.Generator handed down by the simulator")
        self.trust_domain = trust_domain_name(trust_domain)
        self.mode: Mode = mode
        self.svid_ttl_s, self.jwt_ttl_s, self.ca_ttl_s = svid_ttl_s, jwt_ttl_s, ca_ttl_s
        self.rotation_jitter = rotation_jitter
        self.reevaluate: Reevaluate = reevaluate
        self.engine_kind: EngineKind = engine
        self.keep_private_keys = keep_private_keys
        self._rng = rng
        self._real = mode == "real"
        self._per_request = reevaluate == "request"
        self._policies: list[Policy] = [policy if policy is not None else default_policy()]
        self._engines: list[DecisionEngine] = [make_engine(engine, self._policies[0], self.trust_domain)]
        self.policy_history: list[tuple[float, int]] = [(-math.inf, 0)]
        self._ca = AuthorityRegistry(self.trust_domain, real=self._real, ca_ttl_s=ca_ttl_s)
        self._workloads: dict[str, Workload] = {}
        self._names: dict[str, WorkloadName] = {}
        self._targets: dict[str, Target] = {}
        self._due: list[tuple[float, int, Workload, Credential]] = []
        self._seq = itertools.count()
        self._serials = itertools.count(1)
        self._checker = CredentialChecker(self._ca, real=self._real, cache_entries=cache_entries)
        self._verified = self._checker.verified  # the hot path reads these two directly
        self._trusted = self._ca.trusted
        self._last_change_s = -math.inf
        self.counters: dict[str, int] = {"x509_issued": 0, "jwt_issued": 0}

    @property
    def full_verifications(self) -> dict[str, int]:
        """Full-path verifications run so far (X.509 chains, JWT signatures): in real mode what a cost model
        charges as handshakes; the cached path costs only a decision."""
        return {"x509": self._checker.full_x509, "jwt": self._checker.full_jwt}

    # --- policy -------------------------------------------------------------------------------------------
    @property
    def policy(self) -> Policy:
        return self._policies[-1]

    @property
    def policy_version(self) -> int:
        return len(self._policies) - 1

    def update_policy(self, policy: Policy, now_s: float) -> int:
        """Install a new policy version; when it applies depends on ``reevaluate`` (see the module doc)."""
        self._advance(now_s)
        self._policies.append(policy)
        self._engines.append(make_engine(self.engine_kind, policy, self.trust_domain))
        self.policy_history.append((now_s, self.policy_version))
        return self.policy_version

    def engine_for(self, credential: Credential | JwtCredential) -> DecisionEngine:
        """The engine (policy version) that decides for ``credential``."""
        if self.reevaluate == "request":
            return self._engines[-1]
        return self._engines[credential.policy_version]

    # --- authorities --------------------------------------------------------------------------------------
    @property
    def active_authority(self) -> Authority | None:
        return self._ca.active

    @property
    def trusted_authorities(self) -> tuple[str, ...]:
        return tuple(sorted(self._ca.trusted))

    @property
    def authorities_created(self) -> int:
        return self._ca.created

    def authority(self, authority_id: str) -> Authority:
        return self._ca.authorities[authority_id]

    def rotate_authority(self, now_s: float) -> Authority:
        """Prepare and activate a new signing authority now; the old one stays trusted until it expires."""
        self._advance(now_s)
        return self._ca.rotate(now_s)

    def revoke_authority(self, authority_id: str, now_s: float) -> list[Workload]:
        """Remove an authority from the bundle: SPIRE's only revocation (single SVIDs cannot be revoked).

        Returns the workloads whose current SVID it signed; they are made due for rotation at ``now_s``.
        Revoking the active authority activates a new one first.
        """
        self._advance(now_s)
        self._ca.revoke(authority_id, now_s)
        affected = [
            w
            for w in self._workloads.values()
            if w.credential is not None and w.credential.authority_id == authority_id
        ]
        for workload in affected:
            cred = workload.credential
            assert cred is not None
            cred.rotate_at_s = min(cred.rotate_at_s, now_s)
            heapq.heappush(self._due, (cred.rotate_at_s, next(self._seq), workload, cred))
        return affected

    # --- workloads, issuing, rotation ---------------------------------------------------------------------
    def _advance(self, now_s: float) -> None:
        if not math.isfinite(now_s):
            raise ValueError(f"simulated time must be finite, got {now_s!r}")
        if now_s < self._last_change_s:
            raise ValueError(f"state changes must not go back in time ({now_s} < {self._last_change_s})")
        self._last_change_s = now_s

    def name(self, workload_path: str) -> WorkloadName:
        """``/training/job-1`` or a full SPIFFE ID of this trust domain → its parsed name (cached)."""
        hit = self._names.get(workload_path)
        if hit is None:
            hit = self._names[workload_path] = workload_name(self.trust_domain, workload_path)
        return hit

    def workload(self, workload_path: str) -> Workload:
        """The registered workload at ``workload_path`` (``KeyError`` if it was never issued an SVID)."""
        return self._workloads[self.name(workload_path).spiffe_id]

    @property
    def workloads(self) -> Iterable[Workload]:
        return self._workloads.values()

    def _register(self, workload_path: str) -> Workload:
        name = self.name(workload_path)
        workload = self._workloads.get(name.spiffe_id)
        if workload is None:
            workload = self._workloads[name.spiffe_id] = Workload(name, first_policy_version=self.policy_version)
        return workload

    def issue(self, workload_path: str, now_s: float, ttl_s: float | None = None) -> Credential:
        """Issue (or re-issue: refresh) the X.509-SVID of the workload at ``workload_path``; it becomes
        current.

        ``workload_path`` is ``/training/job-1`` or a full SPIFFE ID of this trust domain.
        """
        workload = self._register(workload_path)
        self._advance(now_s)
        cred = self._mint(workload, self._ca.active_at(now_s), now_s, ttl_s)
        workload.credential = cred
        workload.issued += 1
        heapq.heappush(self._due, (cred.rotate_at_s, next(self._seq), workload, cred))
        return cred

    def rotate(self, workload: Workload, now_s: float) -> Credential:
        """Refresh: a new SVID (new key) for ``workload``; the policy is re-evaluated for it."""
        return self.issue(workload.name.spiffe_id, now_s)

    def _mint(self, workload: Workload, authority: Authority, now_s: float, ttl_s: float | None) -> Credential:
        ttl = self.svid_ttl_s if ttl_s is None else ttl_s
        _check_ttl("ttl_s", ttl)
        start_s = math.floor(now_s)
        end_s = min(start_s + round(ttl), authority.not_after_s)
        half_s = (end_s - start_s) / 2
        rotate_at_s = start_s + half_s * (1.0 + self._rng.uniform(-self.rotation_jitter, self.rotation_jitter))
        version = workload.first_policy_version if self.reevaluate == "never" else self.policy_version
        self.counters["x509_issued"] += 1
        if not self._real:
            return Credential(
                workload, authority.authority_id, next(self._serials), start_s, end_s, rotate_at_s, version
            )
        assert authority.ca is not None
        svid = authority.ca.issue_x509_svid(
            workload.name.spiffe_id, not_before=us_datetime(start_s * US_PER_S), ttl_s=round(ttl)
        )
        return Credential(
            workload,
            authority.authority_id,
            svid.leaf.serial_number,
            start_s,
            end_s,
            rotate_at_s,
            version,
            fingerprint(svid.leaf),
            svid.chain_pem(),
            svid.key_pem() if self.keep_private_keys else None,
        )

    def forge(self, spiffe_id_or_path: str, now_s: float, ttl_s: float | None = None) -> Credential:
        """An SVID minted by an authority outside the bundle: an attacker's CA in this trust domain, or
        another trust domain's CA for a full SPIFFE ID there. It is not registered as any workload's
        credential.
        """
        text = spiffe_id_or_path.strip()
        name = WorkloadName.parse(text) if text.lower().startswith("spiffe://") else self.name(text)
        return self._mint(Workload(name), self._ca.outsider(name.trust_domain, now_s), now_s, ttl_s)

    def next_rotation_s(self) -> float | None:
        """When the earliest current SVID falls due for rotation (``None`` if no workload holds one)."""
        while self._due and self._due[0][2].credential is not self._due[0][3]:
            heapq.heappop(self._due)
        return self._due[0][0] if self._due else None

    def due(self, now_s: float) -> list[Workload]:
        """Workloads whose current SVID is due for rotation at ``now_s`` (without rotating them)."""
        return list({id(w): w for at, _, w, c in self._due if at <= now_s and w.credential is c}.values())

    def rotate_due(self, now_s: float) -> list[Credential]:
        """Rotate every workload whose SVID is due at ``now_s``; returns the new credentials."""
        fresh: list[Credential] = []
        while self._due and self._due[0][0] <= now_s:
            _, _, workload, cred = heapq.heappop(self._due)
            if workload.credential is cred:
                fresh.append(self.rotate(workload, now_s))
        return fresh

    # --- X.509 authorization ------------------------------------------------------------------------------
    def target(self, target: Target | str) -> Target:
        if type(target) is Target:
            return target
        hit = self._targets.get(target)  # type: ignore[arg-type]
        if hit is None:
            hit = self._targets[target] = Target.parse(target)  # type: ignore[index,arg-type]
        return hit

    def authorize(self, source: Workload | Credential, target: Target | str, now_s: float) -> Decision:
        """Can ``source`` (a workload's current SVID, or a given SVID) reach ``target`` at ``now_s``?"""
        cred = source if type(source) is Credential else source.credential  # type: ignore[union-attr]
        if cred is None:
            return _NO_CREDENTIAL
        # Hot path (per request): an SVID verified before (real) or any SVID (modelled), inside its validity
        # window, from an authority still in the bundle. Everything else takes the checker's full sequence.
        t_us = round(now_s * US_PER_S)
        if self._real:
            entry = self._verified.get(cred.fingerprint)  # type: ignore[arg-type]
            ok = entry is not None and entry[1] <= t_us <= entry[2] and entry[3] in self._trusted
            name = entry[0] if ok else None  # type: ignore[index]
        else:
            name = cred.workload.name
            ok = (
                cred.nb_us <= t_us <= cred.na_us
                and cred.authority_id in self._trusted
                and name.trust_domain == self.trust_domain
            )
        if not ok:
            checked = self._checker.x509(cred, t_us)
            if type(checked) is Decision:
                return checked
            name = checked  # type: ignore[assignment]
        engine = self._engines[-1] if self._per_request else self._engines[cred.policy_version]
        return engine.decide(name, target if type(target) is Target else self.target(target))  # type: ignore[arg-type]

    def _decide(self, cred: Credential | JwtCredential, name: WorkloadName, target: Target | str) -> Decision:
        engine = self._engines[-1] if self._per_request else self._engines[cred.policy_version]
        return engine.decide(name, target if type(target) is Target else self.target(target))

    def check_credential(self, cred: Credential, now_s: float) -> WorkloadName | Decision:
        """Verify an X.509-SVID at ``now_s``: the identity it proves, or the decision rejecting it."""
        return self._checker.x509(cred, round(now_s * US_PER_S))

    # --- JWT-SVIDs ----------------------------------------------------------------------------------------
    def issue_jwt(
        self, source: Workload | str, audience: str | Iterable[str], now_s: float, ttl_s: float | None = None
    ) -> JwtCredential:
        """A JWT-SVID for ``source`` and ``audience`` (SPIRE's default TTL: 5 min), bound to the current
        policy version (re-evaluated when the workload asks for a new token)."""
        workload = source if isinstance(source, Workload) else self._register(source)
        self._advance(now_s)
        authority = self._ca.active_at(now_s)
        ttl = self.jwt_ttl_s if ttl_s is None else ttl_s
        _check_ttl("ttl_s", ttl)
        aud = (audience,) if isinstance(audience, str) else tuple(audience)
        start_s = math.floor(now_s)
        end_s = min(start_s + round(ttl), authority.not_after_s)
        version = workload.first_policy_version if self.reevaluate == "never" else self.policy_version
        token = None
        if self._real:
            assert authority.ca is not None
            token = authority.ca.issue_jwt_svid(
                workload.spiffe_id, aud, issued_at=us_datetime(start_s * US_PER_S), ttl_s=round(ttl)
            )
        self.counters["jwt_issued"] += 1
        return JwtCredential(workload, aud, start_s, end_s, authority.authority_id, version, token)

    def authorize_jwt(
        self, token: JwtCredential, target: Target | str, now_s: float, audience: str | None = None
    ) -> Decision:
        """Validate a JWT-SVID at ``now_s`` for ``audience`` (default: the target as text), then decide."""
        tgt = self.target(target)
        checked = self._checker.jwt(token, audience if audience is not None else str(tgt), round(now_s * US_PER_S))
        if type(checked) is Decision:
            return checked
        return self._decide(token, checked, tgt)  # type: ignore[arg-type]
