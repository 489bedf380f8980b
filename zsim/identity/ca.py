"""A trust domain's signing authority and the SVIDs it issues, built with ``cryptography``.

Shapes follow SPIRE in self-signed mode: the authority is a self-signed ECDSA P-256 root whose only SAN is the
trust domain's SPIFFE ID (``spiffe://td``), with a Subject Key Identifier; X.509-SVIDs are P-256 leaves with
exactly one ``spiffe://`` URI SAN and the leaf constraints of the X.509-SVID specification (CA=false,
digitalSignature, no keyCertSign or cRLSign), an Authority Key Identifier and serverAuth + clientAuth EKUs.
JWT-SVIDs are ES256 tokens whose ``kid`` names the authority's JWT key.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

import jwt
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, ExtensionOID, NameOID
from spiffe import JwtBundle, SpiffeId, TrustDomain, X509Bundle
from spiffe.errors import PySpiffeError

from zsim.errors import InputError
from zsim.identity.clock import floor_second
from zsim.identity.names import trust_domain_name

_CURVE = ec.SECP256R1()
_HASH = hashes.SHA256()


def new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(_CURVE)


def key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    """PKCS#8 PEM, unencrypted (the form py-spiffe's ``X509Svid.parse`` expects)."""
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def cert_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def fingerprint(cert: x509.Certificate) -> bytes:
    """SHA-256 over the DER encoding: the cache key of verified chains."""
    return cert.fingerprint(_HASH)


def _key_usage(
    *,
    digital_signature: bool,
    key_encipherment: bool = False,
    key_agreement: bool = False,
    key_cert_sign: bool = False,
    crl_sign: bool = False,
) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=False,
        key_encipherment=key_encipherment,
        data_encipherment=False,
        key_agreement=key_agreement,
        key_cert_sign=key_cert_sign,
        crl_sign=crl_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _validity(not_before: dt.datetime, ttl_s: float, cap: dt.datetime | None) -> tuple[dt.datetime, dt.datetime]:
    if ttl_s < 1:
        raise ValueError(f"TTL must be at least 1 s, got {ttl_s!r}")
    start = floor_second(not_before)
    end = start + dt.timedelta(seconds=round(ttl_s))
    if cap is not None and end > cap:
        end = cap  # an SVID never outlives its authority (SPIRE caps the TTL the same way)
    return start, end


@dataclass(frozen=True, slots=True)
class IssuedSvid:
    """An X.509-SVID fresh from the authority: the chain (leaf first) and its private key."""

    spiffe_id: str
    chain: tuple[x509.Certificate, ...]
    private_key: ec.EllipticCurvePrivateKey

    @property
    def leaf(self) -> x509.Certificate:
        return self.chain[0]

    def chain_pem(self) -> bytes:
        return b"".join(cert_pem(c) for c in self.chain)

    def key_pem(self) -> bytes:
        return key_pem(self.private_key)


class TrustDomainCA:
    """One signing authority of a trust domain (X.509 CA key and JWT key, rotated and revoked together)."""

    def __init__(
        self,
        trust_domain: str,
        certificate: x509.Certificate,
        key: ec.EllipticCurvePrivateKey,
        jwt_key: ec.EllipticCurvePrivateKey | None = None,
    ) -> None:
        self.trust_domain = trust_domain_name(trust_domain)
        self.certificate = certificate
        self.key = key
        self.jwt_key = jwt_key if jwt_key is not None else new_key()
        ski = certificate.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_KEY_IDENTIFIER).value
        self.authority_id: str = ski.digest.hex()
        self.jwt_key_id: str = hashlib.sha256(
            self.jwt_key.public_key().public_bytes(
                serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        ).hexdigest()[:32]
        self._aki = x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)

    # --- creation and loading ---------------------------------------------------------------------------
    @classmethod
    def create(cls, trust_domain: str, *, not_before: dt.datetime, ttl_s: float = 86_400.0) -> TrustDomainCA:
        """A self-signed authority valid for ``ttl_s`` from ``not_before`` (SPIRE's default CA TTL: 24 h)."""
        td = trust_domain_name(trust_domain)
        key = new_key()
        start, end = _validity(not_before, ttl_s, None)
        ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
        subject = x509.Name(
            [
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "zsim"),
                x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, td),
                x509.NameAttribute(NameOID.SERIAL_NUMBER, ski.digest.hex()),
            ]
        )
        cert = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(_key_usage(digital_signature=True, key_cert_sign=True, crl_sign=True), critical=True)
            .add_extension(ski, critical=False)
            .add_extension(
                x509.SubjectAlternativeName([x509.UniformResourceIdentifier(f"spiffe://{td}")]),
                critical=False,
            )
            .sign(key, _HASH)
        )
        return cls(td, cert, key)

    @classmethod
    def load(
        cls, cert_bytes: bytes, key_bytes: bytes, *, trust_domain: str | None = None, source: str = "CA"
    ) -> TrustDomainCA:
        """Load an authority written by :meth:`save_pems`; the trust domain comes from its URI SAN."""
        try:
            cert = x509.load_pem_x509_certificate(cert_bytes)
        except ValueError as exc:
            raise InputError(f"not a PEM certificate: {exc}", file=source) from None
        try:
            key = serialization.load_pem_private_key(key_bytes, password=None)
        except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
            raise InputError(f"not an unencrypted PEM private key: {exc}", file=source) from None
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise InputError("CA key is not an EC key", file=source)
        if key.public_key().public_numbers() != cert.public_key().public_numbers():  # type: ignore[union-attr]
            raise InputError("CA key does not match the CA certificate", file=source)
        found = authority_trust_domain(cert)
        if found is None:
            raise InputError("CA certificate carries no spiffe://TRUST-DOMAIN URI SAN", file=source)
        if trust_domain is not None and trust_domain_name(trust_domain) != found:
            raise InputError(f"CA belongs to trust domain {found!r}, not {trust_domain!r}", file=source)
        try:
            return cls(found, cert, key)
        except x509.ExtensionNotFound:
            raise InputError("CA certificate has no Subject Key Identifier", file=source) from None

    # --- bundles ----------------------------------------------------------------------------------------
    @property
    def not_before(self) -> dt.datetime:
        return self.certificate.not_valid_before_utc

    @property
    def not_after(self) -> dt.datetime:
        return self.certificate.not_valid_after_utc

    def x509_bundle(self) -> X509Bundle:
        return X509Bundle(TrustDomain(self.trust_domain), {self.certificate})

    def jwt_bundle(self) -> JwtBundle:
        return JwtBundle(TrustDomain(self.trust_domain), {self.jwt_key_id: self.jwt_key.public_key()})

    def bundle_pem(self) -> bytes:
        return cert_pem(self.certificate)

    # --- issuing ----------------------------------------------------------------------------------------
    def issue_x509_svid(
        self,
        spiffe_id: str | SpiffeId,
        *,
        not_before: dt.datetime,
        ttl_s: float = 3600.0,
        key: ec.EllipticCurvePrivateKey | None = None,
    ) -> IssuedSvid:
        """An X.509-SVID for ``spiffe_id`` valid from ``not_before`` (whole seconds) for ``ttl_s``."""
        sid = spiffe_id if isinstance(spiffe_id, SpiffeId) else SpiffeId(spiffe_id)
        if str(sid.trust_domain) != self.trust_domain:
            raise ValueError(f"{sid} is not in trust domain {self.trust_domain!r}")
        if not sid.path:
            raise ValueError(f"{sid} has no path: an X.509-SVID must name a workload")
        key = key if key is not None else new_key()
        start, end = _validity(not_before, ttl_s, self.not_after)
        if start < self.not_before or start >= end:
            raise ValueError(f"authority {self.authority_id[:12]} is not valid at {start.isoformat()}")
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "zsim")]))
            .issuer_name(self.certificate.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_key_usage(digital_signature=True, key_encipherment=True, key_agreement=True), critical=True)
            .add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
                critical=False,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(self._aki, critical=False)
            .add_extension(x509.SubjectAlternativeName([x509.UniformResourceIdentifier(str(sid))]), critical=False)
            .sign(self.key, _HASH)
        )
        return IssuedSvid(str(sid), (cert,), key)

    def issue_jwt_svid(
        self,
        spiffe_id: str | SpiffeId,
        audience: str | Iterable[str],
        *,
        issued_at: dt.datetime,
        ttl_s: float = 300.0,
    ) -> str:
        """A JWT-SVID (ES256) for ``spiffe_id`` and ``audience``; SPIRE's default JWT-SVID TTL is 5 min."""
        sid = spiffe_id if isinstance(spiffe_id, SpiffeId) else SpiffeId(spiffe_id)
        if str(sid.trust_domain) != self.trust_domain:
            raise ValueError(f"{sid} is not in trust domain {self.trust_domain!r}")
        aud = [audience] if isinstance(audience, str) else list(audience)
        if not aud or not all(aud):
            raise ValueError("a JWT-SVID needs at least one non-empty audience")
        start, end = _validity(issued_at, ttl_s, self.not_after)
        claims = {"sub": str(sid), "aud": aud, "iat": int(start.timestamp()), "exp": int(end.timestamp())}
        return jwt.encode(claims, self.jwt_key, algorithm="ES256", headers={"kid": self.jwt_key_id, "typ": "JWT"})

    def save_pems(self) -> tuple[bytes, bytes]:
        """(certificate PEM, private key PEM) for persisting the authority; the key must be stored 0600."""
        return cert_pem(self.certificate), key_pem(self.key)


def authority_trust_domain(cert: x509.Certificate) -> str | None:
    """The trust domain named by an authority certificate's ``spiffe://td`` URI SAN, if it has exactly one."""
    try:
        san = cert.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_ALTERNATIVE_NAME).value
    except x509.ExtensionNotFound:
        return None
    uris = [u for u in san.get_values_for_type(x509.UniformResourceIdentifier) if u.lower().startswith("spiffe://")]
    if len(uris) != 1:
        return None
    try:
        return str(TrustDomain(uris[0]))
    except PySpiffeError:
        return None
