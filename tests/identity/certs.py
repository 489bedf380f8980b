"""Build certificates for tests, including ones that break exactly one X.509-SVID rule.

These helpers use ``cryptography`` directly (not :mod:`zsim.identity.ca`), so a bug in the issuer cannot hide the
same bug in the verifier.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

T0 = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
TD = "ai-platform"


def pem(*certs: x509.Certificate) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)


def key_usage(**on: bool) -> x509.KeyUsage:
    names = (
        "digital_signature",
        "content_commitment",
        "key_encipherment",
        "data_encipherment",
        "key_agreement",
        "key_cert_sign",
        "crl_sign",
        "encipher_only",
        "decipher_only",
    )
    return x509.KeyUsage(**{n: on.get(n, False) for n in names})


@dataclass
class TestCA:
    """A CA built by hand: a root (or an intermediate when ``parent`` is given)."""

    trust_domain: str = TD
    parent: TestCA | None = None
    name: str = "test root"
    valid_from: dt.datetime = T0 - dt.timedelta(days=1)
    valid_until: dt.datetime = T0 + dt.timedelta(days=30)
    key: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    cert: x509.Certificate = field(init=False)

    __test__ = False  # not a pytest test class

    def __post_init__(self) -> None:
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, self.name)])
        issuer_key = self.parent.key if self.parent else self.key
        issuer_name = self.parent.cert.subject if self.parent else subject
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer_name)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(self.valid_from)
            .not_valid_after(self.valid_until)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(key_usage(digital_signature=True, key_cert_sign=True, crl_sign=True), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(self.key.public_key()), critical=False)
            .add_extension(
                x509.SubjectAlternativeName([x509.UniformResourceIdentifier(f"spiffe://{self.trust_domain}")]),
                critical=False,
            )
        )
        if self.parent:
            builder = builder.add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.parent.key.public_key()), critical=False
            )
        self.cert = builder.sign(issuer_key, hashes.SHA256())

    def leaf(
        self,
        uris: list[str] | None = None,
        *,
        dns: list[str] | None = None,
        ca: bool = False,
        key_cert_sign: bool = False,
        crl_sign: bool = False,
        digital_signature: bool = True,
        not_before: dt.datetime = T0,
        not_after: dt.datetime = T0 + dt.timedelta(hours=1),
    ) -> x509.Certificate:
        """A leaf; by default a valid X.509-SVID for ``spiffe://<td>/training/job-1``."""
        key = ec.generate_private_key(ec.SECP256R1())
        uris = [f"spiffe://{self.trust_domain}/training/job-1"] if uris is None else uris
        names: list[x509.GeneralName] = [x509.UniformResourceIdentifier(u) for u in uris]
        names += [x509.DNSName(d) for d in dns or []]
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "test")]))
            .issuer_name(self.cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before)
            .not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .add_extension(
                key_usage(
                    digital_signature=digital_signature,
                    key_encipherment=True,
                    key_cert_sign=key_cert_sign,
                    crl_sign=crl_sign,
                ),
                critical=True,
            )
            .add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
                critical=False,
            )
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()), critical=False)
        )
        if names:
            builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
        return builder.sign(self.key, hashes.SHA256())


def flip_signature_bit(cert: x509.Certificate) -> x509.Certificate:
    """The same certificate with one bit of its signature flipped (the signature is the DER's last bytes)."""
    der = bytearray(cert.public_bytes(serialization.Encoding.DER))
    der[-3] ^= 0x01
    return x509.load_der_x509_certificate(bytes(der))
