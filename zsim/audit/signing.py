"""Verify a model-signing (sigstore/model-transparency) bundle against the files it covers.

The bundle is a Sigstore bundle whose DSSE payload is an in-toto statement listing every file of the model with
its digest, plus how the model was serialised (files or shards, hash algorithm, ignored paths). We:

1. parse the bundle and its payload (malformed, or a root digest that does not match the listed files:
   ZT-PIPE-008);
2. refuse to hash a model that holds a symlink leading out of the run folder (ZT-PIPE-005) - ``model_signing``
   itself is run with ``allow_symlinks=False``, so in-folder symlinks make verification fail (ZT-PIPE-008);
3. with a public key (``--public-key``) or certificate chain (``--certificate``), verify the signature with
   ``model_signing.verifying`` (hashing the model once); a bad signature or wrong key is ZT-PIPE-008;
4. when the files do not match - or no key was given, so only the manifest can be compared - hash the model
   with ``model_signing.hashing`` using the bundle's own serialisation and report every extra (ZT-PIPE-009),
   missing (ZT-PIPE-010) and changed (ZT-PIPE-011) file; without a key, ZT-PIPE-012 says the signer is unknown.

A signature file kept inside the model folder is excluded from the hashing, as the model_signing CLI does.
``model_signing`` prints a warning for old bundles on stdout; that is sent to stderr so JSON output stays clean.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zsim.audit.catalog import finding
from zsim.audit.fswalk import open_confined, walk
from zsim.audit.model import Finding

MAX_BUNDLE_BYTES = 64 * 2**20
BUNDLE_MEDIA_PREFIX = "application/vnd.dev.sigstore.bundle"


class BundleError(ValueError):
    """The bundle cannot be read as a model-signing bundle."""


@dataclass(frozen=True)
class Expected:
    """What a bundle says: the model's name, its files' digests, and how it was serialised."""

    model_name: str
    digests: dict[str, str]  # identifier -> hex digest
    serialization: dict[str, Any]
    consistent: bool  # the subject digest matches the listed resources


@dataclass(frozen=True)
class Verifier:
    """Key material for signature verification; both empty means "compare the manifest only"."""

    public_key: Path | None = None
    certificates: tuple[Path, ...] = ()

    @property
    def has_key(self) -> bool:
        return self.public_key is not None or bool(self.certificates)


def looks_like_bundle(real: Path) -> bool:
    try:
        with open_confined(real) as fh:
            head = fh.read(4096)
    except OSError:
        return False
    return b'"mediaType"' in head and BUNDLE_MEDIA_PREFIX.encode() in head


def read_expected(bundle_real: Path) -> Expected:
    try:
        with open_confined(bundle_real) as fh:
            raw = fh.read(MAX_BUNDLE_BYTES + 1)
    except OSError as exc:
        raise BundleError(f"cannot read bundle: {exc.strerror or exc}") from None
    if len(raw) > MAX_BUNDLE_BYTES:
        raise BundleError(f"bundle larger than {MAX_BUNDLE_BYTES} bytes")
    try:
        bundle = json.loads(raw.decode("utf-8"))
        if not str(bundle.get("mediaType", "")).startswith(BUNDLE_MEDIA_PREFIX):
            raise BundleError(f"not a Sigstore bundle (mediaType {bundle.get('mediaType')!r})")
        payload = json.loads(base64.b64decode(bundle["dsseEnvelope"]["payload"], validate=True))
        predicate = payload["predicate"]
        subject = payload["subject"][0]
        resources = predicate["resources"]
        digests = {str(r["name"]): str(r["digest"]).lower() for r in resources}
        root = hashlib.sha256(b"".join(bytes.fromhex(str(r["digest"])) for r in resources)).hexdigest()
        return Expected(
            model_name=str(subject.get("name", "")),
            digests=digests,
            serialization=dict(predicate["serialization"]),
            consistent=root == str(subject["digest"]["sha256"]).lower(),
        )
    except BundleError:
        raise
    except (ValueError, KeyError, IndexError, TypeError, AttributeError) as exc:
        raise BundleError(f"malformed model-signing bundle ({type(exc).__name__}: {exc})") from None


def _hashing_config(expected: Expected, model_real: Path, bundle_real: Path) -> Any:
    from model_signing import hashing

    ser = expected.serialization
    algorithm = str(ser.get("hash_type", "sha256"))
    ignore = [Path(p) for p in ser.get("ignore_paths", []) if isinstance(p, str)]
    if model_real.is_dir() and bundle_real.is_relative_to(model_real):
        ignore.append(bundle_real.relative_to(model_real))
    config = hashing.Config()
    if ser.get("method") == "shards":
        config.use_shard_serialization(
            hashing_algorithm=algorithm, shard_size=int(ser["shard_size"]), allow_symlinks=False
        )
    elif ser.get("method", "files") == "files":
        config.use_file_serialization(hashing_algorithm=algorithm, allow_symlinks=False)
    else:
        raise BundleError(f"unknown serialization method {ser.get('method')!r}")
    config.set_ignored_paths(paths=ignore, ignore_git_paths=False)
    return config


def verify_model(
    model_real: Path, bundle_real: Path, *, root_real: Path, verifier: Verifier, where: dict[str, Any]
) -> tuple[list[Finding], str]:
    """Findings for one (model, bundle) pair, and a status: verified, mismatch, unverified or invalid."""
    label = f"{where.get('name')}: bundle {bundle_real.relative_to(root_real)}"
    try:
        expected = read_expected(bundle_real)
    except BundleError as exc:
        return [finding("ZT-PIPE-008", f"{label}: {exc}", **where)], "invalid"
    if model_real.is_dir():
        _, skipped = walk(model_real, skip_hidden_dirs=False)
        escapes = [s for s in skipped if s.escapes]
        if escapes:
            return [
                finding("ZT-PIPE-005", f"{label}: model holds {s.shown} ({s.reason}); not hashed", **where)
                for s in escapes
            ], "invalid"
    if not expected.consistent:
        return [
            finding(
                "ZT-PIPE-008",
                f"{label}: manifest inconsistent (subject digest does not match the listed files)",
                **where,
            )
        ], "invalid"
    try:
        config = _hashing_config(expected, model_real, bundle_real)
    except (BundleError, ValueError, KeyError) as exc:
        return [finding("ZT-PIPE-008", f"{label}: {exc}", **where)], "invalid"
    if verifier.has_key:
        error = _verify_signature(model_real, bundle_real, config, verifier)
        if error is None:
            return [], "verified"
        if not error.startswith("Signature mismatch"):
            return [finding("ZT-PIPE-008", f"{label}: {error}", **where)], "invalid"
        config = _hashing_config(expected, model_real, bundle_real)
    try:
        with contextlib.redirect_stdout(sys.stderr):
            actual_manifest = config.hash(model_real)
    except (ValueError, OSError) as exc:
        return [finding("ZT-PIPE-008", f"{label}: cannot hash the model: {exc}", **where)], "invalid"
    actual = {rd.identifier: rd.digest.digest_hex for rd in actual_manifest.resource_descriptors()}
    out = diff_findings(expected.digests, actual, label=label, where=where)
    if not verifier.has_key:
        out.append(
            finding(
                "ZT-PIPE-012",
                f"{label}: signature not verified (no --public-key or --certificate); "
                f"{'files match the manifest' if not out else 'files differ from the manifest'}",
                **where,
            )
        )
        return out, "unverified"
    return out, "mismatch"


def _verify_signature(model_real: Path, bundle_real: Path, config: Any, verifier: Verifier) -> str | None:
    from model_signing import verifying

    vconfig = verifying.Config()
    if verifier.public_key is not None:
        vconfig.use_elliptic_key_verifier(public_key=verifier.public_key)
    else:
        vconfig.use_certificate_verifier(certificate_chain=list(verifier.certificates))
    vconfig.set_hashing_config(config)
    try:
        with contextlib.redirect_stdout(sys.stderr):
            vconfig.verify(model_real, bundle_real)
    except Exception as exc:  # model_signing raises ValueError, cryptography errors, protobuf errors, ...
        return str(exc) or type(exc).__name__
    return None


def diff_findings(
    expected: dict[str, str], actual: dict[str, str], *, label: str, where: dict[str, Any]
) -> list[Finding]:
    out: list[Finding] = []
    for name in sorted(set(actual) - set(expected)):
        out.append(finding("ZT-PIPE-009", f"{label}: extra file {name} not covered by the signature", **where))
    for name in sorted(set(expected) - set(actual)):
        out.append(finding("ZT-PIPE-010", f"{label}: signed file {name} is missing", **where))
    for name in sorted(set(expected) & set(actual)):
        if expected[name] != actual[name].lower():
            out.append(
                finding(
                    "ZT-PIPE-011",
                    f"{label}: {name} changed since signing (expected "
                    f"{expected[name][:16]}..., found {actual[name][:16]}...)",
                    **where,
                )
            )
    return out


def key_paths(public_key: str | Path | None, certificates: Sequence[str | Path]) -> Verifier:
    """A :class:`Verifier` from CLI paths; missing files are bad input."""
    from zsim.errors import InputError

    for p in [public_key, *certificates]:
        if p is not None and not Path(p).is_file():
            raise InputError("key or certificate file not found", file=p)
    return Verifier(Path(public_key) if public_key else None, tuple(Path(c) for c in certificates))
