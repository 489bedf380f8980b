"""Sign and verify real artifact folders: one entry point for both bundle formats.

``format="model_signing"`` uses the model_signing library (offline elliptic-key or certificate signing);
``format="native"`` signs a sharded SHA-256 manifest directly with ``cryptography`` (ECDSA P-256 or Ed25519).
Verification reads the format from the bundle. Missing or unreadable inputs (folder, key, certificate, bundle,
trust bundle) raise :class:`~zsim.errors.InputError` (exit code 2 on the command line); a check that runs and
fails returns a :class:`~zsim.artifacts.result.VerificationResult` with its reason.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from cryptography.hazmat.primitives.asymmetric import ec

from zsim.artifacts import native
from zsim.artifacts.manifest import DEFAULT_SHARD_BYTES
from zsim.artifacts.result import Problem, Reason, VerificationResult
from zsim.artifacts.trust import load_certificates, load_private_key, load_trust
from zsim.errors import InputError

Format = Literal["model_signing", "native"]
Mode = Literal["signature", "hash"]


def _folder(path: str | Path) -> Path:
    p = Path(path)
    if not p.is_dir():
        raise InputError("artifact folder not found (expected a directory)", file=p)
    return p


def sign_artifact(
    model_dir: str | Path,
    signature: str | Path,
    *,
    key: str | Path,
    cert: str | Path | None = None,
    chain: tuple[str | Path, ...] = (),
    format: Format = "model_signing",
    shard_bytes: int = DEFAULT_SHARD_BYTES,
) -> Path:
    """Sign the folder ``model_dir`` with the private key ``key`` (PEM); writes and returns the bundle path.

    With ``cert`` (the signer's leaf certificate) and ``chain`` (issuing CA certificates), the bundle carries
    the signer's SPIFFE identity, which verifiers check against their trust bundle and trust domain.
    """
    folder = _folder(model_dir)
    out = Path(signature)
    private_key = load_private_key(key)
    certs = load_certificates(cert, "signing certificate") if cert is not None else []
    for c in chain:
        certs += load_certificates(c, "certificate chain")
    if certs and certs[0].public_key() != private_key.public_key():
        raise InputError("signing certificate does not match the signing key", file=cert)
    if not out.parent.is_dir():
        raise InputError("folder for the signature bundle does not exist", file=out.parent)
    if format == "model_signing":
        if not isinstance(private_key, ec.EllipticCurvePrivateKey):
            raise InputError(
                "model_signing signs with elliptic-curve keys only; use format 'native' for Ed25519", file=key
            )
        from zsim.artifacts import msig  # model_signing is slow to import: only when used

        msig.sign_model_signing(
            folder,
            out,
            Path(key),
            cert_path=Path(cert) if cert else None,
            chain_paths=tuple(Path(c) for c in chain),
            shard_bytes=shard_bytes,
        )
    elif format == "native":
        native.sign_native(folder, out, private_key, certificates=certs, shard_bytes=shard_bytes)
    else:
        raise InputError(f"unknown signature format {format!r} (use model_signing or native)", field="format")
    return out


def verify_artifact(
    model_dir: str | Path,
    signature: str | Path,
    *,
    trust: str | Path | None = None,
    mode: Mode = "signature",
    trust_domain: str | None = None,
    expected_signer: str | None = None,
) -> VerificationResult:
    """Really check ``model_dir`` against the bundle ``signature``.

    ``mode="signature"`` needs ``trust`` (a trust bundle of CA certificates, or a public key) and checks, in
    order, the signer's trust domain (``trust_domain``), the allowed signer (``expected_signer``), the
    certificate chain, the signature and every file. ``mode="hash"`` checks only the files against the digests
    recorded in the bundle.
    """
    folder = _folder(model_dir)
    bundle = Path(signature)
    if not bundle.is_file():
        raise InputError("signature bundle not found", file=bundle)
    if mode not in ("signature", "hash"):
        raise InputError(f"unknown verification mode {mode!r} (use signature or hash)", field="mode")
    if mode == "signature" and trust is None:
        raise InputError("signature verification needs a trust bundle or public key", field="trust")
    trusted = load_trust(trust) if trust is not None else None
    if native.is_native_bundle(bundle):
        return native.verify_native(
            folder, bundle, trusted, mode=mode, trust_domain=trust_domain, expected_signer=expected_signer
        )
    from zsim.artifacts import msig

    if msig.is_model_signing_bundle(bundle):
        return msig.verify_model_signing(
            folder, bundle, trusted, mode=mode, trust_domain=trust_domain, expected_signer=expected_signer
        )
    return VerificationResult.failed(
        [
            Problem(
                Reason.MALFORMED,
                f"{bundle.name} is neither a model_signing bundle nor a {native.FORMAT} envelope",
            )
        ],
        signer=None,
        mode=mode,
    )
