"""Credential checks at a simulated instant, identical in the real and the modelled mode.

X.509-SVID, in order: trust domain → validity window (``notBefore <= t <= notAfter``) → issuing authority in
the bundle. JWT-SVID, in order: trust domain → authority (``kid``) in the bundle → audience → ``t < exp``.
The real mode runs the full cryptographic path (:class:`X509Verifier`, :class:`JwtValidator`) the first time
it sees a credential and caches what is time-independent (identity, window, authority) by fingerprint (or by
token); every later check re-applies the time window and the bundle membership, so a cached answer is exactly
the answer the full path would give. The modelled mode applies the same steps to the plane's records.
"""

from __future__ import annotations

from zsim.identity.authorities import AuthorityRegistry
from zsim.identity.clock import datetime_us, us_datetime
from zsim.identity.decision import Decision, Reason, deny, expired_text, not_yet_valid_text, trust_domain_text
from zsim.identity.names import WorkloadName
from zsim.identity.records import Credential, JwtCredential

VerifiedEntry = tuple[WorkloadName, int, int, str]  # name, notBefore µs, notAfter µs, authority id
JwtEntry = tuple[WorkloadName, frozenset[str], int, str]  # name, audiences, exp µs, authority id

# Rejections decided before the validity window is looked at: no other instant can change them.
_BEFORE_WINDOW = frozenset({
    Reason.MALFORMED_PEM, Reason.NOT_A_CERTIFICATE, Reason.NO_URI_SAN, Reason.MULTIPLE_URI_SANS,
    Reason.NOT_SPIFFE_ID, Reason.LEAF_IS_CA, Reason.LEAF_KEY_CERT_SIGN, Reason.LEAF_CONSTRAINTS,
    Reason.TRUST_DOMAIN_MISMATCH,
})  # fmt: skip
# Rejections of the chain, decided after the window: they hold at any instant inside the window.
_CHAIN = frozenset({Reason.BAD_SIGNATURE, Reason.UNKNOWN_AUTHORITY, Reason.AUTHORITY_REVOKED, Reason.INVALID_CHAIN})


def _evict_one(cache: dict) -> None:  # type: ignore[type-arg]
    cache.pop(next(iter(cache)))  # oldest entry first (dicts keep insertion order)


class CredentialChecker:
    """Checks credentials for one trust domain; owns the verification caches of the real mode."""

    def __init__(self, registry: AuthorityRegistry, *, real: bool, cache_entries: int) -> None:
        self.registry = registry
        self.trust_domain = registry.trust_domain
        self.real = real
        self.cache_entries = cache_entries
        self.verified: dict[bytes, VerifiedEntry] = {}
        self.jwt_verified: dict[str, JwtEntry] = {}
        # fingerprint → (rejection, window or None); cleared whenever the bundle changes
        self._rejected: dict[bytes, tuple[Decision, tuple[int, int] | None]] = {}
        self._rejected_generation = registry.generation
        self.full_x509 = 0  # full-path verifications run (what a cost model charges as handshakes)
        self.full_jwt = 0

    def _wrong_domain(self, found: str) -> Decision:
        return deny(Reason.TRUST_DOMAIN_MISMATCH, trust_domain_text(found, (self.trust_domain,)))

    # --- X.509-SVIDs --------------------------------------------------------------------------------------
    def x509(self, cred: Credential, t_us: int) -> WorkloadName | Decision:
        """The identity ``cred`` proves at ``t_us`` (µs since the epoch), or the decision rejecting it."""
        if self.real:
            entry = self.verified.get(cred.fingerprint)  # type: ignore[arg-type]
            if entry is None:
                found = self._verify_full(cred, t_us)
                if isinstance(found, Decision):
                    return found
                entry = found
            name, nb_us, na_us, authority_id = entry
        else:
            name, nb_us, na_us, authority_id = cred.workload.name, cred.nb_us, cred.na_us, cred.authority_id
            if name.trust_domain != self.trust_domain:
                return self._wrong_domain(name.trust_domain)
        if t_us < nb_us:
            return deny(Reason.NOT_YET_VALID, not_yet_valid_text("SVID", us_datetime(nb_us), us_datetime(t_us)))
        if t_us > na_us:
            return deny(Reason.EXPIRED, expired_text("SVID", us_datetime(na_us), us_datetime(t_us)))
        rejection = self.registry.rejection(authority_id)
        return name if rejection is None else rejection

    def _verify_full(self, cred: Credential, t_us: int) -> VerifiedEntry | Decision:
        """Parse the PEM chain, check the SVID rules, verify the path at ``t_us``; cache what is reusable."""
        key, chain_pem, verifier = cred.fingerprint, cred.chain_pem, self.registry.verifier
        assert key is not None and chain_pem is not None and verifier is not None
        if self._rejected_generation != self.registry.generation:
            self._rejected.clear()  # the bundle changed: rejections that depend on it may no longer hold
            self._rejected_generation = self.registry.generation
        rejected = self._rejected.get(key)
        if rejected is not None:
            decision, window = rejected
            if window is None:
                return decision
            # a chain rejection holds only where the full path gets past the window check
            nb_us, na_us = window
            if t_us < nb_us:
                return deny(Reason.NOT_YET_VALID, not_yet_valid_text("SVID", us_datetime(nb_us), us_datetime(t_us)))
            if t_us > na_us:
                return deny(Reason.EXPIRED, expired_text("SVID", us_datetime(na_us), us_datetime(t_us)))
            return decision
        self.full_x509 += 1
        result = verifier.verify_pem(chain_pem, us_datetime(t_us))
        if result.svid is None:
            code = result.decision.code
            if code in _BEFORE_WINDOW:
                self._rejected[key] = (result.decision, None)
            elif code in _CHAIN and result.leaf is not None:
                leaf = result.leaf
                window = (datetime_us(leaf.not_valid_before_utc), datetime_us(leaf.not_valid_after_utc))
                self._rejected[key] = (result.decision, window)
            return result.decision
        svid = result.svid
        entry = (svid.name, datetime_us(svid.not_before), datetime_us(svid.not_after), svid.authority_id)
        if len(self.verified) >= self.cache_entries:
            _evict_one(self.verified)
        self.verified[key] = entry
        return entry

    # --- JWT-SVIDs ----------------------------------------------------------------------------------------
    def jwt(self, token: JwtCredential, audience: str, t_us: int) -> WorkloadName | Decision:
        """The identity a JWT-SVID proves for ``audience`` at ``t_us``, or the decision rejecting it."""
        if self.real:
            entry = self.jwt_verified.get(token.token)  # type: ignore[arg-type]
            if entry is None:
                found = self._validate_full(token, audience, t_us)
                if isinstance(found, Decision):
                    return found
                entry = found
            name, audiences, exp_us, authority_id = entry
        else:
            name, audiences = token.workload.name, frozenset(token.audience)
            exp_us, authority_id = token.exp_us, token.authority_id
            if name.trust_domain != self.trust_domain:
                return self._wrong_domain(name.trust_domain)
        rejection = self.registry.rejection(authority_id)
        if rejection is not None:
            return rejection
        if audience not in audiences:
            return deny(
                Reason.AUDIENCE_MISMATCH,
                f"audience mismatch: token is for {sorted(audiences)}, not {audience!r}",
            )
        if t_us >= exp_us:
            return deny(Reason.EXPIRED, expired_text("JWT-SVID", us_datetime(exp_us), us_datetime(t_us)))
        return name

    def _validate_full(self, token: JwtCredential, audience: str, t_us: int) -> JwtEntry | Decision:
        validator = self.registry.jwt_validator
        assert token.token is not None and validator is not None
        self.full_jwt += 1
        result = validator.validate(token.token, audience, us_datetime(t_us))
        if result.jwt is None:
            return result.decision
        v = result.jwt
        entry = (v.name, v.audience, datetime_us(v.expiry), self.registry.by_kid[v.key_id].authority_id)
        if len(self.jwt_verified) >= self.cache_entries:
            _evict_one(self.jwt_verified)
        self.jwt_verified[token.token] = entry  # type: ignore[index]
        return entry
