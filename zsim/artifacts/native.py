"""Artifact signatures made directly with ``cryptography`` (ECDSA P-256 or Ed25519).

The bundle is a JSON envelope::

    {"format": "zsim.artifact-signature/v1", "algorithm": "ecdsa-p256-sha256" | "ed25519",
     "payload": base64(canonical JSON statement), "signature": base64(...),
     "certificates": [leaf PEM, chain PEM...]}          # absent for plain key signing

The statement names the sharded SHA-256 manifest of every file (:mod:`zsim.artifacts.manifest`), the shard
size, the signer's SPIFFE ID and the signing time. The signature covers ``PREFIX + payload`` (domain
separation, as DSSE's PAE does for model_signing bundles).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from zsim.artifacts import manifest as mf
from zsim.artifacts.result import Problem, Reason, VerificationResult
from zsim.artifacts.trust import (
    ChainError,
    PrivateKey,
    PublicKey,
    Trust,
    cert_pem,
    spiffe_id_of,
    trust_domain_of,
    verify_signer_chain,
)

FORMAT = "zsim.artifact-signature/v1"
PREFIX = FORMAT.encode() + b"\n"


def _algorithm(key: PrivateKey | PublicKey) -> str:
    if isinstance(key, ed25519.Ed25519PrivateKey | ed25519.Ed25519PublicKey):
        return "ed25519"
    if (
        isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey)
        and key.curve.name == "secp256r1"
    ):
        return "ecdsa-p256-sha256"
    raise ValueError("native signing supports ECDSA P-256 and Ed25519 keys")


def _sign(key: PrivateKey, data: bytes) -> bytes:
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return key.sign(data)
    return key.sign(data, ec.ECDSA(hashes.SHA256()))


def _verify(key: PublicKey, signature: bytes, data: bytes) -> None:
    if isinstance(key, ed25519.Ed25519PublicKey):
        key.verify(signature, data)
    else:
        key.verify(signature, data, ec.ECDSA(hashes.SHA256()))


def sign_native(
    model_dir: Path,
    out: Path,
    key: PrivateKey,
    *,
    certificates: list[x509.Certificate] | None = None,
    shard_bytes: int = mf.DEFAULT_SHARD_BYTES,
    workers: int | None = None,
) -> dict[str, Any]:
    """Hash ``model_dir`` and write a signed envelope to ``out``; returns the envelope."""
    certificates = certificates or []
    signer = spiffe_id_of(certificates[0]) if certificates else None
    files = mf.hash_tree(model_dir, shard_bytes=shard_bytes, workers=workers, ignore=frozenset({out}))
    statement = {
        "artifact": model_dir.name,
        "hash": "sha256",
        "shard_bytes": shard_bytes,
        "files": {rel: d.to_json() for rel, d in files.items()},
        "signer": signer,
        "signed_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
    }
    payload = json.dumps(statement, sort_keys=True, separators=(",", ":")).encode()
    envelope: dict[str, Any] = {
        "format": FORMAT,
        "algorithm": _algorithm(key),
        "payload": base64.b64encode(payload).decode(),
        "signature": base64.b64encode(_sign(key, PREFIX + payload)).decode(),
    }
    if certificates:
        envelope["certificates"] = [cert_pem(c).decode() for c in certificates]
    out.write_text(json.dumps(envelope, indent=1) + "\n", encoding="utf-8")
    return envelope


def _parse(bundle: Path) -> tuple[dict[str, Any], bytes, bytes, list[x509.Certificate]]:
    env = json.loads(bundle.read_text(encoding="utf-8"))
    if not isinstance(env, dict) or env.get("format") != FORMAT:
        raise ValueError(f"not a {FORMAT} envelope")
    payload = base64.b64decode(env["payload"], validate=True)
    signature = base64.b64decode(env["signature"], validate=True)
    certs = [x509.load_pem_x509_certificate(p.encode()) for p in env.get("certificates", [])]
    statement = json.loads(payload)
    if not isinstance(statement, dict) or not isinstance(statement.get("files"), dict):
        raise ValueError("statement has no file manifest")
    return statement, payload, signature, certs


def is_native_bundle(bundle: Path) -> bool:
    try:
        return json.loads(bundle.read_text(encoding="utf-8")).get("format") == FORMAT
    except (OSError, ValueError, AttributeError):
        return False


def verify_native(
    model_dir: Path,
    bundle: Path,
    trust: Trust | None,
    *,
    mode: str = "signature",
    trust_domain: str | None = None,
    expected_signer: str | None = None,
    workers: int | None = None,
) -> VerificationResult:
    """Check ``model_dir`` against a native envelope.

    ``mode="signature"``: signer identity (trust domain, allowed signer), certificate chain to ``trust`` (or
    the trusted public key), signature, then the files. ``mode="hash"``: only the files against the recorded
    digests (what pinning a registry digest gives: no identity is checked).
    """
    try:
        statement, payload, signature, certs = _parse(bundle)
        expected = {rel: mf.FileDigest.from_json(d) for rel, d in statement["files"].items()}
        shard_bytes = int(statement["shard_bytes"])
        signed_at = dt.datetime.fromisoformat(statement["signed_at"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return VerificationResult.failed(
            [Problem(Reason.MALFORMED, f"{bundle.name}: {exc}")], signer=None, mode=mode
        )
    signer = spiffe_id_of(certs[0]) if certs else None
    problems: list[Problem] = []
    if mode == "signature":
        problems += _identity_problems(certs, signer, trust, signed_at, trust_domain, expected_signer)
        key = certs[0].public_key() if certs else (trust.public_key if trust else None)
        if key is None:
            problems.append(
                Problem(Reason.UNTRUSTED_SIGNER, "bundle carries no certificate and no key is trusted")
            )
        else:
            try:
                _verify(key, signature, PREFIX + payload)  # type: ignore[arg-type]
            except (InvalidSignature, TypeError):
                problems.append(Problem(Reason.BAD_SIGNATURE, "signature does not verify over the statement"))
    actual = mf.hash_tree(model_dir, shard_bytes=shard_bytes, workers=workers, ignore=frozenset({bundle}))
    problems += mf.compare(expected, actual)
    if problems:
        return VerificationResult.failed(problems, signer=signer, mode=mode)
    return VerificationResult.passed(signer=signer, mode=mode)


def _identity_problems(
    certs: list[x509.Certificate],
    signer: str | None,
    trust: Trust | None,
    signed_at: dt.datetime,
    trust_domain: str | None,
    expected_signer: str | None,
) -> list[Problem]:
    if trust is None:
        return [Problem(Reason.UNTRUSTED_SIGNER, "no trust bundle or key given")]
    if not certs:  # plain key signing: the trusted key is the identity
        if trust.public_key is None:
            return [
                Problem(Reason.UNTRUSTED_SIGNER, "bundle has no certificate to chain to the trust bundle")
            ]
        return []
    if trust.public_key is not None:
        return (
            []
            if trust.public_key == certs[0].public_key()
            else [Problem(Reason.BAD_SIGNATURE, "signer's key is not the trusted key")]
        )
    return identity_problems(certs[0], certs[1:], signer, trust, signed_at, trust_domain, expected_signer)


def identity_problems(
    leaf: x509.Certificate,
    intermediates: list[x509.Certificate],
    signer: str | None,
    trust: Trust,
    at: dt.datetime,
    trust_domain: str | None,
    expected_signer: str | None,
) -> list[Problem]:
    """Trust-domain, allowed-signer and chain checks of a signer certificate (shared by both formats)."""
    problems = []
    if signer is None:
        return [Problem(Reason.UNTRUSTED_SIGNER, "signer certificate carries no SPIFFE ID")]
    signer_td = trust_domain_of(signer)
    if trust_domain is not None and signer_td != trust_domain:
        problems.append(
            Problem(
                Reason.WRONG_TRUST_DOMAIN, f"signed by trust domain {signer_td!r}, expected {trust_domain!r}"
            )
        )
    elif expected_signer is not None and signer != expected_signer:
        problems.append(Problem(Reason.WRONG_SIGNER, f"signed by {signer}, only {expected_signer} may sign"))
    try:
        verify_signer_chain(leaf, intermediates, trust.roots, at)
    except ChainError as exc:
        problems.append(Problem(Reason.UNTRUSTED_SIGNER, f"certificate chain rejected: {exc}"))
    return problems
