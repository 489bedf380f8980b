"""Trust material for artifact signing: a SPIFFE trust domain's CA, signer identities, keys and trust bundles.

A trust domain has a self-signed CA whose certificate carries the URI ``spiffe://<trust-domain>``. A signing
workload (a pipeline stage, ``spiffe://<td>/<tenant>/pipeline/register``) holds a short-lived leaf certificate
with that SPIFFE ID as its only URI SAN, the ``digitalSignature`` key usage and the code-signing extended key
usage, issued by its trust domain's CA. A verifier trusts a *bundle*: the CA certificates of the trust domains
it accepts, or, for plain key signing, one public key.

Chain validation uses ``cryptography.x509.verification`` (RFC 5280 path building) with a policy that demands
the code-signing EKU on the leaf; the time of validation is the signing time recorded in the signature, so a
short-lived signing certificate still verifies after it expires, as with Sigstore.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from cryptography.x509.verification import Criticality, ExtensionPolicy, PolicyBuilder, Store
from spiffe import SpiffeId
from spiffe.errors import PySpiffeError

from zsim.errors import InputError

KeyType = Literal["ecdsa-p256", "ed25519"]
PrivateKey = ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey
PublicKey = ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey

CA_TTL = dt.timedelta(hours=24)  # SPIRE CA TTL default (published.md, Credentials: SPIRE CA TTL 24 h)
SIGNER_TTL = dt.timedelta(hours=1)  # SPIRE X.509-SVID TTL default (published.md, Credentials: 1 h)


class ChainError(Exception):
    """The signer's certificate chain does not validate against the trust bundle."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def generate_key(key_type: KeyType = "ecdsa-p256") -> PrivateKey:
    if key_type == "ecdsa-p256":
        return ec.generate_private_key(ec.SECP256R1())
    if key_type == "ed25519":
        return ed25519.Ed25519PrivateKey.generate()
    raise ValueError(f"unknown key type {key_type!r} (use ecdsa-p256 or ed25519)")


def key_pem(key: PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def public_pem(key: PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def cert_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def spiffe_id_of(cert: x509.Certificate) -> str | None:
    """The certificate's SPIFFE ID (its ``spiffe://`` URI SAN), or None."""
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return None
    uris = [u for u in san.get_values_for_type(x509.UniformResourceIdentifier) if u.startswith("spiffe://")]
    return uris[0] if len(uris) == 1 else None


def trust_domain_of(spiffe_id: str) -> str:
    """``spiffe://example.org/a/b`` → ``example.org`` (syntax checked by py-spiffe)."""
    try:
        return SpiffeId(spiffe_id).trust_domain.name
    except PySpiffeError as exc:
        raise ValueError(f"invalid SPIFFE ID {spiffe_id!r}: {exc}") from None


def check_spiffe_id(spiffe_id: str, *, field: str = "spiffe_id") -> str:
    try:
        return str(SpiffeId(spiffe_id))
    except PySpiffeError as exc:
        raise InputError(f"invalid SPIFFE ID {spiffe_id!r}: {exc}", field=field) from None


@dataclass(frozen=True)
class SignerIdentity:
    """A signing workload: its SPIFFE ID, private key, leaf certificate and the chain above the leaf."""

    spiffe_id: str
    key: PrivateKey
    cert: x509.Certificate
    chain: tuple[x509.Certificate, ...] = ()

    def write(self, directory: str | Path, stem: str = "signer") -> dict[str, Path]:
        """Write ``<stem>.key``, ``<stem>.crt`` (leaf) and ``<stem>.chain.pem``; returns the paths."""
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        paths = {
            "key": d / f"{stem}.key",
            "cert": d / f"{stem}.crt",
            "chain": d / f"{stem}.chain.pem",
            "public_key": d / f"{stem}.pub",
        }
        paths["key"].write_bytes(key_pem(self.key))
        paths["cert"].write_bytes(cert_pem(self.cert))
        paths["chain"].write_bytes(b"".join(cert_pem(c) for c in self.chain))
        paths["public_key"].write_bytes(public_pem(self.key.public_key()))
        return paths


@dataclass(frozen=True)
class TrustDomainCA:
    """The root of one SPIFFE trust domain, able to issue code-signing identities inside it."""

    trust_domain: str
    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate

    @classmethod
    def create(cls, trust_domain: str, *, now: dt.datetime | None = None) -> TrustDomainCA:
        td = trust_domain_of(f"spiffe://{trust_domain}")
        now = now or _now()
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name(
            [
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "zsim"),
                x509.NameAttribute(NameOID.COMMON_NAME, f"{td} artifact-signing CA"),
            ]
        )
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + CA_TTL)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
            )
            .add_extension(
                x509.SubjectAlternativeName([x509.UniformResourceIdentifier(f"spiffe://{td}")]),
                critical=False,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256())
        )
        return cls(td, key, cert)

    def issue(
        self,
        spiffe_id: str,
        *,
        key_type: KeyType = "ecdsa-p256",
        ttl: dt.timedelta = SIGNER_TTL,
        now: dt.datetime | None = None,
    ) -> SignerIdentity:
        """A code-signing identity for ``spiffe_id``, which must belong to this trust domain."""
        if trust_domain_of(spiffe_id) != self.trust_domain:
            raise ValueError(f"{spiffe_id} is not in trust domain {self.trust_domain}")
        now = now or _now()
        key = generate_key(key_type)
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([]))
            .issuer_name(self.cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=1))
            .not_valid_after(now + ttl)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True
            )
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]), critical=False)
            .add_extension(
                x509.SubjectAlternativeName([x509.UniformResourceIdentifier(spiffe_id)]), critical=True
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()), critical=False
            )
            .sign(self.key, hashes.SHA256())
        )
        return SignerIdentity(spiffe_id, key, cert, (self.cert,))

    def write_bundle(self, path: str | Path) -> Path:
        """The trust bundle a verifier of this trust domain holds (the CA certificate, PEM)."""
        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(cert_pem(self.cert))
        return p


# --- loading, with errors that name the file ---------------------------------------------------------------


def read_pem_file(path: str | Path, what: str) -> bytes:
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{what} not found", file=p)
    try:
        return p.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {what}: {exc.strerror or exc}", file=p) from None


def load_private_key(path: str | Path) -> PrivateKey:
    data = read_pem_file(path, "signing key")
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise InputError(f"not an unencrypted PEM private key ({exc})", file=path) from None
    if not isinstance(key, ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey):
        raise InputError("signing key must be ECDSA or Ed25519", file=path)
    return key


def load_certificates(path: str | Path, what: str = "certificate file") -> list[x509.Certificate]:
    data = read_pem_file(path, what)
    try:
        return x509.load_pem_x509_certificates(data)
    except ValueError as exc:
        raise InputError(f"not a PEM certificate file ({exc})", file=path) from None


@dataclass(frozen=True)
class Trust:
    """What a verifier trusts: CA certificates (trust bundle) or a single public key."""

    path: Path
    roots: tuple[x509.Certificate, ...] = ()
    public_key: PublicKey | None = None
    trust_domains: frozenset[str] = field(default_factory=frozenset)


def load_trust(path: str | Path) -> Trust:
    """A trust bundle (PEM CA certificates) or a PEM public key; the kind is read from the file."""
    p = Path(path)
    data = read_pem_file(p, "trust bundle")
    if b"BEGIN CERTIFICATE" in data:
        roots = tuple(load_certificates(p, "trust bundle"))
        tds = frozenset(trust_domain_of(s) for s in (spiffe_id_of(c) for c in roots) if s)
        return Trust(p, roots=roots, trust_domains=tds)
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError) as exc:
        raise InputError(f"neither PEM certificates nor a PEM public key ({exc})", file=p) from None
    if not isinstance(key, ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey):
        raise InputError("trusted key must be ECDSA or Ed25519", file=p)
    return Trust(p, public_key=key)


# --- chain validation --------------------------------------------------------------------------------------


def _require_code_signing(_policy: object, _cert: x509.Certificate, eku: x509.ExtendedKeyUsage) -> None:
    if ExtendedKeyUsageOID.CODE_SIGNING not in eku:
        raise ValueError("signer certificate lacks the code-signing extended key usage")


def _require_digital_signature(_policy: object, _cert: x509.Certificate, ku: x509.KeyUsage) -> None:
    if not ku.digital_signature:
        raise ValueError("signer certificate lacks the digitalSignature key usage")


def verify_signer_chain(
    leaf: x509.Certificate,
    intermediates: list[x509.Certificate],
    roots: tuple[x509.Certificate, ...],
    at: dt.datetime,
) -> str:
    """Validate ``leaf`` up to one of ``roots`` at time ``at``; returns the leaf's SPIFFE ID.

    Raises :class:`ChainError` with the validator's message when no valid path exists.
    """
    if not roots:
        raise ChainError("the trust bundle holds no CA certificate")
    spiffe_id = spiffe_id_of(leaf)
    if spiffe_id is None:
        raise ChainError("signer certificate carries no single SPIFFE ID")
    ee_policy = (
        ExtensionPolicy.permit_all()
        .require_present(x509.ExtendedKeyUsage, Criticality.AGNOSTIC, _require_code_signing)
        .require_present(x509.KeyUsage, Criticality.AGNOSTIC, _require_digital_signature)
    )
    verifier = (
        PolicyBuilder()
        .store(Store(list(roots)))
        .time(at)
        .extension_policies(ca_policy=ExtensionPolicy.webpki_defaults_ca(), ee_policy=ee_policy)
        .build_client_verifier()
    )
    try:
        verifier.verify(leaf, [c for c in intermediates if c not in roots])
    except Exception as exc:  # cryptography raises VerificationError (a Rust type) for every failure
        raise ChainError(str(exc)) from None
    return spiffe_id
