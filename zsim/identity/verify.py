"""Verify a peer's X.509-SVID chain against trust bundles, giving one clear reason per failure.

Steps, in order (the first failure decides):

1. read the PEM: no PEM block → ``malformed_pem``; a block that is not a certificate → ``not_a_certificate``;
   a certificate block that does not decode → ``malformed_pem`` (py-spiffe ``parse_pem_certificates``);
2. the X.509-SVID rules, by py-spiffe's own checks (exactly one URI SAN, a SPIFFE ID with a path, leaf not
   a CA, digitalSignature, no keyCertSign / cRLSign, intermediates are CAs). ``X509Svid.parse`` needs the
   private key, which a peer never sends, so we call the same module-level checks it runs (pinned
   ``spiffe>=0.3.2,<0.4``);
3. the trust domain of the SPIFFE ID selects the bundle: none → ``trust_domain_mismatch``;
4. the leaf's validity window at the checking instant → ``not_yet_valid`` / ``expired``;
5. the path to a bundle authority by ``cryptography.x509.verification`` (RFC 5280 profile). When it fails, the
   issuer is looked up to tell ``bad_signature`` (the issuer is trusted, the signature is wrong) from
   ``unknown_authority`` (nothing in the bundle issued it) and ``authority_revoked`` (a revoked authority
   did).

Py-spiffe's ``X509Svid.parse`` verifies no signature and no chain (DESIGN.md, "Library notes"); step 5 does.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.x509.oid import ExtensionOID
from cryptography.x509.verification import PolicyBuilder, Store, VerificationError
from spiffe import X509Bundle
from spiffe.errors import PySpiffeError
from spiffe.svid import x509_svid as _spiffe_svid
from spiffe.svid.errors import InvalidIntermediateCertificateError, InvalidLeafCertificateError
from spiffe.utils.certificate_utils import parse_pem_certificates
from spiffe.utils.errors import ParseCertificateError

from zsim.identity.ca import fingerprint
from zsim.identity.clock import floor_second, iso
from zsim.identity.decision import (
    REVOKED_TEXT,
    UNKNOWN_AUTHORITY_TEXT,
    Decision,
    Reason,
    deny,
    expired_text,
    not_yet_valid_text,
    trust_domain_text,
)
from zsim.identity.names import WorkloadName

_PEM_LABEL = re.compile(rb"-----BEGIN ([A-Z0-9 #]+)-----")
_MAX_CHAIN_DEPTH = 8

# py-spiffe's leaf messages → our codes (first match wins; anything else breaks a leaf constraint).
_LEAF_CODES: tuple[tuple[str, Reason], ...] = (
    ("multiple URI SAN", Reason.MULTIPLE_URI_SANS),
    ("does not contain a URI SAN", Reason.NO_URI_SAN),
    ("does not contain a SubjectAlternativeName", Reason.NO_URI_SAN),
    ("does not contain a valid SubjectAlternativeName", Reason.NO_URI_SAN),
    ("is not a SPIFFE ID", Reason.NOT_SPIFFE_ID),
    ("malformed SPIFFE ID", Reason.NOT_SPIFFE_ID),
    ("trust domain root", Reason.NOT_SPIFFE_ID),
    ("CA flag", Reason.LEAF_IS_CA),
    ("keyCertSign", Reason.LEAF_KEY_CERT_SIGN),
)


@dataclass(frozen=True, slots=True)
class VerifiedSvid:
    """A peer identity whose chain was verified: what the cache keeps per fingerprint."""

    name: WorkloadName
    fingerprint: bytes
    serial: int
    not_before: dt.datetime
    not_after: dt.datetime
    authority_id: str  # Subject Key Identifier (hex) of the bundle authority the chain leads to


@dataclass(frozen=True, slots=True)
class Verification:
    """Outcome of one verification: a decision, and what could be read from the certificate."""

    decision: Decision
    svid: VerifiedSvid | None = None
    name: WorkloadName | None = None
    leaf: x509.Certificate | None = None

    @property
    def ok(self) -> bool:
        return self.svid is not None

    def identity_dict(self) -> dict[str, Any] | None:
        """The parsed identity for reports: present whenever a SPIFFE ID could be read."""
        if self.name is None or self.leaf is None:
            return None
        out: dict[str, Any] = dict(self.name.to_dict())
        out.update(
            {
                "serial": format(self.leaf.serial_number, "x"),
                "not_before": iso(self.leaf.not_valid_before_utc),
                "not_after": iso(self.leaf.not_valid_after_utc),
                "fingerprint_sha256": fingerprint(self.leaf).hex(),
                "authority_id": self.svid.authority_id if self.svid else None,
            }
        )
        return out


def read_pem_chain(data: bytes) -> list[x509.Certificate] | Decision:
    """Certificates from PEM bytes (leaf first), or the decision saying why there are none."""
    labels = _PEM_LABEL.findall(data)
    if not labels:
        return deny(Reason.MALFORMED_PEM, "malformed PEM: no '-----BEGIN ...-----' block found")
    others = [label.decode() for label in labels if label != b"CERTIFICATE"]
    if others:
        return deny(
            Reason.NOT_A_CERTIFICATE,
            f"not a certificate: the PEM holds {', '.join(repr(o) for o in others)} where a "
            "CERTIFICATE block was expected",
        )
    try:
        return parse_pem_certificates(data)
    except ParseCertificateError as exc:
        cause = f": {exc.__cause__}" if exc.__cause__ else ""
        return deny(Reason.MALFORMED_PEM, f"malformed PEM: a CERTIFICATE block does not decode{cause}")


def check_svid_structure(chain: Sequence[x509.Certificate]) -> WorkloadName | Decision:
    """The X.509-SVID rules, by py-spiffe (the checks ``X509Svid.parse`` runs, minus the private key)."""
    try:
        _spiffe_svid._validate_chain(list(chain))
        sid = _spiffe_svid._extract_spiffe_id(chain[0])
        _spiffe_svid._validate_leaf_spiffe_id(sid)
    except InvalidLeafCertificateError as exc:
        text = str(exc)
        code = next((c for fragment, c in _LEAF_CODES if fragment in text), Reason.LEAF_CONSTRAINTS)
        return deny(code, text)
    except InvalidIntermediateCertificateError as exc:
        return deny(Reason.INVALID_CHAIN, str(exc))
    except (PySpiffeError, ValueError) as exc:  # an extension that does not decode
        return deny(Reason.LEAF_CONSTRAINTS, f"Invalid leaf certificate: {exc}")
    return WorkloadName.from_spiffe_id(sid)


def _key_id(cert: x509.Certificate, oid: x509.ObjectIdentifier) -> bytes | None:
    try:
        value = cert.extensions.get_extension_for_oid(oid).value
    except (x509.ExtensionNotFound, ValueError):
        return None
    return getattr(value, "key_identifier", None) or getattr(value, "digest", None)


class X509Verifier:
    """Verifies X.509-SVID chains against one bundle per trusted trust domain (no cache; see the plane)."""

    def __init__(self, bundles: X509Bundle | Iterable[X509Bundle], *, revoked: Iterable[x509.Certificate] = ()) -> None:
        items = [bundles] if isinstance(bundles, X509Bundle) else list(bundles)
        self._authorities: dict[str, list[x509.Certificate]] = {}
        for bundle in items:
            self._authorities.setdefault(str(bundle.trust_domain), []).extend(bundle.x509_authorities)
        self._stores = {td: Store(certs) for td, certs in self._authorities.items() if certs}
        self._revoked = list(revoked)

    @property
    def trust_domains(self) -> tuple[str, ...]:
        return tuple(self._authorities)

    def verify_pem(self, chain_pem: bytes, at: dt.datetime) -> Verification:
        """The full path: parse the PEM, check the SVID rules, the trust domain, the time and the chain."""
        chain = read_pem_chain(chain_pem)
        if isinstance(chain, Decision):
            return Verification(chain)
        return self.verify_chain(chain, at)

    def verify_chain(self, chain: Sequence[x509.Certificate], at: dt.datetime) -> Verification:
        if not chain:
            return Verification(deny(Reason.MALFORMED_PEM, "no certificate given"))
        leaf = chain[0]
        name = check_svid_structure(chain)
        if isinstance(name, Decision):
            return Verification(name, leaf=leaf)
        if name.trust_domain not in self._authorities:
            return Verification(
                deny(Reason.TRUST_DOMAIN_MISMATCH, trust_domain_text(name.trust_domain, self.trust_domains)),
                name=name,
                leaf=leaf,
            )
        not_before, not_after = leaf.not_valid_before_utc, leaf.not_valid_after_utc
        if at < not_before:
            return Verification(
                deny(Reason.NOT_YET_VALID, not_yet_valid_text("SVID", not_before, at)), name=name, leaf=leaf
            )
        if at > not_after:
            return Verification(deny(Reason.EXPIRED, expired_text("SVID", not_after, at)), name=name, leaf=leaf)
        intermediates = list(chain[1:])
        store = self._stores.get(name.trust_domain)
        if store is None:  # a known trust domain whose bundle is empty (every authority revoked)
            return Verification(
                self._classify(name.trust_domain, leaf, intermediates, at, "empty trust bundle"), name=name, leaf=leaf
            )
        verifier = (
            PolicyBuilder()
            .store(store)
            .time(floor_second(at))
            .max_chain_depth(_MAX_CHAIN_DEPTH)
            .build_client_verifier()
        )
        try:
            verified = verifier.verify(leaf, intermediates)
        except VerificationError as exc:
            decision = self._classify(name.trust_domain, leaf, intermediates, at, str(exc))
            return Verification(decision, name=name, leaf=leaf)
        root = verified.chain[-1]
        authority_id = (_key_id(root, ExtensionOID.SUBJECT_KEY_IDENTIFIER) or fingerprint(root)).hex()
        svid = VerifiedSvid(name, fingerprint(leaf), leaf.serial_number, not_before, not_after, authority_id)
        return Verification(Decision(True, Reason.VALID, f"valid X.509-SVID for {name.spiffe_id}"), svid, name, leaf)

    def _classify(
        self,
        td: str,
        leaf: x509.Certificate,
        intermediates: list[x509.Certificate],
        at: dt.datetime,
        message: str,
    ) -> Decision:
        """Why the path failed: walk issuers upward and see where the chain breaks."""
        authorities = self._authorities[td]
        current = leaf
        for _ in range(_MAX_CHAIN_DEPTH):
            issuer_is_trusted = False
            parent = None
            for candidate in [*authorities, *intermediates]:
                outcome = _issued_by(current, candidate)
                if outcome is None:
                    continue
                if outcome is False:
                    return deny(
                        Reason.BAD_SIGNATURE,
                        f"bad signature: the certificate's signature does not verify against its issuer "
                        f"{candidate.subject.rfc4514_string()!r}",
                    )
                parent = candidate
                issuer_is_trusted = candidate in authorities
                break
            if parent is None:
                break
            if at > parent.not_valid_after_utc:
                return deny(Reason.EXPIRED, expired_text("issuing CA certificate", parent.not_valid_after_utc, at))
            if at < parent.not_valid_before_utc:
                return deny(
                    Reason.NOT_YET_VALID,
                    not_yet_valid_text("issuing CA certificate", parent.not_valid_before_utc, at),
                )
            if issuer_is_trusted:
                return deny(Reason.INVALID_CHAIN, f"the chain does not validate: {message}")
            current = parent
        if any(_issued_by(current, r) is True for r in self._revoked):
            return deny(Reason.AUTHORITY_REVOKED, REVOKED_TEXT)
        return deny(Reason.UNKNOWN_AUTHORITY, UNKNOWN_AUTHORITY_TEXT)


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool | None:
    """True if ``issuer`` signed ``cert``; False if it claims to (name and key id) but the signature fails;
    None if it is not ``cert``'s issuer at all."""
    if cert is issuer or cert.issuer != issuer.subject:
        return None
    aki = _key_id(cert, ExtensionOID.AUTHORITY_KEY_IDENTIFIER)
    ski = _key_id(issuer, ExtensionOID.SUBJECT_KEY_IDENTIFIER)
    if aki is not None and ski is not None and aki != ski:
        return None
    try:
        cert.verify_directly_issued_by(issuer)
    except InvalidSignature:
        return False
    except (ValueError, TypeError):
        return None
    return True
