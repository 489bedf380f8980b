"""``zsim audit``: exit codes, formats, options reaching the inner call, and the stand-in kubectl (success,
failure, timeout, non-JSON)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

import zsim.audit.cli as audit_cli
from tests.audit.conftest import HAND, FakeKubectl
from tests.cli_helpers import run_cli

PLATFORM = str(HAND / "platform.yaml")
HARDENED = str(HAND / "hardened.yaml")


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["k8s", PLATFORM], 1),  # default --fail-on high: the platform has HIGH and CRITICAL findings
        (["k8s", PLATFORM, "--fail-on", "critical"], 1),
        (["k8s", PLATFORM, "--fail-on", "none"], 0),
        (["k8s", HARDENED], 0),
        (["k8s", HARDENED, "--fail-on", "info"], 0),
        (["credentials", PLATFORM, "--fail-on", "critical"], 1),
        (["credentials", HARDENED, "--fail-on", "info"], 0),
    ],
)
def test_exit_codes(capsys, monkeypatch, args: list[str], code: int) -> None:  # noqa: ANN001
    assert run_cli(capsys, monkeypatch, "audit", *args).code == code


def test_fail_on_threshold_counts_the_info_finding(capsys, monkeypatch, tmp_path: Path) -> None:  # noqa: ANN001
    sa = tmp_path / "sa.yaml"
    sa.write_text(
        "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: a\n  namespace: x\n  annotations:\n"
        "    iam.gke.io/gcp-service-account: a@p.iam.gserviceaccount.com\n"
        "automountServiceAccountToken: false\n"
    )
    assert run_cli(capsys, monkeypatch, "audit", "credentials", str(sa), "--fail-on", "low").code == 0
    assert run_cli(capsys, monkeypatch, "audit", "credentials", str(sa), "--fail-on", "INFO").code == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["k8s", "/no/such/dir"], "no such file or folder"),
        (["k8s"], "give at least one manifest file or folder"),
        (["k8s", PLATFORM, "--namespace", "ml"], "--namespace needs --kubectl"),
        (["k8s", PLATFORM, "--kubectl"], "not both"),
        (["pipeline", "/no/such/run"], "run folder not found"),
        (["pipeline", str(HAND), "--public-key", "/no/key.pem"], "key or certificate file not found"),
    ],
)
def test_bad_input_is_exit_2_with_one_line(capsys, monkeypatch, args: list[str], message: str) -> None:  # noqa: ANN001
    result = run_cli(capsys, monkeypatch, "audit", *args)
    assert result.code == 2
    assert result.err.startswith("error: ") and message in result.err
    assert "Traceback" not in result.err and result.out == ""


@pytest.mark.parametrize("args", [["k8s", PLATFORM, "--format", "xml"], ["k8s", PLATFORM, "--fail-on", "severe"]])
def test_bad_option_values_are_exit_2(capsys, monkeypatch, args: list[str]) -> None:  # noqa: ANN001
    result = run_cli(capsys, monkeypatch, "audit", *args)
    assert result.code == 2 and "Invalid value" in result.err


def test_formats(capsys, monkeypatch, tmp_path: Path) -> None:  # noqa: ANN001
    out = run_cli(capsys, monkeypatch, "audit", "k8s", PLATFORM, "--format", "json", "--fail-on", "none")
    doc = json.loads(out.out)
    assert doc["schema"] == "zsim-audit/1" and len(doc["findings"]) == 20
    sarif_file = tmp_path / "out.sarif"
    res = run_cli(capsys, monkeypatch, "audit", "k8s", PLATFORM, "-f", "SARIF", "-o", str(sarif_file))
    assert res.code == 1 and res.out == ""
    assert json.loads(sarif_file.read_text())["version"] == "2.1.0"
    table = run_cli(capsys, monkeypatch, "audit", "k8s", PLATFORM)
    assert "ZT-CRED-001" in table.out and "findings: CRITICAL 1" in table.out
    table_file = tmp_path / "table.txt"
    run_cli(capsys, monkeypatch, "audit", "k8s", PLATFORM, "-o", str(table_file))
    assert "ZT-CRED-001" in table_file.read_text()


def test_compliance_and_posture(capsys, monkeypatch, tmp_path: Path) -> None:  # noqa: ANN001
    posture = tmp_path / "posture.yaml"
    res = run_cli(
        capsys,
        monkeypatch,
        "audit",
        "k8s",
        PLATFORM,
        "--compliance",
        "--emit-posture",
        str(posture),
        "--posture-name",
        "observed",
    )
    lines = res.out.splitlines()
    assert res.code == 1 and len(lines) == 6 and all(line.startswith("[FAIL]") for line in lines[1:])
    assert "name: observed" in posture.read_text()
    ok = run_cli(capsys, monkeypatch, "audit", "k8s", HARDENED, "--compliance")
    assert ok.code == 0 and [line[:6] for line in ok.out.splitlines()[1:]] == ["[PASS]"] * 5
    bad = run_cli(capsys, monkeypatch, "audit", "k8s", PLATFORM, "--emit-posture", str(tmp_path / "no" / "p.yaml"))
    assert bad.code == 2 and "does not exist" in bad.err


def test_options_reach_the_inner_call(capsys, monkeypatch) -> None:  # noqa: ANN001
    seen = {}

    def fake_cluster(**kwargs):  # noqa: ANN003, ANN202
        seen.update(kwargs)
        from zsim.audit.model import AuditReport

        return AuditReport(command="k8s", inputs=["kubectl"], summary={"objects": 0, "pod_specs": 0})

    monkeypatch.setattr(audit_cli, "audit_cluster", fake_cluster)
    res = run_cli(
        capsys,
        monkeypatch,
        "audit",
        "k8s",
        "--kubectl",
        "-n",
        "ml",
        "--kubectl-timeout",
        "7",
        "--mesh-root-namespace",
        "mesh",
        "-f",
        "json",
    )
    assert res.code == 0
    assert seen == {"namespace": "ml", "scope": "k8s", "timeout_s": 7.0, "mesh_root_namespace": "mesh"}


# --- the stand-in kubectl --------------------------------------------------------------------------------------
def test_kubectl_all_namespaces(capsys, monkeypatch, fake_kubectl: FakeKubectl) -> None:  # noqa: ANN001
    res = run_cli(capsys, monkeypatch, "audit", "k8s", "--kubectl", "-f", "json", "--fail-on", "none")
    assert res.code == 0, res.err
    calls = fake_kubectl.calls()
    assert calls[0] == "api-resources --verbs=list -o name"
    (get,) = calls[1:]
    kinds = get.split()[1].split(",")
    assert get.split()[2:] == ["-o", "json", "--all-namespaces"]
    assert "rayclusters.ray.io" in kinds and "pods" in kinds
    assert not {"events", "events.events.k8s.io", "endpoints", "pods.metrics.k8s.io"} & set(kinds)
    doc = json.loads(res.out)
    summary = doc["summary"]
    # Deployment + RayCluster head and worker; the ReplicaSet and Pod copies of the Deployment are skipped.
    assert (summary["pod_specs"], summary["pod_specs_skipped_owned"]) == (3, 2)
    assert summary["namespaces_without_default_deny"] == ["kube-system"]
    assert doc["inputs"] == ["kubectl (all namespaces)"]
    assert "ZXlKaGJHY2" not in res.out  # Secret data is dropped, never echoed
    assert {(f["check_id"], f["name"]) for f in doc["findings"]} >= {("ZT-CRED-004", "old-token"), ("ZT-WL-001", "rc")}


def test_kubectl_one_namespace_reads_root_peerauthentications(capsys, monkeypatch, fake_kubectl) -> None:  # noqa: ANN001
    res = run_cli(
        capsys, monkeypatch, "audit", "k8s", "--kubectl", "--namespace", "ml", "-f", "json", "--fail-on", "none"
    )
    assert res.code == 0, res.err
    calls = fake_kubectl.calls()
    assert calls[1].endswith("-o json -n ml")
    assert calls[2] == "get peerauthentications.security.istio.io -o json -n istio-system"
    doc = json.loads(res.out)
    assert doc["summary"]["namespaces_without_default_deny"] == []  # kube-system is outside the audit
    mtls = [f for f in doc["findings"] if f["check_id"] == "ZT-MESH-002"]
    assert len(mtls) == 3 and all("mesh-wide policy istio-system/default" in f["message"] for f in mtls)


@pytest.mark.parametrize(
    ("mode", "message"),
    [
        ("fail", "failed (exit 1): error: You must be logged in to the server (Unauthorized)"),
        ("nonjson", "printed something that is not JSON: '<html><body>502 Bad Gateway</body></html>'"),
        ("notlist", "did not return a List"),
    ],
)
def test_kubectl_errors_are_clear(capsys, monkeypatch, fake_kubectl, mode: str, message: str) -> None:  # noqa: ANN001
    fake_kubectl.mode(mode)
    res = run_cli(capsys, monkeypatch, "audit", "k8s", "--kubectl")
    assert res.code == 2 and res.err.startswith("error: kubectl: ") and message in res.err


@pytest.mark.parametrize("mode", ["timeout", "timeout-grandchild"])
def test_kubectl_timeout_kills_it(capsys, monkeypatch, fake_kubectl, mode: str) -> None:  # noqa: ANN001
    fake_kubectl.mode(mode)
    started = time.perf_counter()
    res = run_cli(capsys, monkeypatch, "audit", "credentials", "--kubectl", "--kubectl-timeout", "0.5")
    assert time.perf_counter() - started < 10
    assert res.code == 2 and "timed out after 0.5 s" in res.err


def test_kubectl_missing(capsys, monkeypatch, tmp_path: Path) -> None:  # noqa: ANN001
    monkeypatch.setenv("PATH", str(tmp_path))
    res = run_cli(capsys, monkeypatch, "audit", "k8s", "--kubectl")
    assert res.code == 2 and "'kubectl' not found on PATH" in res.err
