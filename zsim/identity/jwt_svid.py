"""JWT-SVID validation at a chosen instant (simulated time), from py-spiffe and PyJWT parts.

``spiffe.JwtSvid.parse_and_validate`` checks ``exp`` against the wall clock, which is right for a live
service (and is what :func:`zsim.identity.calibrate.measure_jwt_validate` times) but not for a token issued at
simulated time. :class:`JwtValidator` runs the same steps with the clock as a parameter, in the order a SPIFFE
validator uses: header (py-spiffe ``JwtSvidValidator``), the ``sub`` SPIFFE ID and its trust domain, which
selects the bundle (``JwtBundle``), the key by ``kid``, the ES256/RS256 signature (PyJWT), the audience, then
expiry. A JWT-SVID is valid strictly before ``exp`` (RFC 7519), unlike an X.509 ``notAfter``, which is
inclusive.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import jwt
from cryptography.hazmat.primitives import serialization
from spiffe import JwtBundle, JwtSvid, SpiffeId
from spiffe.errors import PySpiffeError
from spiffe.svid.jwt_svid_validator import JwtSvidValidator

from zsim.identity.decision import (
    REVOKED_TEXT,
    UNKNOWN_AUTHORITY_TEXT,
    Decision,
    Reason,
    deny,
    expired_text,
    trust_domain_text,
)
from zsim.identity.names import WorkloadName


@dataclass(frozen=True, slots=True)
class ValidatedJwt:
    name: WorkloadName
    svid: JwtSvid
    audience: frozenset[str]
    issued_at: dt.datetime | None
    expiry: dt.datetime
    key_id: str


@dataclass(frozen=True, slots=True)
class JwtValidation:
    decision: Decision
    jwt: ValidatedJwt | None = None

    @property
    def ok(self) -> bool:
        return self.jwt is not None


def _time(value: object) -> dt.datetime | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return dt.datetime.fromtimestamp(int(value), dt.UTC)


class JwtValidator:
    """Validates JWT-SVIDs against one JWT bundle per trusted trust domain (no cache; see the plane)."""

    def __init__(self, bundles: JwtBundle | Iterable[JwtBundle], *, revoked_key_ids: Iterable[str] = ()) -> None:
        items = [bundles] if isinstance(bundles, JwtBundle) else list(bundles)
        self._bundles = {str(b.trust_domain): b for b in items}
        self._pem: dict[str, str] = {}  # kid → public key PEM (PyJWT wants PEM or a key object)
        self._revoked = frozenset(revoked_key_ids)
        self._header_validator = JwtSvidValidator()

    def validate(self, token: str, audience: str, at: dt.datetime) -> JwtValidation:
        """Validate ``token`` for ``audience`` as of ``at``."""
        try:
            header = jwt.get_unverified_header(token)
            self._header_validator.validate_header(header)
            claims = jwt.decode(token, options={"verify_signature": False})
        except (jwt.PyJWTError, PySpiffeError) as exc:
            return JwtValidation(deny(Reason.INVALID_TOKEN, f"invalid JWT-SVID: {exc}"))
        kid = header.get("kid")
        if not kid:
            return JwtValidation(deny(Reason.INVALID_TOKEN, "invalid JWT-SVID: header has no 'kid'"))
        try:
            name = WorkloadName.from_spiffe_id(SpiffeId(str(claims.get("sub") or "")))
        except PySpiffeError as exc:
            return JwtValidation(deny(Reason.INVALID_TOKEN, f"invalid JWT-SVID 'sub': {exc}"))
        bundle = self._bundles.get(name.trust_domain)
        if bundle is None:
            return JwtValidation(
                deny(Reason.TRUST_DOMAIN_MISMATCH, trust_domain_text(name.trust_domain, tuple(self._bundles)))
            )
        key = bundle.get_jwt_authority(kid)
        if key is None:
            if kid in self._revoked:
                return JwtValidation(deny(Reason.AUTHORITY_REVOKED, REVOKED_TEXT))
            return JwtValidation(deny(Reason.UNKNOWN_AUTHORITY, UNKNOWN_AUTHORITY_TEXT))
        pem = self._pem.get(kid)
        if pem is None:
            pem = self._pem[kid] = key.public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            ).decode()
        try:
            verified = jwt.decode(
                token,
                key=pem,
                algorithms=[header["alg"]],
                options={
                    "verify_exp": False,
                    "verify_aud": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                    "require": ["sub", "aud", "exp"],
                },
            )
        except jwt.InvalidSignatureError:
            return JwtValidation(
                deny(
                    Reason.BAD_SIGNATURE,
                    "bad signature: the JWT-SVID signature does not verify against the bundle key",
                )
            )
        except jwt.PyJWTError as exc:
            return JwtValidation(deny(Reason.INVALID_TOKEN, f"invalid JWT-SVID: {exc}"))
        aud_claim = verified["aud"]
        audiences = frozenset(
            [aud_claim]
            if isinstance(aud_claim, str)
            else [a for a in aud_claim if isinstance(a, str)]
            if isinstance(aud_claim, list)
            else []
        )
        if audience not in audiences:
            return JwtValidation(
                deny(
                    Reason.AUDIENCE_MISMATCH,
                    f"audience mismatch: token is for {sorted(audiences)}, not {audience!r}",
                )
            )
        expiry = _time(verified["exp"])
        if expiry is None:
            return JwtValidation(deny(Reason.INVALID_TOKEN, "invalid JWT-SVID: 'exp' is not a number"))
        if at >= expiry:
            return JwtValidation(deny(Reason.EXPIRED, expired_text("JWT-SVID", expiry, at)))
        svid = JwtSvid(SpiffeId(name.spiffe_id), set(audiences), int(verified["exp"]), verified, token)
        result = ValidatedJwt(name, svid, audiences, _time(verified.get("iat")), expiry, kid)
        return JwtValidation(Decision(True, Reason.VALID, f"valid JWT-SVID for {name.spiffe_id}"), result)
