"""Artifact signatures made with ``model_signing`` 1.1.1, offline: an elliptic key, or a key and certificate.

Signing hashes the folder with model_signing's shard serialization (parallel shards, the scheme the simulator
models) and writes a Sigstore bundle (DSSE envelope over an in-toto statement). Verification runs
model_signing's own verifier; its exceptions are mapped to a :class:`~zsim.artifacts.result.Reason`. Before
that, the signer certificate carried in the bundle (certificate mode) is read to name the reason when it
belongs to another trust domain or to a workload not allowed to sign; the real chain check still runs and
decides.

``mode="hash"`` recomputes the folder's manifest with the hashing configuration recorded in the bundle and
compares digests without checking the signature (digest pinning).
"""

from __future__ import annotations

import ast
import base64
import json
import re
from pathlib import Path
from typing import Any

import model_signing
from cryptography import x509
from cryptography.exceptions import InvalidSignature

from zsim.artifacts.manifest import DEFAULT_SHARD_BYTES
from zsim.artifacts.native import identity_problems
from zsim.artifacts.result import Problem, Reason, VerificationResult
from zsim.artifacts.trust import Trust, spiffe_id_of

MEDIA_TYPE = "application/vnd.dev.sigstore.bundle"


def _hashing(shard_bytes: int, ignore: list[Path]) -> model_signing.hashing.Config:
    cfg = model_signing.hashing.Config().use_shard_serialization(shard_size=shard_bytes)
    return cfg.set_ignored_paths(paths=ignore, ignore_git_paths=True)


def _inside(path: Path, root: Path) -> list[Path]:
    try:
        return [path.resolve().relative_to(root.resolve())]
    except ValueError:
        return []


def sign_model_signing(
    model_dir: Path,
    out: Path,
    key_path: Path,
    *,
    cert_path: Path | None = None,
    chain_paths: tuple[Path, ...] = (),
    shard_bytes: int = DEFAULT_SHARD_BYTES,
) -> None:
    """Sign ``model_dir`` into the bundle ``out`` with a private key (and a signing certificate and chain)."""
    cfg = model_signing.signing.Config().set_hashing_config(_hashing(shard_bytes, _inside(out, model_dir)))
    if cert_path is None:
        cfg = cfg.use_elliptic_key_signer(private_key=key_path)
    else:
        chain = list(chain_paths) or [cert_path]  # model_signing needs a non-empty chain file list
        cfg = cfg.use_certificate_signer(
            private_key=key_path, signing_certificate=cert_path, certificate_chain=chain
        )
    cfg.sign(model_dir, out)


def is_model_signing_bundle(bundle: Path) -> bool:
    try:
        return str(json.loads(bundle.read_text(encoding="utf-8")).get("mediaType", "")).startswith(MEDIA_TYPE)
    except (OSError, ValueError, AttributeError):
        return False


def _bundle(bundle: Path) -> tuple[dict[str, Any], list[x509.Certificate]]:
    data = json.loads(bundle.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not str(data.get("mediaType", "")).startswith(MEDIA_TYPE):
        raise ValueError("not a Sigstore bundle")
    chain = data.get("verificationMaterial", {}).get("x509CertificateChain", {}).get("certificates", [])
    certs = [x509.load_der_x509_certificate(base64.b64decode(c["rawBytes"])) for c in chain]
    statement = json.loads(base64.b64decode(data["dsseEnvelope"]["payload"]))
    if not isinstance(statement, dict) or "predicate" not in statement:
        raise ValueError("bundle payload is not an in-toto statement")
    return statement, certs


def _file_of(name: str, method: str) -> str:
    """model_signing names shards ``path:start:end``; the file is what a reader cares about."""
    return name.rsplit(":", 2)[0] if method == "shards" else name


def _map_error(exc: Exception, method: str) -> list[Problem]:
    text = str(exc)
    if isinstance(exc, InvalidSignature) or "Key mismatch" in text:
        return [
            Problem(Reason.BAD_SIGNATURE, text.strip() or "signature does not verify under the trusted key")
        ]
    if type(exc).__name__ == "X509StoreContextError" or "cannot be used for signing" in text:
        return [Problem(Reason.UNTRUSTED_SIGNER, f"certificate chain rejected: {text}")]
    if not text.startswith("Signature mismatch"):
        return [Problem(Reason.MALFORMED, f"{type(exc).__name__}: {text}")]
    try:  # model_signing formats the differences as "Signature mismatch: [<python list of str>]"
        items = ast.literal_eval(text.split(":", 1)[1].strip())
    except (ValueError, SyntaxError):
        items = []
    extra: set[str] = set()
    missing: set[str] = set()
    changed: set[str] = set()
    for item in items if isinstance(items, list) else []:
        item = str(item)
        if item.startswith(("Extra files", "Missing files")):
            names = {_file_of(n, method) for n in item.split(": ", 1)[-1].split(", ")}
            (extra if item.startswith("Extra") else missing).update(names)
        elif match := re.match(r"Hash mismatch for '(.*?)'", item):
            changed.add(_file_of(match.group(1), method))
    changed |= extra & missing  # a file whose size changed shows as one shard gone and another new
    extra -= changed
    missing -= changed
    out = []
    if missing:
        out.append(Problem(Reason.MISSING_FILE, "signed file(s) missing: " + ", ".join(sorted(missing))))
    if extra:
        out.append(
            Problem(Reason.EXTRA_FILE, "file(s) not covered by the signature: " + ", ".join(sorted(extra)))
        )
    out += [
        Problem(Reason.TAMPERED, f"content of {f} differs from its signed digest") for f in sorted(changed)
    ]
    return out or [Problem(Reason.TAMPERED, text)]


def verify_model_signing(
    model_dir: Path,
    bundle: Path,
    trust: Trust | None,
    *,
    mode: str = "signature",
    trust_domain: str | None = None,
    expected_signer: str | None = None,
) -> VerificationResult:
    try:
        statement, certs = _bundle(bundle)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return VerificationResult.failed(
            [Problem(Reason.MALFORMED, f"{bundle.name}: {exc}")], signer=None, mode=mode
        )
    signer = spiffe_id_of(certs[0]) if certs else None
    if mode == "hash":
        return _verify_digests(model_dir, bundle, statement, signer)
    problems: list[Problem] = []
    if trust is None:
        problems.append(Problem(Reason.UNTRUSTED_SIGNER, "no trust bundle or key given"))
    elif certs and trust.roots:
        # name the reason first (model_signing validates the chain at the leaf's notBefore, as we do here)
        at = certs[0].not_valid_before_utc
        problems += [
            p
            for p in identity_problems(certs[0], certs[1:], signer, trust, at, trust_domain, expected_signer)
            if p.reason != Reason.UNTRUSTED_SIGNER
        ]
    try:
        hashing, method = _hashing_from_statement(statement, model_dir, bundle)
    except (KeyError, TypeError, ValueError) as exc:
        problems.append(Problem(Reason.MALFORMED, f"{bundle.name}: {exc}"))
        return VerificationResult.failed(problems, signer=signer, mode=mode)
    cfg = model_signing.verifying.Config().set_hashing_config(hashing)
    if trust is not None and trust.public_key is not None:
        cfg = cfg.use_elliptic_key_verifier(public_key=trust.path)
    elif trust is not None:
        cfg = cfg.use_certificate_verifier(certificate_chain=[trust.path])
    if trust is not None:
        try:
            cfg.verify(model_dir, bundle)
        except Exception as exc:  # model_signing raises ValueError, InvalidSignature and OpenSSL errors
            problems += _map_error(exc, method)
    if problems:
        return VerificationResult.failed(problems, signer=signer, mode=mode)
    return VerificationResult.passed(signer=signer, mode=mode)


def _hashing_from_statement(
    statement: dict[str, Any], model_dir: Path, bundle: Path
) -> tuple[model_signing.hashing.Config, str]:
    """The hashing configuration recorded in the bundle (model_signing's own guess turns the shard size into a
    float after the protobuf round trip and then fails, so we rebuild it with an integer)."""
    ser = statement["predicate"]["serialization"]
    ignore = [Path(p) for p in ser.get("ignore_paths", [])] + _inside(bundle, model_dir)
    if ser["method"] == "shards":
        cfg = model_signing.hashing.Config().use_shard_serialization(
            hashing_algorithm=ser["hash_type"], shard_size=int(ser["shard_size"])
        )
    elif ser["method"] == "files":
        cfg = model_signing.hashing.Config().use_file_serialization(hashing_algorithm=ser["hash_type"])
    else:
        raise ValueError(f"unknown serialization {ser['method']!r}")
    return cfg.set_ignored_paths(paths=ignore, ignore_git_paths=False), str(ser["method"])


def _verify_digests(
    model_dir: Path, bundle: Path, statement: dict[str, Any], signer: str | None
) -> VerificationResult:
    try:
        cfg, method = _hashing_from_statement(statement, model_dir, bundle)
        resources = {r["name"]: r["digest"] for r in statement["predicate"]["resources"]}
    except (KeyError, TypeError, ValueError) as exc:
        return VerificationResult.failed(
            [Problem(Reason.MALFORMED, f"{bundle.name}: {exc}")], signer=signer, mode="hash"
        )
    actual = {rd.identifier: rd.digest.digest_hex for rd in cfg.hash(model_dir).resource_descriptors()}

    def file_of(name: str) -> str:
        return _file_of(name, method)

    problems = []
    files_exp = {file_of(name) for name in resources}
    files_act = {file_of(name) for name in actual}
    if files_exp - files_act:
        missing = ", ".join(sorted(files_exp - files_act))
        problems.append(Problem(Reason.MISSING_FILE, f"signed file(s) missing: {missing}"))
    if files_act - files_exp:
        extra = ", ".join(sorted(files_act - files_exp))
        problems.append(Problem(Reason.EXTRA_FILE, f"file(s) not covered by the signature: {extra}"))
    changed = sorted(
        {
            file_of(n)
            for n in set(resources) | set(actual)
            if file_of(n) in files_exp & files_act and resources.get(n) != actual.get(n)
        }
    )
    problems += [Problem(Reason.TAMPERED, f"content of {f} differs from its signed digest") for f in changed]
    if problems:
        return VerificationResult.failed(problems, signer=signer, mode="hash")
    return VerificationResult.passed(signer=signer, mode="hash")
