"""Read Kubernetes manifests from files and folders: multi-document YAML, JSON, ``List`` kinds, kubectl dumps.

A path that does not exist is bad input (:class:`~zsim.errors.InputError`, exit code 2). Everything wrong
*inside* the input becomes a finding and the audit goes on: a malformed document (the documents before it are
kept), a non-UTF-8 or binary file, a file over the size limit, an alias bomb, a symlink loop or a symlink leading
out of the folder (never followed), and objects missing apiVersion, kind or metadata.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zsim.audit.catalog import finding
from zsim.audit.fswalk import FoundFile, walk
from zsim.audit.model import Finding
from zsim.audit.resources import Resource
from zsim.errors import InputError
from zsim.yamlio import MAX_FILE_BYTES, iter_documents, read_text

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
MAX_LIST_DEPTH = 8


@dataclass
class LoadResult:
    """What reading the input produced."""

    resources: list[Resource] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    files: int = 0
    documents: int = 0


def expand_paths(paths: Sequence[str | Path], result: LoadResult) -> list[FoundFile]:
    """The manifest files named by ``paths`` (files as given, folders walked); skipped paths become findings."""
    files: list[FoundFile] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found, skipped = walk(path, suffixes=MANIFEST_SUFFIXES)
            files.extend(found)
            for s in skipped:
                check = "ZT-IN-003" if s.escapes else "ZT-IN-001"
                result.findings.append(finding(check, f"not read: {s.reason}", file=str(s.shown)))
        elif path.is_file():
            files.append(FoundFile(path, path))
        elif path.is_symlink():
            raise InputError("broken symlink or symlink loop", file=path)
        elif path.exists():
            raise InputError("not a regular file or folder", file=path)
        else:
            raise InputError("no such file or folder", file=path)
    return files


def load_paths(paths: Sequence[str | Path], *, max_file_bytes: int = MAX_FILE_BYTES) -> LoadResult:
    """Every object in ``paths``, with findings for whatever could not be read."""
    result = LoadResult()
    for f in expand_paths(paths, result):
        result.files += 1
        try:
            text = read_text(f.real, max_bytes=max_file_bytes)
        except InputError as exc:
            result.findings.append(finding("ZT-IN-001", f"not read: {exc.message}", file=str(f.shown)))
            continue
        add_text(result, text, source=str(f.shown), is_json=f.shown.suffix.lower() == ".json")
    return result


def add_text(result: LoadResult, text: str, *, source: str, is_json: bool = False) -> None:
    """Parse one file's text into ``result`` (JSON or a YAML stream)."""
    try:
        for doc, line in _documents(text, source=source, is_json=is_json):
            result.documents += 1
            add_document(result, doc, file=source, line=line)
    except InputError as exc:
        result.findings.append(finding("ZT-IN-001", exc.message, file=source))


def _documents(text: str, *, source: str, is_json: bool) -> Iterable[tuple[Any, int | None]]:
    if not is_json:
        yield from iter_documents(text, source=source, fast=True)
        return
    try:
        doc = json.loads(text, object_pairs_hook=_no_duplicate_keys)
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: line {exc.lineno}, column {exc.colno}: {exc.msg}", file=source) from None
    except ValueError as exc:  # duplicate key
        raise InputError(f"invalid JSON: {exc}", file=source) from None
    except RecursionError:
        raise InputError("invalid JSON: nesting too deep", file=source) from None
    yield doc, 1


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key!r}")
        out[key] = value
    return out


def add_document(result: LoadResult, doc: Any, *, file: str | None, line: int | None, depth: int = 0) -> None:
    """Add one parsed document: an object, a ``*List`` of objects, or something that is neither (a finding)."""
    if doc is None:
        return
    where = {"file": file, "line": line}
    if not isinstance(doc, dict):
        what = "a list" if isinstance(doc, list) else f"a {type(doc).__name__}"
        result.findings.append(finding("ZT-IN-002", f"document is {what}, not a Kubernetes object", **where))
        return
    kind = doc.get("kind")
    if isinstance(kind, str) and kind.endswith("List") and isinstance(doc.get("items"), list):
        if depth >= MAX_LIST_DEPTH:
            result.findings.append(finding("ZT-IN-002", "List nested too deeply; inner items skipped", **where))
            return
        for i, item in enumerate(doc["items"]):
            if isinstance(item, dict) and "kind" not in item and kind != "List":
                item = {"kind": kind.removesuffix("List"), "apiVersion": doc.get("apiVersion"), **item}
            if item is None or isinstance(item, dict):
                add_document(result, item, file=file, line=line, depth=depth + 1)
            else:
                result.findings.append(finding("ZT-IN-002", f"{kind}.items[{i}] is not an object", **where))
        return
    res = Resource(obj=doc, file=file, line=line)
    missing = [k for k in ("apiVersion", "kind") if not isinstance(doc.get(k), str) or not doc.get(k)]
    if not isinstance(doc.get("metadata"), dict):
        missing.append("metadata")
    elif res.name is None:
        missing.append("metadata.name")
    if missing:
        result.findings.append(
            finding(
                "ZT-IN-002",
                f"object has no {', '.join(missing)}; checked as far as possible",
                kind=res.kind,
                name=res.name,
                **where,
            )
        )
    result.resources.append(res)
