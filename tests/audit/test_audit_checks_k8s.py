"""Exactly the findings the hand-written manifests must produce (see the comments in the fixture files)."""

from __future__ import annotations

from tests.audit.conftest import HAND
from zsim.audit import audit_manifests
from zsim.audit.model import Severity

# (check, kind, namespace, name, container) - derived from platform.yaml by reading it, object by object.
PLATFORM_EXPECTED = {
    # namespaces: ml has a default deny (deny-everything); istio-system (holds the mesh-wide PeerAuthentication)
    # and open have no NetworkPolicy at all.
    ("ZT-NET-001", "Namespace", "istio-system", "istio-system", None),
    ("ZT-NET-001", "Namespace", "open", "open", None),
    # trainer: RDMA device, HF_TOKEN from a Secret, port 9090 PERMISSIVE under a STRICT mesh-wide policy.
    ("ZT-NET-003", "Deployment", "ml", "trainer", "trainer"),
    ("ZT-CRED-002", "Deployment", "ml", "trainer", "trainer"),
    ("ZT-MESH-002", "Deployment", "ml", "trainer", None),
    # node-agent: hostNetwork, hostPID, privileged, escalation, UID 0, literal DB_PASSWORD, never injected.
    ("ZT-NET-002", "DaemonSet", "ml", "node-agent", None),
    ("ZT-WL-002", "DaemonSet", "ml", "node-agent", None),
    ("ZT-WL-001", "DaemonSet", "ml", "node-agent", "agent"),
    ("ZT-WL-004", "DaemonSet", "ml", "node-agent", "agent"),
    ("ZT-WL-005", "DaemonSet", "ml", "node-agent", "agent"),
    ("ZT-CRED-001", "DaemonSet", "ml", "node-agent", "agent"),
    ("ZT-MESH-001", "DaemonSet", "ml", "node-agent", None),
    # its ServiceAccount: a static secret and an IRSA binding; the legacy token Secret itself.
    ("ZT-CRED-003", "ServiceAccount", "ml", "node-agent", None),
    ("ZT-CRED-005", "ServiceAccount", "ml", "node-agent", None),
    ("ZT-CRED-004", "Secret", "ml", "node-agent-token", None),
    # debug pod: the shell container has no securityContext, the token is mounted; init container is clean.
    ("ZT-WL-004", "Pod", "open", "debug", "shell"),
    ("ZT-WL-006", "Pod", "open", "debug", "shell"),
    ("ZT-WL-007", "Pod", "open", "debug", None),
    ("ZT-NET-004", "Service", "open", "web", None),
    # a DISABLE policy whose selector matches no workload is reported on the policy itself.
    ("ZT-MESH-003", "PeerAuthentication", "open", "legacy", None),
}


def test_platform_fixture_exact_findings() -> None:
    report = audit_manifests([HAND / "platform.yaml"])
    got = [(f.check_id, f.kind, f.namespace, f.name, f.container) for f in report.findings]
    assert len(got) == len(set(got))
    assert set(got) == PLATFORM_EXPECTED
    assert report.summary["pod_specs"] == 3
    assert report.summary["mesh_coverage"] == {"istio-sidecar": 2, "istio-ambient": 0, "linkerd": 0, "none": 1}
    assert report.summary["mtls_modes"] == {"STRICT": 3, "PERMISSIVE": 0, "DISABLE": 0, "unset": 0}


def test_platform_findings_carry_location_and_catalog_severity() -> None:
    report = audit_manifests([HAND / "platform.yaml"])
    secret = next(f for f in report.findings if f.check_id == "ZT-CRED-004")
    assert secret.file == str(HAND / "platform.yaml")
    text = (HAND / "platform.yaml").read_text().splitlines()
    assert text[secret.line - 1] == "apiVersion: v1" and text[secret.line + 0] == "kind: Secret"
    literal = next(f for f in report.findings if f.check_id == "ZT-CRED-001")
    assert literal.severity is Severity.CRITICAL
    assert "hunter2" not in literal.message  # the value itself is never echoed
    trainer_mtls = next(f for f in report.findings if f.check_id == "ZT-MESH-002")
    assert "port 9090" in trainer_mtls.message and trainer_mtls.field == "spec.template.spec"


def test_hardened_fixture_has_no_findings() -> None:
    report = audit_manifests([HAND / "hardened.yaml"])
    assert report.findings == []
    assert report.summary["namespaces_without_default_deny"] == []
    assert report.summary["mesh_coverage"]["istio-ambient"] == 1


def test_credentials_scope_runs_only_credential_checks() -> None:
    report = audit_manifests([HAND / "platform.yaml"], scope="credentials")
    assert {f.check_id for f in report.findings} == {
        "ZT-CRED-001",
        "ZT-CRED-002",
        "ZT-CRED-003",
        "ZT-CRED-004",
        "ZT-CRED-005",
    }
    assert all(c.startswith(("ZT-CRED-", "ZT-IN-")) for c in report.checks_run)
