"""The whole corpus (``../shared/corpus/k8s`` in CI, the fixture subset elsewhere) audits without a crash, and
pod-spec discovery matches an independent count taken from the YAML event stream.

The independent count never builds Python objects: it walks libyaml's parse events and counts ``containers``
keys whose value is a sequence of mappings - the structural definition of a pod spec - so a YAML string that
happens to hold pod text (Istio's injector templates in a ConfigMap) is not counted by either side.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml

from tests.audit.conftest import FIXTURE_CORPUS, SHARED_CORPUS
from zsim.audit import audit_manifests
from zsim.audit.catalog import CHECKS
from zsim.audit.loader import MANIFEST_SUFFIXES

CHECKOV_POD_SPECS = 156  # ../shared/reference/published.md: checkov sees 156 pod specs in the corpus

CORPORA = [SHARED_CORPUS, FIXTURE_CORPUS] if SHARED_CORPUS.is_dir() else [FIXTURE_CORPUS]


def count_pod_specs_from_events(text: str) -> int:
    """``containers:`` keys whose value is a sequence whose every item is a mapping, from parse events."""
    count = 0
    # Stack frames: ["map", expecting_key, last_key] or ["seq", counts_as_containers, all_items_are_maps].
    stack: list[list] = []
    for event in yaml.parse(text, Loader=yaml.CSafeLoader):
        starts_node = isinstance(
            event, yaml.ScalarEvent | yaml.AliasEvent | yaml.MappingStartEvent | yaml.SequenceStartEvent
        )
        key_of_value = None
        if starts_node and stack:
            top = stack[-1]
            if top[0] == "map":
                if top[1]:
                    top[2] = event.value if isinstance(event, yaml.ScalarEvent) else None
                else:
                    key_of_value = top[2]
                top[1] = not top[1]
            elif not isinstance(event, yaml.MappingStartEvent):
                top[2] = False
        if isinstance(event, yaml.MappingStartEvent):
            stack.append(["map", True, None])
        elif isinstance(event, yaml.SequenceStartEvent):
            stack.append(["seq", key_of_value == "containers", True])
        elif isinstance(event, yaml.MappingEndEvent):
            stack.pop()
        elif isinstance(event, yaml.SequenceEndEvent):
            frame = stack.pop()
            count += int(frame[1] and frame[2])
    return count


def _manifests(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in MANIFEST_SUFFIXES)


def test_event_counter_on_known_shapes() -> None:
    assert count_pod_specs_from_events("spec:\n  containers:\n  - name: a\n  - name: b\n") == 1
    assert count_pod_specs_from_events("containers: []\n") == 1
    assert count_pod_specs_from_events("containers: {type: array}\n") == 0
    assert count_pod_specs_from_events("x: |\n  containers:\n  - name: a\n") == 0
    assert count_pod_specs_from_events("containers: [a, b]\n") == 0
    assert count_pod_specs_from_events("a:\n  containers: [{name: a}]\nb:\n  containers: [{name: b}]\n") == 2


@pytest.mark.parametrize("root", CORPORA, ids=lambda p: "shared" if p == SHARED_CORPUS else "fixture-subset")
def test_corpus_pod_specs_match_independent_count(root: Path) -> None:
    files = _manifests(root)
    expected = sum(count_pod_specs_from_events(p.read_text(encoding="utf-8")) for p in files)
    report = audit_manifests([root])
    summary = report.summary
    assert summary["files"] == len(files)
    assert summary["pod_specs"] == expected
    assert not [f for f in report.findings if f.check_id.startswith("ZT-IN-")], "corpus files must all parse"
    kinds = set(summary["kinds_with_pod_specs"])
    crd_kinds = {"RayCluster", "RayJob", "RayService", "JobSet", "PyTorchJob", "MPIJob", "InferenceService"}
    assert crd_kinds <= kinds
    if root == SHARED_CORPUS:
        # checkov skips pod specs inside custom resources; we find those too.
        in_crds = sum(n for k, n in summary["kinds_with_pod_specs"].items() if k in crd_kinds | {"LLMInferenceService"})
        assert summary["pod_specs"] > CHECKOV_POD_SPECS
        assert summary["pod_specs"] - in_crds >= CHECKOV_POD_SPECS - 10


def test_corpus_findings_are_well_formed(corpus: Path) -> None:
    report = audit_manifests([corpus])
    assert report.findings
    for f in report.findings:
        assert f.check_id in CHECKS
        assert f.severity == CHECKS[f.check_id].severity
        assert f.file is not None and Path(f.file).is_file()
        assert f.line is None or f.line >= 1
    counts = Counter(f.check_id for f in report.findings)
    # Every check family fires somewhere in the corpus.
    for check in ("ZT-NET-001", "ZT-NET-002", "ZT-NET-003", "ZT-WL-001", "ZT-CRED-001", "ZT-CRED-004"):
        assert counts[check] > 0, check


def test_corpus_edge_cases(corpus: Path) -> None:
    report = audit_manifests([corpus])
    no_deny = {f.namespace: f.message for f in report.findings if f.check_id == "ZT-NET-001"}
    # Named "*-default-deny" but selects one app and has allow rules: not a default deny (judged by behaviour).
    assert "claude-agent-worker-default-deny" in no_deny["default"]
    # No podSelector (= every pod) but Ingress-only with an allow rule: not a default deny either.
    assert "only-hbone" in no_deny["default"]


def test_pod_text_inside_a_configmap_string_is_not_a_pod_spec(corpus: Path) -> None:
    install = next(corpus.rglob("common__istio__istio-install__base__install.yaml"))
    text = install.read_text(encoding="utf-8")
    naive = sum(1 for line in text.splitlines() if line.strip() in ("containers:", "- containers:"))
    report = audit_manifests([install])
    assert report.summary["pod_specs"] == count_pod_specs_from_events(text)
    assert report.summary["pod_specs"] < naive  # the injector templates are strings, not objects
