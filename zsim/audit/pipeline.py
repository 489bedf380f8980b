"""Audit an ML pipeline run folder: artifact hashes and signatures, credentials left behind, path escapes.

Layout (the seed's): every ``metadata.json`` or ``artifact_info.json`` under the run folder describes one stage::

    {"stage": "train", "output_artifacts": [
        {"path": "train/model.bin", "sha256": "<hex>", "signature": "train/model.sig"}]}

``path`` is relative to the run folder (if it is not found there, relative to the metadata file's folder).
``sha256`` (or ``hash``, optionally ``sha256:``-prefixed) is checked by streaming the file; ``signature`` that
names a model-signing bundle in the run folder is verified against the artifact (file or folder). Bundles that
no metadata names (``*.sig`` files holding a Sigstore bundle) are verified too: against the sibling folder named
by the bundle's subject, else against the folder that holds the bundle.

Nothing outside the run folder is ever opened: artifact and signature paths go through
:func:`~zsim.audit.fswalk.resolve_inside`, and the folder walk does not follow symlinks that lead out.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from zsim.audit.catalog import PIPELINE_AREAS, checks_for, finding
from zsim.audit.fswalk import FoundFile, PathEscape, open_confined, resolve_inside, walk
from zsim.audit.model import AuditReport, Finding
from zsim.audit.signing import BundleError, Verifier, looks_like_bundle, read_expected, verify_model
from zsim.errors import InputError
from zsim.yamlio import read_text

METADATA_NAMES = ("metadata.json", "artifact_info.json")
MAX_METADATA_BYTES = 16 * 2**20
HASH_CHUNK_BYTES = 4 * 2**20


def is_credential_file(name: str) -> bool:
    return name == ".env" or name.startswith((".env.", "secrets."))


def audit_pipeline(run_dir: str | Path, *, verifier: Verifier | None = None) -> AuditReport:
    """Audit one run folder. A missing folder is bad input (:class:`InputError`)."""
    run = Path(run_dir)
    if not run.is_dir():
        raise InputError("run folder not found" if not run.exists() else "not a folder", file=run)
    verifier = verifier or Verifier()
    state = _Run(run, run.resolve(strict=True), verifier)
    files, skipped = walk(run, skip_hidden_dirs=False)
    for s in skipped:
        check = "ZT-IN-003" if s.escapes else "ZT-IN-001"
        state.findings.append(finding(check, f"not read: {s.reason}", file=str(s.shown)))
    for f in files:
        if is_credential_file(f.shown.name):
            state.findings.append(
                finding(
                    "ZT-PIPE-004",
                    f"credentials file {_rel(f.shown, run)} in the run folder",
                    kind="File",
                    name=_rel(f.shown, run),
                    file=str(f.shown),
                )
            )
    for f in files:
        if f.shown.name in METADATA_NAMES:
            state.stage(f)
    for f in files:
        if f.real not in state.bundles_seen and f.shown.suffix == ".sig" and looks_like_bundle(f.real):
            state.loose_bundle(f)
    summary = {
        "files": len(files),
        "metadata_files": state.metadata_files,
        "artifacts": state.artifacts,
        "hashes_verified": state.hashes_ok,
        "bundles": dict(state.bundle_status),
    }
    report = AuditReport(
        command="pipeline",
        inputs=[str(run)],
        findings=state.findings,
        summary=summary,
        checks_run=checks_for(PIPELINE_AREAS),
    )
    report.findings.sort(key=Finding.sort_key)
    summary["findings_by_severity"] = report.by_severity()
    summary["findings_by_check"] = report.by_check()
    return report


def _rel(path: Path, run: Path) -> str:
    try:
        return path.relative_to(run).as_posix()
    except ValueError:
        return str(path)


class _Run:
    def __init__(self, run: Path, root_real: Path, verifier: Verifier) -> None:
        self.run, self.root, self.verifier = run, root_real, verifier
        self.findings: list[Finding] = []
        self.metadata_files = self.artifacts = self.hashes_ok = 0
        self.bundle_status: dict[str, int] = {}
        self.bundles_seen: set[Path] = set()

    def stage(self, meta: FoundFile) -> None:
        self.metadata_files += 1
        where = {"kind": "StageMetadata", "file": str(meta.shown)}
        try:
            data = json.loads(read_text(meta.real, max_bytes=MAX_METADATA_BYTES))
        except InputError as exc:
            self.findings.append(finding("ZT-PIPE-007", f"not read: {exc.message}", **where))
            return
        except (json.JSONDecodeError, RecursionError) as exc:
            self.findings.append(finding("ZT-PIPE-007", f"invalid JSON: {exc}", **where))
            return
        if not isinstance(data, dict):
            self.findings.append(finding("ZT-PIPE-007", "metadata is not a JSON object", **where))
            return
        stage = str(data.get("stage") or meta.shown.parent.name)
        artifacts = data.get("output_artifacts", [])
        if not isinstance(artifacts, list):
            self.findings.append(finding("ZT-PIPE-007", f"stage {stage}: output_artifacts is not a list", **where))
            return
        for i, art in enumerate(artifacts):
            if not isinstance(art, dict) or not isinstance(art.get("path"), str) or not art["path"]:
                self.findings.append(
                    finding(
                        "ZT-PIPE-007",
                        f"stage {stage}: output_artifacts[{i}] has no path",
                        field=f"output_artifacts[{i}]",
                        **where,
                    )
                )
                continue
            self.artifact(stage, art, meta, {**where, "name": art["path"], "field": f"output_artifacts[{i}]"})

    def _resolve(self, written: str, meta: FoundFile) -> Path:
        real = resolve_inside(self.root, written)
        if not real.exists():  # fall back to the metadata file's folder, still inside the run
            rel_dir = meta.real.parent.relative_to(self.root).as_posix()
            alt = resolve_inside(self.root, f"{rel_dir}/{written}" if rel_dir != "." else written)
            if alt.exists():
                return alt
        return real

    def artifact(self, stage: str, art: dict[str, Any], meta: FoundFile, where: dict[str, Any]) -> None:
        self.artifacts += 1
        path = art["path"]
        expected = art.get("sha256") or art.get("hash")
        has_sig = bool(art.get("signature"))
        if not expected:
            self.findings.append(
                finding(
                    "ZT-PIPE-001",
                    f"stage {stage}: {path} has no hash; an upstream stage can substitute a poisoned artifact",
                    **where,
                )
            )
        if not has_sig:
            self.findings.append(finding("ZT-PIPE-002", f"stage {stage}: {path} is not signed", **where))
        try:
            real = self._resolve(path, meta)
        except PathEscape as exc:
            self.findings.append(finding("ZT-PIPE-005", f"stage {stage}: {exc}; not read", **where))
            return
        sig = art.get("signature")
        sig_path = sig if isinstance(sig, str) and sig else None
        if (expected or sig_path) and not real.exists():
            self.findings.append(finding("ZT-PIPE-006", f"stage {stage}: {path} is not in the run folder", **where))
            return
        if expected:
            self._check_hash(stage, path, str(expected), real, where)
        if sig_path:
            self._check_signature(stage, sig_path, real, meta, where)

    def _check_hash(self, stage: str, path: str, expected: str, real: Path, where: dict[str, Any]) -> None:
        if not real.is_file():
            self.findings.append(
                finding(
                    "ZT-PIPE-007",
                    f"stage {stage}: {path} is a folder; one hash cannot cover it (sign it with model_signing instead)",
                    **where,
                )
            )
            return
        want = expected.lower().removeprefix("sha256:").strip()
        digest = hashlib.sha256()
        with open_confined(real) as fh:
            while chunk := fh.read(HASH_CHUNK_BYTES):
                digest.update(chunk)
        if digest.hexdigest() != want:
            self.findings.append(
                finding(
                    "ZT-PIPE-003",
                    f"stage {stage}: {path} sha256 is {digest.hexdigest()}, metadata says {want}",
                    **where,
                )
            )
        else:
            self.hashes_ok += 1

    def _check_signature(self, stage: str, sig: str, model: Path, meta: FoundFile, where: dict[str, Any]) -> None:
        try:
            bundle = self._resolve(sig, meta)
        except PathEscape as exc:
            self.findings.append(finding("ZT-PIPE-005", f"stage {stage}: signature {exc}; not read", **where))
            return
        if not bundle.is_file() or not looks_like_bundle(bundle):
            return  # an inline or external signature: present (ZT-PIPE-002 satisfied) but not a bundle here
        self.bundles_seen.add(bundle)
        self._verify(model, bundle, where)

    def loose_bundle(self, f: FoundFile) -> None:
        self.bundles_seen.add(f.real)
        where = {"kind": "ModelSignature", "name": _rel(f.shown, self.run), "file": str(f.shown)}
        try:
            subject = read_expected(f.real).model_name
        except BundleError:
            subject = ""
        sibling = f.real.parent / subject if subject and "/" not in subject else None
        model = sibling if sibling is not None and sibling.exists() else f.real.parent
        if not model.resolve().is_relative_to(self.root):
            self.findings.append(
                finding("ZT-PIPE-005", f"{f.shown}: signed model leads out of the run folder", **where)
            )
            return
        self._verify(model.resolve(), f.real, where)

    def _verify(self, model: Path, bundle: Path, where: dict[str, Any]) -> None:
        found, status = verify_model(model, bundle, root_real=self.root, verifier=self.verifier, where=where)
        self.findings.extend(found)
        self.bundle_status[status] = self.bundle_status.get(status, 0) + 1
