"""Render an :class:`~zsim.audit.model.AuditReport` as a rich table or as JSON.

The JSON document follows :data:`zsim.audit.schema.REPORT_SCHEMA` (``schema: "zsim-audit/1"``): fields are only
ever added within a schema version, never renamed or removed.
"""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from zsim import __version__
from zsim.audit.catalog import CHECKS
from zsim.audit.model import AuditReport, Severity

SCHEMA_ID = "zsim-audit/1"
SEVERITY_STYLE = {
    Severity.CRITICAL: "bold white on red",
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}


def check_dict(check_id: str) -> dict[str, Any]:
    c = CHECKS[check_id]
    return {
        "id": c.id,
        "name": c.name,
        "title": c.title,
        "severity": c.severity.value,
        "area": c.area,
        "rationale": c.rationale,
        "reference": c.reference,
    }


def to_json_dict(report: AuditReport) -> dict[str, Any]:
    return {
        "schema": SCHEMA_ID,
        "tool": {"name": "zsim", "version": __version__},
        "command": report.command,
        "inputs": list(report.inputs),
        "summary": report.summary,
        "checks": [check_dict(c) for c in report.checks_run],
        "findings": [f.to_dict() for f in report.sorted_findings()],
    }


def to_json(report: AuditReport) -> str:
    return json.dumps(to_json_dict(report), indent=2, ensure_ascii=False) + "\n"


def print_table(report: AuditReport, console: Console) -> None:
    findings = report.sorted_findings()
    table = Table(title=f"zsim audit {report.command}: {len(findings)} finding(s)", show_lines=False, expand=False)
    # Fixed widths for the short columns: rich then measures far less (large reports render ~2x faster).
    table.add_column("Severity", no_wrap=True, width=8)
    table.add_column("Check", no_wrap=True, width=11)
    table.add_column("Finding", overflow="fold", ratio=3)
    table.add_column("Where", overflow="fold", style="dim", ratio=1)
    for f in findings:
        where = f"{f.file}:{f.line}" if f.file and f.line else (f.file or "")
        table.add_row(Text(f.severity.value, style=SEVERITY_STYLE[f.severity]), f.check_id, f.message, where)
    if findings:
        console.print(table)
    else:
        console.print(f"zsim audit {report.command}: no findings")
    for line in summary_lines(report):
        console.print(line, soft_wrap=True, highlight=False)


def summary_lines(report: AuditReport) -> list[str]:
    s = report.summary
    counts = ", ".join(f"{k} {v}" for k, v in report.by_severity().items() if v)
    lines = [f"inputs: {', '.join(report.inputs)}"]
    if report.command in ("k8s", "credentials"):
        lines.append(
            f"read: {s.get('files', 0)} files, {s.get('objects', 0)} objects, {s.get('pod_specs', 0)} pod specs"
        )
    else:
        lines.append(f"read: {s.get('metadata_files', 0)} metadata files, {s.get('artifacts', 0)} artifacts")
    mesh = s.get("mesh_coverage")
    if isinstance(mesh, dict):
        lines.append("mesh coverage: " + ", ".join(f"{k} {v}" for k, v in mesh.items()))
    lines.append(f"findings: {counts or 'none'}")
    return lines
