"""The check catalog is complete and consistent; path confinement holds for any written path; the posture's
controls validate against the control models that exist."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.audit.conftest import HAND
from zsim.audit import audit_manifests, posture_document
from zsim.audit.catalog import CHECKS, CREDENTIAL_AREAS, K8S_AREAS, PIPELINE_AREAS, checks_for
from zsim.audit.fswalk import PathEscape, resolve_inside
from zsim.audit.model import Severity


def test_every_check_is_complete() -> None:
    assert len(CHECKS) == len({c.name for c in CHECKS.values()})
    for cid, check in CHECKS.items():
        assert re.fullmatch(r"ZT-(NET|WL|MESH|CRED|PIPE|IN)-\d{3}", cid) and check.id == cid
        assert isinstance(check.severity, Severity)
        assert check.title and len(check.rationale) > 40
        assert check.reference.startswith("https://")
        assert check.area in ("network", "workload", "mesh", "credentials", "pipeline", "input")


def test_issue_severities() -> None:
    sev = {cid: c.severity.value for cid, c in CHECKS.items()}
    assert sev["ZT-CRED-001"] == "CRITICAL" and sev["ZT-CRED-002"] == "LOW"  # literal vs secretKeyRef
    assert sev["ZT-CRED-005"] == "INFO"  # GKE WI / EKS IRSA
    assert (sev["ZT-PIPE-001"], sev["ZT-PIPE-002"], sev["ZT-PIPE-003"], sev["ZT-PIPE-004"]) == (
        "HIGH",
        "MEDIUM",
        "CRITICAL",
        "HIGH",
    )
    assert sev["ZT-NET-001"] == sev["ZT-NET-002"] == sev["ZT-WL-001"] == "HIGH"  # the seed's HIGHs
    assert sev["ZT-NET-003"] == "MEDIUM" and sev["ZT-MESH-002"] == "HIGH"


def test_command_check_sets() -> None:
    k8s, creds, pipe = checks_for(K8S_AREAS), checks_for(CREDENTIAL_AREAS), checks_for(PIPELINE_AREAS)
    assert set(creds) < set(k8s)
    assert not set(pipe) & {c for c in k8s if not c.startswith("ZT-IN-")}
    assert set(k8s) | set(pipe) == set(CHECKS)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["..", ".", "a", "b", "", "/", "~", "c/../..", "\\..", "%2e%2e"]), max_size=6))
def test_resolve_inside_never_leaves_the_root(parts: list[str]) -> None:
    root = Path(os.path.realpath(os.sep + "tmp")) / "zsim-confinement-root"
    written = "/".join(parts)
    try:
        real = resolve_inside(root, written)
    except PathEscape:
        return
    assert real == root or real.is_relative_to(root)


def test_posture_controls_validate_against_registered_control_models() -> None:
    from zsim.controls.registry import CONTROLS, build_params, control_names

    names = set(control_names())
    for fixture in ("platform.yaml", "hardened.yaml"):
        controls = posture_document(audit_manifests([HAND / fixture]))["controls"]
        assert set(controls) == {"network_policy", "mtls", "container_hardening", "credential_hygiene"}
        checked = [name for name in controls if name in names]
        assert "mtls" in checked
        for name in checked:
            params = build_params(name, controls[name])
            assert isinstance(params, CONTROLS[name].Params)


@pytest.mark.parametrize("mode", ["permissive", "strict", "off"])
def test_every_mtls_value_the_posture_writes_is_a_valid_mode(mode: str) -> None:
    from zsim.controls.registry import build_params

    assert build_params("mtls", {"mode": mode}).mode.value == mode
