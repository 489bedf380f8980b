"""A trust domain's signing authorities over simulated time, and the trust bundle they make.

SPIRE keeps one active signing authority, prepares and activates a successor when it passes half its lifetime,
keeps older authorities in the bundle until they expire, and revokes only by removing a whole authority
from the bundle. In real mode every authority is a :class:`TrustDomainCA` and the registry keeps an
:class:`X509Verifier` and a :class:`JwtValidator` over the current bundle; in modelled mode authorities are
just identifiers and lifetimes.
"""

from __future__ import annotations

import itertools
import math

from spiffe import JwtBundle, TrustDomain, X509Bundle

from zsim.identity.ca import TrustDomainCA
from zsim.identity.clock import US_PER_S, us_datetime
from zsim.identity.decision import REVOKED_TEXT, UNKNOWN_AUTHORITY_TEXT, Decision, Reason, deny
from zsim.identity.jwt_svid import JwtValidator
from zsim.identity.records import Authority
from zsim.identity.verify import X509Verifier

AUTHORITY_REVOKED = deny(Reason.AUTHORITY_REVOKED, REVOKED_TEXT)
UNKNOWN_AUTHORITY = deny(Reason.UNKNOWN_AUTHORITY, UNKNOWN_AUTHORITY_TEXT)


class AuthorityRegistry:
    """Authorities of one trust domain (plus outsiders used to forge SVIDs) and the bundle state."""

    def __init__(self, trust_domain: str, *, real: bool, ca_ttl_s: float) -> None:
        self.trust_domain = trust_domain
        self.real = real
        self.ca_ttl_s = ca_ttl_s
        self.authorities: dict[str, Authority] = {}
        self.by_kid: dict[str, Authority] = {}
        self.trusted: set[str] = set()
        self.revoked: set[str] = set()
        self.active: Authority | None = None
        self.generation = 0  # bumped at every bundle change
        self.created = 0
        self.verifier: X509Verifier | None = None
        self.jwt_validator: JwtValidator | None = None
        self._outsiders: dict[str, Authority] = {}
        self._seq = itertools.count(1)
        self._changed()  # real mode: verifiers over the (still empty) bundle

    def _create(self, now_s: float, trust_domain: str) -> Authority:
        start_s = math.floor(now_s)
        end_s = start_s + round(self.ca_ttl_s)
        self.created += 1
        if self.real:
            ca = TrustDomainCA.create(trust_domain, not_before=us_datetime(start_s * US_PER_S), ttl_s=self.ca_ttl_s)
            return Authority(ca.authority_id, trust_domain, start_s, end_s, ca.jwt_key_id, ca)
        aid = f"modelled-{next(self._seq):06d}"
        return Authority(aid, trust_domain, start_s, end_s, aid)

    def rotate(self, now_s: float) -> Authority:
        """Activate a new authority; expired ones leave the bundle (all SVIDs they signed have expired)."""
        authority = self._create(now_s, self.trust_domain)
        self.authorities[authority.authority_id] = authority
        self.by_kid[authority.jwt_key_id] = authority
        self.trusted.add(authority.authority_id)
        self.active = authority
        for aid in [a for a in self.trusted if self.authorities[a].not_after_s < now_s]:
            self.trusted.discard(aid)
        self._changed()
        return authority

    def active_at(self, now_s: float) -> Authority:
        """The authority that signs at ``now_s``, rotating first if the active one is past its half-life."""
        active = self.active
        if active is None or now_s >= active.half_life_s:
            active = self.rotate(now_s)
        return active

    def revoke(self, authority_id: str, now_s: float) -> None:
        if authority_id not in self.trusted:
            raise KeyError(f"authority {authority_id!r} is not in the trust bundle")
        if self.active is not None and self.active.authority_id == authority_id:
            self.rotate(now_s)
        self.trusted.discard(authority_id)
        self.revoked.add(authority_id)
        self._changed()

    def outsider(self, trust_domain: str, now_s: float) -> Authority:
        """An authority outside the bundle (an attacker's CA here, or another trust domain's CA)."""
        found = self._outsiders.get(trust_domain)
        if found is None or not (found.not_before_s <= now_s < found.half_life_s):
            found = self._outsiders[trust_domain] = self._create(now_s, trust_domain)
        return found

    def rejection(self, authority_id: str) -> Decision | None:
        """``None`` if the authority is in the bundle, else why an SVID it signed is rejected."""
        if authority_id in self.trusted:
            return None
        return AUTHORITY_REVOKED if authority_id in self.revoked else UNKNOWN_AUTHORITY

    def _changed(self) -> None:
        self.generation += 1
        if not self.real:
            return
        trusted = [ca for a in sorted(self.trusted) if (ca := self.authorities[a].ca) is not None]
        revoked = [ca for a in sorted(self.revoked) if (ca := self.authorities[a].ca) is not None]
        td = TrustDomain(self.trust_domain)
        self.verifier = X509Verifier(
            X509Bundle(td, {ca.certificate for ca in trusted}), revoked=[ca.certificate for ca in revoked]
        )
        self.jwt_validator = JwtValidator(
            JwtBundle(td, {ca.jwt_key_id: ca.jwt_key.public_key() for ca in trusted}),
            revoked_key_ids=[ca.jwt_key_id for ca in revoked],
        )
