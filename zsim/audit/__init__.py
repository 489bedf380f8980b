"""Auditors that read real Kubernetes manifests (or a live cluster), pipeline run folders and credentials, and
turn what they find into findings, reports (table, JSON, SARIF) and a posture the simulator can run.

Python API (the CLI in :mod:`zsim.audit.cli` is a thin layer over it)::

    from zsim.audit import audit_manifests, to_json, posture_yaml
    report = audit_manifests(["deploy/"])
    print(report.by_severity())

Module map: :mod:`~zsim.audit.loader` and :mod:`~zsim.audit.kubectl` read objects; :mod:`~zsim.audit.resources`
sees them as one cluster; :mod:`~zsim.audit.podspecs` finds pod specs generically; the checks live in
:mod:`~zsim.audit.checks_network`, :mod:`~zsim.audit.checks_workload`, :mod:`~zsim.audit.mesh` and
:mod:`~zsim.audit.credentials`; :mod:`~zsim.audit.pipeline` and :mod:`~zsim.audit.signing` audit run folders;
:mod:`~zsim.audit.catalog` lists every check; :mod:`~zsim.audit.render`, :mod:`~zsim.audit.sarif`,
:mod:`~zsim.audit.compliance` and :mod:`~zsim.audit.posture` turn a report into output.
"""

from zsim.audit.catalog import CHECKS
from zsim.audit.compliance import compliance_lines
from zsim.audit.k8s import audit_cluster, audit_loaded, audit_manifests
from zsim.audit.model import AuditReport, Check, Finding, Severity
from zsim.audit.pipeline import audit_pipeline
from zsim.audit.posture import posture_document, posture_yaml, write_posture
from zsim.audit.render import to_json, to_json_dict
from zsim.audit.sarif import to_sarif, to_sarif_dict
from zsim.audit.signing import Verifier

__all__ = [
    "CHECKS",
    "AuditReport",
    "Check",
    "Finding",
    "Severity",
    "Verifier",
    "audit_cluster",
    "audit_loaded",
    "audit_manifests",
    "audit_pipeline",
    "compliance_lines",
    "posture_document",
    "posture_yaml",
    "to_json",
    "to_json_dict",
    "to_sarif",
    "to_sarif_dict",
    "write_posture",
]
