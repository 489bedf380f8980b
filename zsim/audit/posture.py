"""From audit to what-if: turn the findings of ``zsim audit k8s`` into a tier file the simulator can run.

The file is ``{name, description, controls: {control: {param: value}}}`` with four controls. A control is set
to its weak value when the findings below are present, and to its hardened value when they are absent:

====================  =================================  ==============================================
control.param         weak value (finding present)        findings
====================  =================================  ==============================================
network_policy        default_deny: false                 ZT-NET-001 (a namespace without default-deny)
mtls                  mode: permissive / mode: "off"      ZT-MESH-002 / ZT-MESH-003 ("off" only when every
                                                          workload's effective mode is DISABLE)
container_hardening   enabled: false                      ZT-WL-001 privileged, ZT-NET-002 hostNetwork,
                                                          ZT-WL-002 hostPID
credential_hygiene    enabled: false                      ZT-CRED-001 literal credentials,
                                                          ZT-CRED-004 legacy SA token Secrets
====================  =================================  ==============================================

Hardened values: ``default_deny: true``, ``mode: strict``, ``enabled: true``. A comment header in the file says
which findings produced each line. The file is written atomically.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from zsim.audit.model import AuditReport
from zsim.errors import InputError
from zsim.fsutil import write_text_atomic

CONTROL_FINDINGS: dict[str, tuple[str, ...]] = {
    "network_policy": ("ZT-NET-001",),
    "mtls": ("ZT-MESH-002", "ZT-MESH-003"),
    "container_hardening": ("ZT-WL-001", "ZT-NET-002", "ZT-WL-002"),
    "credential_hygiene": ("ZT-CRED-001", "ZT-CRED-004"),
}


def posture_controls(report: AuditReport) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """``(controls, why)``: each control's parameters, and a sentence per control naming its findings."""
    counts = Counter(f.check_id for f in report.findings)
    controls: dict[str, dict[str, Any]] = {}
    why: dict[str, str] = {}

    def cite(control: str) -> str:
        found = [f"{cid} x{counts[cid]}" for cid in CONTROL_FINDINGS[control] if counts.get(cid)]
        return ", ".join(found) if found else f"no {' / '.join(CONTROL_FINDINGS[control])} finding"

    missing = report.summary.get("namespaces_without_default_deny") or []
    controls["network_policy"] = {"default_deny": not counts.get("ZT-NET-001")}
    why["network_policy"] = cite("network_policy") + (
        f" (namespaces without default-deny: {_short_list(missing)})" if missing else ""
    )

    modes = report.summary.get("mtls_modes") or {}
    pods = int(report.summary.get("pod_specs") or 0)
    if pods and modes.get("DISABLE") == pods:
        mode, detail = "off", "every workload's effective PeerAuthentication mode is DISABLE"
    elif counts.get("ZT-MESH-002") or counts.get("ZT-MESH-003"):
        mode = "permissive"
        detail = (
            f"workload modes: STRICT {modes.get('STRICT', 0)}, PERMISSIVE {modes.get('PERMISSIVE', 0)} "
            f"(unset {modes.get('unset', 0)}), DISABLE {modes.get('DISABLE', 0)}"
        )
        if pods and modes.get("STRICT") == pods:
            detail += "; the weaker settings are port-level or in policies no workload takes its mode from"
    else:
        mode, detail = "strict", "every workload is STRICT"
    controls["mtls"] = {"mode": mode}
    why["mtls"] = f"{cite('mtls')} ({detail})"

    for control in ("container_hardening", "credential_hygiene"):
        controls[control] = {"enabled": not any(counts.get(c) for c in CONTROL_FINDINGS[control])}
        why[control] = cite(control)
    return controls, why


def _short_list(items: list[str], limit: int = 6) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f", ... (+{len(items) - limit} more)" if len(items) > limit else "")


def posture_document(report: AuditReport, *, name: str | None = None) -> dict[str, Any]:
    controls, _ = posture_controls(report)
    return {
        "name": name or default_name(report),
        "description": f"Posture observed by `zsim audit {report.command}` in {', '.join(report.inputs)}: "
        f"{report.summary.get('objects', 0)} objects, {report.summary.get('pod_specs', 0)} pod specs.",
        "controls": controls,
    }


def default_name(report: AuditReport) -> str:
    base = Path(report.inputs[0]).name if report.inputs else "cluster"
    slug = "".join(ch if ch.isalnum() else "-" for ch in base.lower()).strip("-") or "cluster"
    return f"audited-{slug}"


def posture_yaml(report: AuditReport, *, name: str | None = None) -> str:
    doc = posture_document(report, name=name)
    _, why = posture_controls(report)
    sev = ", ".join(f"{k} {v}" for k, v in report.by_severity().items() if v) or "none"
    header = [
        f"# zsim posture generated by `zsim audit {report.command}` from: {', '.join(report.inputs)}",
        f"# {len(report.findings)} findings ({sev}). Use it as a tier: the simulator runs this posture.",
        "# Each control line and the findings that produced it:",
    ]
    for control, params in doc["controls"].items():
        setting = ", ".join(f"{k}={json.dumps(v)}" for k, v in params.items())
        header.append(f"#   {control}.{setting}  <-  {why[control]}")
    body = yaml.safe_dump(doc, sort_keys=False, default_flow_style=False, width=100, allow_unicode=True)
    return "\n".join(header) + "\n" + body


def write_posture(report: AuditReport, path: str | Path, *, name: str | None = None) -> Path:
    """Write the posture file atomically (temporary file, then rename)."""
    target = Path(path)
    if target.exists() and target.is_dir():
        raise InputError("is a folder, expected a file name for the posture", file=target)
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise InputError("folder for the posture file does not exist", file=target)
    text = posture_yaml(report, name=name)
    return write_text_atomic(target, text)
