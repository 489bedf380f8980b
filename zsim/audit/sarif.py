"""SARIF 2.1.0 output, in the subset GitHub code scanning accepts.

* One run; ``tool.driver`` lists every check that ran as a rule: ``id``, ``name``, ``shortDescription``
  (title), ``fullDescription`` (rationale), ``helpUri`` and ``help`` (reference), ``defaultConfiguration.level``,
  and ``properties.security-severity`` (CRITICAL 9.5, HIGH 8.0, MEDIUM 5.5, LOW 3.0; INFO has none) with the
  ``security`` tag, which is how code scanning ranks security alerts.
* Every result has ``ruleId``/``ruleIndex``, ``level`` (error for CRITICAL/HIGH, warning for MEDIUM, note
  below), ``message.text``, exactly one location with ``artifactLocation.uri`` and ``region.startLine``, a
  logical location ``Kind/namespace/name[/container]``, and ``partialFingerprints`` that do not depend on the
  line, so an alert survives edits above it.
* URIs are relative (POSIX) when the file is under ``base_dir`` (the current directory by default): code
  scanning resolves them against the repository root. Objects read from a live cluster have no file; they get
  the pseudo path ``k8s-cluster/<namespace or _cluster>/<kind>/<name>`` so the result stays valid.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from zsim import __version__
from zsim.audit.catalog import CHECKS
from zsim.audit.model import AuditReport, Finding, Severity

SARIF_SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
}
LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}


def _rule(check_id: str) -> dict[str, Any]:
    c = CHECKS[check_id]
    properties: dict[str, Any] = {
        "tags": ["security", "zero-trust", c.area],
        "precision": "high",
        "problem.severity": LEVEL[c.severity],
    }
    if c.severity in SECURITY_SEVERITY:
        properties["security-severity"] = SECURITY_SEVERITY[c.severity]
    return {
        "id": c.id,
        "name": "".join(part.capitalize() for part in c.name.split("-")),
        "shortDescription": {"text": c.title},
        "fullDescription": {"text": c.rationale},
        "helpUri": c.reference,
        "help": {
            "text": f"{c.rationale} See {c.reference}",
            "markdown": f"**{c.title}** ({c.severity.value})\n\n{c.rationale}\n\nReference: <{c.reference}>",
        },
        "defaultConfiguration": {"level": LEVEL[c.severity]},
        "properties": properties,
    }


def artifact_uri(finding: Finding, base_dir: Path) -> str:
    if finding.file is None:
        ns = finding.namespace or "_cluster"
        return f"k8s-cluster/{ns}/{finding.kind or 'Unknown'}/{finding.name or 'unnamed'}"
    path = Path(finding.file)
    absolute = path if path.is_absolute() else Path(os.path.abspath(path))
    try:
        return absolute.relative_to(base_dir.resolve()).as_posix()
    except ValueError:
        return path.as_posix() if not path.is_absolute() else absolute.as_uri()


def _fingerprint(f: Finding, uri: str) -> str:
    key = "\x1f".join(str(x) for x in (f.check_id, uri, f.kind, f.namespace, f.name, f.field, f.container, f.message))
    return hashlib.sha256(key.encode()).hexdigest()


def _result(f: Finding, rule_index: int, base_dir: Path) -> dict[str, Any]:
    uri = artifact_uri(f, base_dir)
    logical = "/".join(p for p in (f.kind, f.namespace, f.name, f.container) if p) or uri
    properties = {
        k: v
        for k, v in (
            ("severity", f.severity.value),
            ("kind", f.kind),
            ("namespace", f.namespace),
            ("name", f.name),
            ("container", f.container),
            ("field", f.field),
        )
        if v
    }
    return {
        "ruleId": f.check_id,
        "ruleIndex": rule_index,
        "level": LEVEL[f.severity],
        "message": {"text": f.message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": uri},
                    "region": {"startLine": f.line or 1},
                },
                "logicalLocations": [{"fullyQualifiedName": logical, "kind": "resource"}],
            }
        ],
        "partialFingerprints": {"zsimFinding/v1": _fingerprint(f, uri)},
        "properties": properties,
    }


def to_sarif_dict(report: AuditReport, *, base_dir: Path | None = None) -> dict[str, Any]:
    base = base_dir or Path.cwd()
    rule_ids = list(report.checks_run)
    for f in report.findings:  # a finding of a check outside checks_run still gets a rule
        if f.check_id not in rule_ids:
            rule_ids.append(f.check_id)
    index = {rid: i for i, rid in enumerate(rule_ids)}
    return {
        "$schema": SARIF_SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "zsim",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": [_rule(rid) for rid in rule_ids],
                    }
                },
                "automationDetails": {"id": f"zsim-audit-{report.command}/"},
                "invocations": [{"executionSuccessful": True}],
                "results": [_result(f, index[f.check_id], base) for f in report.sorted_findings()],
            }
        ],
    }


def to_sarif(report: AuditReport, *, base_dir: Path | None = None) -> str:
    return json.dumps(to_sarif_dict(report, base_dir=base_dir), indent=2, ensure_ascii=False) + "\n"
