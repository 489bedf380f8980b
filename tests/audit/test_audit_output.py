"""Output: JSON against its documented schema, SARIF in the subset GitHub code scanning accepts, the table,
the compliance lines and the posture file."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import yaml
from rich.console import Console

from tests.audit.conftest import HAND, audit_objects
from zsim.audit import audit_manifests, audit_pipeline, compliance_lines, posture_yaml, to_json, to_sarif_dict
from zsim.audit.catalog import CHECKS
from zsim.audit.posture import posture_document, write_posture
from zsim.audit.render import print_table
from zsim.audit.schema import REPORT_SCHEMA

_TYPES = {"object": dict, "array": list, "string": str, "integer": int, "null": type(None), "boolean": bool}


def validate(value: Any, schema: dict[str, Any], path: str = "$") -> list[str]:
    """The subset of JSON Schema that REPORT_SCHEMA uses; returns the errors found."""
    errors: list[str] = []
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        ok = any(isinstance(value, _TYPES[t]) and not (t == "integer" and isinstance(value, bool)) for t in types)
        if not ok:
            return [f"{path}: {value!r} is not {types}"]
    if "const" in schema and value != schema["const"]:
        errors.append(f"{path}: {value!r} != {schema['const']!r}")
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{path}: {value!r} not in {schema['enum']}")
    if "pattern" in schema and isinstance(value, str) and not re.search(schema["pattern"], value):
        errors.append(f"{path}: {value!r} does not match {schema['pattern']}")
    if "minimum" in schema and isinstance(value, int) and value < schema["minimum"]:
        errors.append(f"{path}: {value} < {schema['minimum']}")
    if isinstance(value, dict):
        errors += [f"{path}: missing {k}" for k in schema.get("required", []) if k not in value]
        props = schema.get("properties", {})
        for k, v in value.items():
            if k in props:
                errors += validate(v, props[k], f"{path}.{k}")
            elif schema.get("additionalProperties") is False:
                errors.append(f"{path}: unexpected {k}")
            elif isinstance(schema.get("additionalProperties"), dict):
                errors += validate(v, schema["additionalProperties"], f"{path}.{k}")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            errors += validate(item, schema["items"], f"{path}[{i}]")
    return errors


def test_validator_rejects_what_it_should() -> None:
    assert validate({"schema": "x"}, REPORT_SCHEMA)
    assert validate(True, {"type": "integer"})


def test_json_output_follows_the_schema(corpus: Path, tmp_path: Path) -> None:
    for report in (
        audit_manifests([HAND / "platform.yaml"]),
        audit_manifests([corpus]),
        audit_manifests([HAND / "platform.yaml"], scope="credentials"),
        audit_pipeline(tmp_path),
    ):
        doc = json.loads(to_json(report))
        assert validate(doc, REPORT_SCHEMA) == []
        assert doc["summary"]["findings_by_severity"] == report.by_severity()
        assert len(doc["findings"]) == len(report.findings)


def test_json_finding_fields(tmp_path: Path) -> None:
    doc = json.loads(to_json(audit_manifests([HAND / "platform.yaml"])))
    literal = next(f for f in doc["findings"] if f["check_id"] == "ZT-CRED-001")
    assert literal == {
        "check_id": "ZT-CRED-001",
        "severity": "CRITICAL",
        "kind": "DaemonSet",
        "namespace": "ml",
        "name": "node-agent",
        "container": "agent",
        "file": str(HAND / "platform.yaml"),
        "line": literal["line"],
        "field": "spec.template.spec",
        "message": "DaemonSet/ml/node-agent container agent: env DB_PASSWORD: literal value (7 characters) in the "
        "manifest",
    }
    # Findings come most severe first.
    ranks = [
        list(CHECKS[f["check_id"]].severity.__class__).index(CHECKS[f["check_id"]].severity) for f in doc["findings"]
    ]
    assert ranks == sorted(ranks, reverse=True)


def test_sarif_meets_code_scanning_requirements(monkeypatch: Any) -> None:
    monkeypatch.chdir(HAND.parents[3])  # the repository root, as in CI
    report = audit_manifests([HAND / "platform.yaml"])
    sarif = to_sarif_dict(report)
    assert sarif["version"] == "2.1.0" and sarif["$schema"].endswith("sarif-2.1.0.json")
    (run,) = sarif["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "zsim"
    rules = driver["rules"]
    assert [r["id"] for r in rules] == report.checks_run
    for rule in rules:
        check = CHECKS[rule["id"]]
        assert rule["shortDescription"]["text"] == check.title
        assert rule["fullDescription"]["text"] == check.rationale
        assert rule["helpUri"] == check.reference and rule["help"]["text"]
        assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")
        assert "security" in rule["properties"]["tags"] and len(rule["properties"]["tags"]) <= 20
        if check.severity.value != "INFO":
            assert 0.0 < float(rule["properties"]["security-severity"]) <= 10.0
    assert len(run["results"]) == len(report.findings)
    fingerprints = set()
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in ("error", "warning", "note") and result["message"]["text"]
        (loc,) = result["locations"]
        uri = loc["physicalLocation"]["artifactLocation"]["uri"]
        assert uri == "tests/audit/fixtures/hand/platform.yaml"  # relative to the repository root
        assert loc["physicalLocation"]["region"]["startLine"] >= 1
        fingerprints.add(result["partialFingerprints"]["zsimFinding/v1"])
    assert len(fingerprints) == len(run["results"])
    crit = next(r for r in run["results"] if r["ruleId"] == "ZT-CRED-001")
    assert crit["level"] == "error"
    assert crit["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == "DaemonSet/ml/node-agent/agent"


def test_sarif_for_objects_without_a_file() -> None:
    from zsim.audit.k8s import audit_loaded
    from zsim.audit.loader import LoadResult, add_document

    loaded = LoadResult()
    add_document(
        loaded,
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "web", "namespace": "x"},
            "spec": {"type": "NodePort"},
        },
        file=None,
        line=None,
    )
    sarif = to_sarif_dict(audit_loaded(loaded, inputs=["kubectl"]))
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"]}
    assert "k8s-cluster/x/Service/web" in uris


def test_table_lists_every_finding_and_a_summary() -> None:
    report = audit_manifests([HAND / "platform.yaml"])
    buf = io.StringIO()
    print_table(report, Console(file=buf, width=200, color_system=None))
    text = buf.getvalue()
    assert f"zsim audit k8s: {len(report.findings)} finding(s)" in text
    assert text.count("ZT-") >= len(report.findings)
    assert "3 pod specs" in text and "CRITICAL 1, HIGH 9, MEDIUM 7, LOW 2, INFO 1" in text


def test_compliance_lines_for_the_platform_fixture() -> None:
    assert compliance_lines(audit_manifests([HAND / "platform.yaml"])) == [
        f"=== Zero Trust Audit: {HAND / 'platform.yaml'} ===",
        "[FAIL] No default-deny policy (2 namespace(s): istio-system, open)",
        "[FAIL] No STRICT mTLS (ZT-MESH-002 x1, ZT-MESH-003 x1)",
        "[FAIL] Legacy non-expiring service-account tokens (ZT-CRED-004 x1, ZT-CRED-003 x1)",
        "[FAIL] Privileged or root containers (ZT-WL-001 x1, ZT-WL-005 x1, ZT-WL-006 x1)",
        "[FAIL] Services exposed via LoadBalancer/NodePort (ZT-NET-004 x1)",
    ]
    assert compliance_lines(audit_manifests([HAND / "hardened.yaml"]))[1:] == [
        "[PASS] Default-deny exists",
        "[PASS] STRICT mTLS enforced",
        "[PASS] No legacy service-account tokens",
        "[PASS] No privileged or root containers",
        "[PASS] No LoadBalancer/NodePort exposure",
    ]


def test_posture_weak_and_hardened() -> None:
    weak = posture_document(audit_manifests([HAND / "platform.yaml"]), name="platform")
    assert weak["name"] == "platform" and weak["description"]
    assert weak["controls"] == {
        "network_policy": {"default_deny": False},
        "mtls": {"mode": "permissive"},
        "container_hardening": {"enabled": False},
        "credential_hygiene": {"enabled": False},
    }
    hard = posture_document(audit_manifests([HAND / "hardened.yaml"]))
    assert hard["name"] == "audited-hardened-yaml"
    assert hard["controls"] == {
        "network_policy": {"default_deny": True},
        "mtls": {"mode": "strict"},
        "container_hardening": {"enabled": True},
        "credential_hygiene": {"enabled": True},
    }


def test_posture_mtls_off_only_when_every_workload_is_disable() -> None:
    disable = {
        "apiVersion": "security.istio.io/v1",
        "kind": "PeerAuthentication",
        "metadata": {"name": "default", "namespace": "istio-system"},
        "spec": {"mtls": {"mode": "DISABLE"}},
    }
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "namespace": "a"},
        "spec": {"containers": [{"name": "c"}]},
    }
    report = audit_objects([disable, pod])
    assert posture_document(report)["controls"]["mtls"] == {"mode": "off"}
    strict_ns = {**disable, "metadata": {"name": "default", "namespace": "b"}, "spec": {"mtls": {"mode": "STRICT"}}}
    other = {**pod, "metadata": {"name": "q", "namespace": "b"}}
    assert posture_document(audit_objects([disable, pod, strict_ns, other]))["controls"]["mtls"] == {
        "mode": "permissive"
    }


def test_posture_file_has_the_header_and_loads_back(tmp_path: Path) -> None:
    report = audit_manifests([HAND / "platform.yaml"])
    path = write_posture(report, tmp_path / "posture.yaml")
    text = path.read_text()
    assert text == posture_yaml(report)
    header = [line for line in text.splitlines() if line.startswith("#")]
    assert any(line.startswith("#   network_policy.default_deny=false  <-  ZT-NET-001 x2") for line in header)
    assert any(line.startswith('#   mtls.mode="permissive"  <-  ZT-MESH-002 x1, ZT-MESH-003 x1') for line in header)
    assert any(
        "container_hardening.enabled=false  <-  ZT-WL-001 x1, ZT-NET-002 x1, ZT-WL-002 x1" in line for line in header
    )
    assert any("credential_hygiene.enabled=false  <-  ZT-CRED-001 x1, ZT-CRED-004 x1" in line for line in header)
    assert yaml.safe_load(text) == posture_document(report)
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind
