"""Decisions: allow or deny, a stable machine-readable code and a human reason.

Codes fall in two groups. *Credential* codes mean the presented identity is not valid (it is not a proper
SVID, not from a trusted authority, or not valid at this instant); *policy* codes mean the identity is valid
and the access policy decided. The CLI exits 1 for both and 2 only for input it cannot read at all.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from zsim.identity.clock import iso


class Reason(StrEnum):
    # accepted
    VALID = "valid"  # a credential check passed (no policy asked)
    ALLOWED = "allowed"  # the policy allows the access
    # the credential is not a valid SVID
    MALFORMED_PEM = "malformed_pem"
    NOT_A_CERTIFICATE = "not_a_certificate"
    NO_URI_SAN = "no_uri_san"
    MULTIPLE_URI_SANS = "multiple_uri_sans"
    NOT_SPIFFE_ID = "not_spiffe_id"
    LEAF_IS_CA = "leaf_is_ca"
    LEAF_KEY_CERT_SIGN = "leaf_key_cert_sign"
    LEAF_CONSTRAINTS = "leaf_constraints"
    INVALID_CHAIN = "invalid_chain"
    TRUST_DOMAIN_MISMATCH = "trust_domain_mismatch"
    NOT_YET_VALID = "not_yet_valid"
    EXPIRED = "expired"
    UNKNOWN_AUTHORITY = "unknown_authority"
    AUTHORITY_REVOKED = "authority_revoked"
    BAD_SIGNATURE = "bad_signature"
    INVALID_TOKEN = "invalid_token"
    AUDIENCE_MISMATCH = "audience_mismatch"
    NO_CREDENTIAL = "no_credential"
    # the credential is valid; the policy denies
    UNKNOWN_COMPONENT = "unknown_component"
    EXPLICIT_DENY = "explicit_deny"
    CROSS_TENANT = "cross_tenant"
    UNKNOWN_TARGET = "unknown_target"
    DEFAULT_DENY = "default_deny"


POLICY_REASONS = frozenset(
    {
        Reason.ALLOWED,
        Reason.UNKNOWN_COMPONENT,
        Reason.EXPLICIT_DENY,
        Reason.CROSS_TENANT,
        Reason.UNKNOWN_TARGET,
        Reason.DEFAULT_DENY,
    }
)
"""Codes that a valid credential can get; every other code except ``valid`` means the credential is invalid.
``trust_domain_mismatch`` is a credential code: a verifier has no bundle for a foreign trust domain."""


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    code: Reason
    reason: str

    @property
    def credential_valid(self) -> bool:
        """Whether the identity itself was accepted (the denial, if any, came from the policy)."""
        return self.code is Reason.VALID or self.code in POLICY_REASONS

    def to_dict(self) -> dict[str, Any]:
        return {
            "decision": "allow" if self.allowed else "deny",
            "allowed": self.allowed,
            "code": str(self.code),
            "reason": self.reason,
        }


def allow(reason: str) -> Decision:
    return Decision(True, Reason.ALLOWED, reason)


def deny(code: Reason, reason: str) -> Decision:
    return Decision(False, code, reason)


# --- reason texts shared by the real and the modelled mode (so both give the very same Decision) ------------


def expired_text(kind: str, not_after: dt.datetime, at: dt.datetime) -> str:
    bound = "exp" if kind.startswith("JWT") else "notAfter"
    return f"{kind} expired: {bound} is {iso(not_after)}, checked at {iso(at)}"


def not_yet_valid_text(kind: str, not_before: dt.datetime, at: dt.datetime) -> str:
    return f"{kind} not yet valid: notBefore is {iso(not_before)}, checked at {iso(at)}"


def trust_domain_text(found: str, trusted: list[str] | tuple[str, ...]) -> str:
    return f"wrong trust domain {found!r}: no trust bundle for it (trusted: {', '.join(sorted(trusted))})"


REVOKED_TEXT = "the issuing authority was revoked: it is no longer in the trust bundle"
UNKNOWN_AUTHORITY_TEXT = "the chain does not lead to any authority in the trust bundle"
