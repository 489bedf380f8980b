"""The five [PASS]/[FAIL] lines of the seed's shell compliance checker, computed from an audit report.

The seed's script checks one namespace with kubectl and grep; these lines ask the same five questions of the
whole input, with the auditor's stronger tests behind them (default-deny judged by what policies do, mTLS by
each workload's effective PeerAuthentication mode):

1. Default-deny NetworkPolicy exists (no ZT-NET-001).
2. STRICT mTLS is enforced (no ZT-MESH-002 / ZT-MESH-003).
3. No legacy non-expiring service-account tokens (no ZT-CRED-004 / ZT-CRED-003).
4. No privileged or root containers (no ZT-WL-001 / ZT-WL-005 / ZT-WL-006).
5. No workload exposed through LoadBalancer/NodePort (no ZT-NET-004).
"""

from __future__ import annotations

from collections import Counter

from zsim.audit.model import AuditReport

LINES: tuple[tuple[tuple[str, ...], str, str], ...] = (
    (("ZT-NET-001",), "Default-deny exists", "No default-deny policy"),
    (("ZT-MESH-002", "ZT-MESH-003"), "STRICT mTLS enforced", "No STRICT mTLS"),
    (
        ("ZT-CRED-004", "ZT-CRED-003"),
        "No legacy service-account tokens",
        "Legacy non-expiring service-account tokens",
    ),
    (
        ("ZT-WL-001", "ZT-WL-005", "ZT-WL-006"),
        "No privileged or root containers",
        "Privileged or root containers",
    ),
    (("ZT-NET-004",), "No LoadBalancer/NodePort exposure", "Services exposed via LoadBalancer/NodePort"),
)


def compliance_lines(report: AuditReport) -> list[str]:
    """A header and five lines, each ``[PASS] ...`` or ``[FAIL] ... (check xN, ...)``."""
    counts = Counter(f.check_id for f in report.findings)
    out = [f"=== Zero Trust Audit: {', '.join(report.inputs)} ==="]
    for checks, passed, failed in LINES:
        hits = [f"{c} x{counts[c]}" for c in checks if counts.get(c)]
        if not hits:
            out.append(f"[PASS] {passed}")
            continue
        detail = ", ".join(hits)
        if checks[0] == "ZT-NET-001":
            missing = report.summary.get("namespaces_without_default_deny") or []
            detail = f"{len(missing)} namespace(s): {', '.join(missing[:8])}{', ...' if len(missing) > 8 else ''}"
        out.append(f"[FAIL] {failed} ({detail})")
    return out


def all_pass(lines: list[str]) -> bool:
    return not any(line.startswith("[FAIL]") for line in lines)
