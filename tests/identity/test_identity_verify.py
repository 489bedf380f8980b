"""The verifier on every bad-input case of issue 3, each separately, each with its own reason."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from spiffe import TrustDomain, X509Bundle

from tests.identity.certs import T0, TD, TestCA, flip_signature_bit, pem
from zsim.identity.decision import POLICY_REASONS, Reason
from zsim.identity.engine import PolicyEngine
from zsim.identity.names import Target
from zsim.identity.policy import default_policy
from zsim.identity.verify import X509Verifier

AT = T0 + dt.timedelta(minutes=10)


@pytest.fixture(scope="module")
def root() -> TestCA:
    return TestCA()


@pytest.fixture(scope="module")
def verifier(root: TestCA) -> X509Verifier:
    return X509Verifier(X509Bundle(TrustDomain(TD), {root.cert}))


def code_of(verifier: X509Verifier, data: bytes, at: dt.datetime = AT) -> Reason:
    result = verifier.verify_pem(data, at)
    assert result.ok is (result.decision.code is Reason.VALID)
    assert result.decision.allowed is result.ok
    assert result.decision.reason, "every decision carries a reason"
    return result.decision.code


def test_valid_svid_is_accepted_with_its_identity(root: TestCA, verifier: X509Verifier) -> None:
    result = verifier.verify_pem(pem(root.leaf()), AT)
    assert result.ok and result.decision.code is Reason.VALID
    assert result.svid is not None
    assert result.svid.name.spiffe_id == f"spiffe://{TD}/training/job-1"
    assert result.svid.name.component == "training" and result.svid.name.tenant is None
    assert result.identity_dict()["component"] == "training"


def test_malformed_pem_no_block(verifier: X509Verifier) -> None:
    assert code_of(verifier, b"this is not PEM at all\n") is Reason.MALFORMED_PEM


def test_malformed_pem_bad_base64(verifier: X509Verifier) -> None:
    data = b"-----BEGIN CERTIFICATE-----\nnot*base64*at*all\n-----END CERTIFICATE-----\n"
    result = verifier.verify_pem(data, AT)
    assert result.decision.code is Reason.MALFORMED_PEM
    assert "does not decode" in result.decision.reason


def test_file_that_is_not_a_certificate(verifier: X509Verifier) -> None:
    key = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    result = verifier.verify_pem(key, AT)
    assert result.decision.code is Reason.NOT_A_CERTIFICATE
    assert "PRIVATE KEY" in result.decision.reason


def test_no_uri_san(root: TestCA, verifier: X509Verifier) -> None:
    assert code_of(verifier, pem(root.leaf([], dns=["training.example"]))) is Reason.NO_URI_SAN


def test_no_san_extension_at_all(root: TestCA, verifier: X509Verifier) -> None:
    assert code_of(verifier, pem(root.leaf([]))) is Reason.NO_URI_SAN


def test_two_uri_sans(root: TestCA, verifier: X509Verifier) -> None:
    uris = [f"spiffe://{TD}/training/a", f"spiffe://{TD}/training/b"]
    assert code_of(verifier, pem(root.leaf(uris))) is Reason.MULTIPLE_URI_SANS


def test_non_spiffe_uri(root: TestCA, verifier: X509Verifier) -> None:
    assert code_of(verifier, pem(root.leaf(["https://ai-platform/training/job-1"]))) is Reason.NOT_SPIFFE_ID


def test_spiffe_id_without_path_is_not_a_workload(root: TestCA, verifier: X509Verifier) -> None:
    assert code_of(verifier, pem(root.leaf([f"spiffe://{TD}"]))) is Reason.NOT_SPIFFE_ID


def test_wrong_trust_domain(verifier: X509Verifier) -> None:
    other = TestCA(trust_domain="staging.example")
    result = verifier.verify_pem(pem(other.leaf()), AT)
    assert result.decision.code is Reason.TRUST_DOMAIN_MISMATCH
    assert "staging.example" in result.decision.reason
    assert result.name is not None and result.name.trust_domain == "staging.example"


def test_expired(root: TestCA, verifier: X509Verifier) -> None:
    leaf = root.leaf(not_after=T0 + dt.timedelta(hours=1))
    assert code_of(verifier, pem(leaf), T0 + dt.timedelta(hours=1, seconds=1)) is Reason.EXPIRED


def test_not_yet_valid(root: TestCA, verifier: X509Verifier) -> None:
    leaf = root.leaf(not_before=T0 + dt.timedelta(hours=2), not_after=T0 + dt.timedelta(hours=3))
    assert code_of(verifier, pem(leaf), T0 + dt.timedelta(hours=1)) is Reason.NOT_YET_VALID


def test_validity_bounds_are_inclusive(root: TestCA, verifier: X509Verifier) -> None:
    """RFC 5280: a certificate is valid from notBefore through notAfter, both included."""
    leaf = root.leaf(not_before=T0, not_after=T0 + dt.timedelta(hours=1))
    assert code_of(verifier, pem(leaf), T0) is Reason.VALID
    assert code_of(verifier, pem(leaf), T0 + dt.timedelta(hours=1)) is Reason.VALID
    assert code_of(verifier, pem(leaf), T0 - dt.timedelta(microseconds=1)) is Reason.NOT_YET_VALID
    assert code_of(verifier, pem(leaf), T0 + dt.timedelta(hours=1, microseconds=1)) is Reason.EXPIRED


def test_leaf_marked_ca(root: TestCA, verifier: X509Verifier) -> None:
    assert code_of(verifier, pem(root.leaf(ca=True))) is Reason.LEAF_IS_CA


def test_leaf_with_key_cert_sign(root: TestCA, verifier: X509Verifier) -> None:
    assert code_of(verifier, pem(root.leaf(key_cert_sign=True))) is Reason.LEAF_KEY_CERT_SIGN


def test_leaf_with_crl_sign_or_without_digital_signature(root: TestCA, verifier: X509Verifier) -> None:
    assert code_of(verifier, pem(root.leaf(crl_sign=True))) is Reason.LEAF_CONSTRAINTS
    assert code_of(verifier, pem(root.leaf(digital_signature=False))) is Reason.LEAF_CONSTRAINTS


def test_chain_that_does_not_lead_to_the_bundle(verifier: X509Verifier) -> None:
    stranger = TestCA(name="someone else's root")  # same trust domain, not in the bundle
    assert code_of(verifier, pem(stranger.leaf())) is Reason.UNKNOWN_AUTHORITY


def test_rogue_ca_with_the_same_name_is_unknown_not_bad_signature(root: TestCA, verifier: X509Verifier) -> None:
    """A look-alike CA (same subject, other key) did not sign for the trusted key: the chain leads nowhere."""
    lookalike = TestCA(name=root.name)
    assert code_of(verifier, pem(lookalike.leaf())) is Reason.UNKNOWN_AUTHORITY


def test_bad_signature(root: TestCA, verifier: X509Verifier) -> None:
    assert code_of(verifier, pem(flip_signature_bit(root.leaf()))) is Reason.BAD_SIGNATURE


def test_revoked_authority(root: TestCA) -> None:
    current = TestCA(name="current root")
    verifier = X509Verifier(X509Bundle(TrustDomain(TD), {current.cert}), revoked=[root.cert])
    assert code_of(verifier, pem(root.leaf())) is Reason.AUTHORITY_REVOKED
    assert code_of(verifier, pem(current.leaf())) is Reason.VALID


def test_intermediate_chain_is_followed(root: TestCA, verifier: X509Verifier) -> None:
    intermediate = TestCA(parent=root, name="intermediate")
    leaf = intermediate.leaf()
    assert code_of(verifier, pem(leaf, intermediate.cert)) is Reason.VALID
    assert code_of(verifier, pem(leaf)) is Reason.UNKNOWN_AUTHORITY  # intermediate not presented


def test_unknown_component_type_is_default_denied_with_that_reason(root: TestCA, verifier: X509Verifier) -> None:
    result = verifier.verify_pem(pem(root.leaf([f"spiffe://{TD}/quantum-oracle/x"])), AT)
    assert result.ok and result.svid is not None  # a valid SVID ...
    decision = PolicyEngine(default_policy(), TD).decide(result.svid.name, Target("registry"))
    assert not decision.allowed and decision.code is Reason.UNKNOWN_COMPONENT  # ... for an unknown component
    assert "quantum-oracle" in decision.reason and "default deny" in decision.reason


def test_every_case_has_its_own_reason(root: TestCA, verifier: X509Verifier) -> None:
    key = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    cases = {
        "malformed": b"garbage",
        "not a certificate": key,
        "no uri": pem(root.leaf([])),
        "two uris": pem(root.leaf([f"spiffe://{TD}/a/b", f"spiffe://{TD}/a/c"])),
        "not spiffe": pem(root.leaf(["https://x/y"])),
        "wrong td": pem(TestCA(trust_domain="other.example").leaf()),
        "expired": pem(root.leaf(not_after=T0 + dt.timedelta(minutes=5))),
        "not yet valid": pem(root.leaf(not_before=T0 + dt.timedelta(hours=1), not_after=T0 + dt.timedelta(hours=2))),
        "leaf ca": pem(root.leaf(ca=True)),
        "key cert sign": pem(root.leaf(key_cert_sign=True)),
        "unknown authority": pem(TestCA(name="x").leaf()),
        "bad signature": pem(flip_signature_bit(root.leaf())),
    }
    codes = {name: code_of(verifier, data) for name, data in cases.items()}
    assert len(set(codes.values())) == len(cases), codes
    assert not set(codes.values()) & POLICY_REASONS  # all are credential failures, not policy decisions


def test_expired_authority_is_named_as_the_reason() -> None:
    old_root = TestCA(name="old root", valid_from=T0 - dt.timedelta(days=2), valid_until=T0)
    verifier = X509Verifier(X509Bundle(TrustDomain(TD), {old_root.cert}))
    leaf = old_root.leaf(not_before=T0 - dt.timedelta(hours=1), not_after=T0 + dt.timedelta(hours=1))
    result = verifier.verify_pem(pem(leaf), T0 + dt.timedelta(minutes=1))
    assert result.decision.code is Reason.EXPIRED and "issuing CA certificate" in result.decision.reason
