"""The trust-domain CA and what it issues: the X.509-SVID and JWT-SVID specifications, checked by py-spiffe."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, ExtensionOID
from spiffe import JwtSvid, SpiffeId, X509Bundle, X509Svid
from spiffe.bundle.jwt_bundle.errors import AuthorityNotFoundError
from spiffe.svid.errors import JwtSvidError

from tests.identity.certs import T0, TD
from zsim.errors import InputError
from zsim.identity.ca import TrustDomainCA, authority_trust_domain
from zsim.identity.decision import Reason
from zsim.identity.jwt_svid import JwtValidator
from zsim.identity.verify import X509Verifier

SID = f"spiffe://{TD}/training/job-7"


@pytest.fixture(scope="module")
def ca() -> TrustDomainCA:
    return TrustDomainCA.create(TD, not_before=T0, ttl_s=86_400)


def ext(cert: x509.Certificate, oid: x509.ObjectIdentifier) -> x509.Extension:
    return cert.extensions.get_extension_for_oid(oid)


def test_authority_is_a_p256_root_naming_its_trust_domain(ca: TrustDomainCA) -> None:
    cert = ca.certificate
    assert isinstance(cert.public_key(), ec.EllipticCurvePublicKey)
    assert cert.public_key().curve.name == "secp256r1"
    assert cert.issuer == cert.subject
    cert.verify_directly_issued_by(cert)
    assert ext(cert, ExtensionOID.BASIC_CONSTRAINTS).value.ca is True
    assert ext(cert, ExtensionOID.KEY_USAGE).value.key_cert_sign is True
    assert authority_trust_domain(cert) == TD
    assert ca.authority_id == ext(cert, ExtensionOID.SUBJECT_KEY_IDENTIFIER).value.digest.hex()
    assert cert.not_valid_after_utc - cert.not_valid_before_utc == dt.timedelta(days=1)


def test_x509_svid_follows_the_specification(ca: TrustDomainCA) -> None:
    svid = ca.issue_x509_svid(SID, not_before=T0, ttl_s=3600)
    leaf = svid.leaf
    uris = ext(leaf, ExtensionOID.SUBJECT_ALTERNATIVE_NAME).value.get_values_for_type(x509.UniformResourceIdentifier)
    assert uris == [SID]  # exactly one URI SAN, the SPIFFE ID
    bc = ext(leaf, ExtensionOID.BASIC_CONSTRAINTS)
    assert bc.critical and bc.value.ca is False
    ku = ext(leaf, ExtensionOID.KEY_USAGE)
    assert ku.critical and ku.value.digital_signature
    assert not ku.value.key_cert_sign and not ku.value.crl_sign
    eku = ext(leaf, ExtensionOID.EXTENDED_KEY_USAGE).value
    assert ExtendedKeyUsageOID.CLIENT_AUTH in eku and ExtendedKeyUsageOID.SERVER_AUTH in eku
    aki = ext(leaf, ExtensionOID.AUTHORITY_KEY_IDENTIFIER).value.key_identifier
    assert aki.hex() == ca.authority_id
    leaf.verify_directly_issued_by(ca.certificate)
    assert leaf.public_key().curve.name == "secp256r1"
    assert leaf.not_valid_before_utc == T0 and leaf.not_valid_after_utc == T0 + dt.timedelta(hours=1)


def test_py_spiffe_parses_the_svid_and_bundle(ca: TrustDomainCA) -> None:
    svid = ca.issue_x509_svid(SID, not_before=T0)
    parsed = X509Svid.parse(svid.chain_pem(), svid.key_pem())
    assert parsed.spiffe_id == SpiffeId(SID)
    bundle = X509Bundle.parse(ca.x509_bundle().trust_domain, ca.bundle_pem())
    assert bundle.x509_authorities == {ca.certificate}


def test_svid_never_outlives_its_authority(ca: TrustDomainCA) -> None:
    late = ca.not_after - dt.timedelta(minutes=10)
    svid = ca.issue_x509_svid(SID, not_before=late, ttl_s=3600)
    assert svid.leaf.not_valid_after_utc == ca.not_after


def test_fractional_start_is_truncated_to_whole_seconds(ca: TrustDomainCA) -> None:
    svid = ca.issue_x509_svid(SID, not_before=T0 + dt.timedelta(seconds=5.75), ttl_s=60)
    assert svid.leaf.not_valid_before_utc == T0 + dt.timedelta(seconds=5)
    assert svid.leaf.not_valid_after_utc == T0 + dt.timedelta(seconds=65)


@pytest.mark.parametrize("bad", ["spiffe://other.example/training/x", f"spiffe://{TD}"])
def test_issue_refuses_foreign_or_pathless_ids(ca: TrustDomainCA, bad: str) -> None:
    with pytest.raises(ValueError):
        ca.issue_x509_svid(bad, not_before=T0)


def test_issue_refuses_ttl_under_one_second_and_times_outside_the_authority(ca: TrustDomainCA) -> None:
    with pytest.raises(ValueError, match="at least 1 s"):
        ca.issue_x509_svid(SID, not_before=T0, ttl_s=0.5)
    with pytest.raises(ValueError, match="not valid"):
        ca.issue_x509_svid(SID, not_before=T0 - dt.timedelta(hours=1))


def test_jwt_svid_validates_with_py_spiffe_at_the_wall_clock() -> None:
    now = dt.datetime.now(dt.UTC)
    ca = TrustDomainCA.create(TD, not_before=now - dt.timedelta(minutes=1))
    token = ca.issue_jwt_svid(SID, ["registry", "feature-store"], issued_at=now, ttl_s=300)
    svid = JwtSvid.parse_and_validate(token, ca.jwt_bundle(), {"registry"})
    assert svid.spiffe_id == SpiffeId(SID) and svid.audience == {"registry", "feature-store"}
    assert svid.expiry == int((now.replace(microsecond=0) + dt.timedelta(seconds=300)).timestamp())
    with pytest.raises(JwtSvidError):
        JwtSvid.parse_and_validate(token, ca.jwt_bundle(), {"inference"})
    other = TrustDomainCA.create(TD, not_before=now - dt.timedelta(minutes=1))
    with pytest.raises(AuthorityNotFoundError):
        JwtSvid.parse_and_validate(token, other.jwt_bundle(), {"registry"})


def test_jwt_validator_at_a_chosen_instant(ca: TrustDomainCA) -> None:
    token = ca.issue_jwt_svid(SID, "registry", issued_at=T0, ttl_s=300)
    validator = JwtValidator(ca.jwt_bundle())
    ok = validator.validate(token, "registry", T0 + dt.timedelta(seconds=299, microseconds=999_999))
    assert ok.ok and ok.jwt is not None and ok.jwt.name.component == "training"
    assert ok.jwt.svid.spiffe_id == SpiffeId(SID)
    # exp is exclusive (RFC 7519: valid strictly before exp)
    assert validator.validate(token, "registry", T0 + dt.timedelta(seconds=300)).decision.code is Reason.EXPIRED
    assert validator.validate(token, "inference", T0).decision.code is Reason.AUDIENCE_MISMATCH
    assert validator.validate("not.a.jwt", "registry", T0).decision.code is Reason.INVALID_TOKEN
    head, body, sig = token.split(".")
    tampered = f"{head}.{body}.{sig[:-4]}{'AAAA' if sig[-4:] != 'AAAA' else 'BBBB'}"
    assert validator.validate(tampered, "registry", T0).decision.code is Reason.BAD_SIGNATURE
    stranger = TrustDomainCA.create(TD, not_before=T0)
    unknown = stranger.issue_jwt_svid(SID, "registry", issued_at=T0)
    assert validator.validate(unknown, "registry", T0).decision.code is Reason.UNKNOWN_AUTHORITY
    revoked = JwtValidator(stranger.jwt_bundle(), revoked_key_ids=[ca.jwt_key_id])
    assert revoked.validate(token, "registry", T0).decision.code is Reason.AUTHORITY_REVOKED
    foreign = TrustDomainCA.create("other.example", not_before=T0)
    wrong_td = foreign.issue_jwt_svid("spiffe://other.example/training/x", "registry", issued_at=T0)
    assert validator.validate(wrong_td, "registry", T0).decision.code is Reason.TRUST_DOMAIN_MISMATCH


def test_ca_round_trip_and_load_errors(ca: TrustDomainCA) -> None:
    cert_pem, key_pem = ca.save_pems()
    loaded = TrustDomainCA.load(cert_pem, key_pem, trust_domain=TD)
    assert loaded.authority_id == ca.authority_id and loaded.trust_domain == TD
    svid = loaded.issue_x509_svid(SID, not_before=T0)
    assert X509Verifier(ca.x509_bundle()).verify_pem(svid.chain_pem(), T0).ok
    other = TrustDomainCA.create("other.example", not_before=T0)
    with pytest.raises(InputError, match="does not match"):
        TrustDomainCA.load(cert_pem, other.save_pems()[1])
    with pytest.raises(InputError, match="trust domain"):
        TrustDomainCA.load(cert_pem, key_pem, trust_domain="other.example")
    with pytest.raises(InputError, match="not a PEM certificate"):
        TrustDomainCA.load(b"nope", key_pem)
    with pytest.raises(InputError, match="private key"):
        TrustDomainCA.load(cert_pem, b"nope")
