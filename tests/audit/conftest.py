"""Fixtures for the audit tests: the corpus (shared, or the fixture subset), hand-written manifests, a stand-in
kubectl on PATH, and a helper that runs ``zsim audit ...`` in-process."""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures"
HAND = FIXTURES / "hand"
REPO = Path(__file__).resolve().parents[2]
SHARED_CORPUS = REPO / ".." / "shared" / "corpus" / "k8s"
FIXTURE_CORPUS = FIXTURES / "corpus"


def corpus_path() -> Path:
    """The whole shared corpus where it sits beside the checkout (as in CI), else the copied subset."""
    return SHARED_CORPUS if SHARED_CORPUS.is_dir() else FIXTURE_CORPUS


@pytest.fixture(scope="session")
def corpus() -> Path:
    return corpus_path()


@dataclass
class FakeKubectl:
    """A stand-in ``kubectl`` first on PATH; ``mode`` picks its behaviour, ``calls()`` what it was asked."""

    bin_dir: Path
    log: Path
    monkeypatch: pytest.MonkeyPatch

    def mode(self, mode: str) -> None:
        self.monkeypatch.setenv("FAKE_KUBECTL_MODE", mode)

    def calls(self) -> list[str]:
        return self.log.read_text().splitlines() if self.log.exists() else []


@pytest.fixture
def fake_kubectl(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeKubectl]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "kubectl"
    shutil.copyfile(FIXTURES / "kubectl" / "kubectl", script)
    script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    log = tmp_path / "kubectl-calls.log"
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.setenv("FAKE_KUBECTL_DIR", str(FIXTURES / "kubectl"))
    monkeypatch.setenv("FAKE_KUBECTL_LOG", str(log))
    monkeypatch.setenv("FAKE_KUBECTL_MODE", "ok")
    yield FakeKubectl(bin_dir, log, monkeypatch)


def audit_objects(objects: list[dict], **kwargs):  # -> AuditReport
    """Audit in-memory objects as if they came from one file (no disk involved)."""
    from zsim.audit.k8s import audit_loaded
    from zsim.audit.loader import LoadResult, add_document

    loaded = LoadResult()
    for i, obj in enumerate(objects):
        add_document(loaded, obj, file="inline.yaml", line=i + 1)
    return audit_loaded(loaded, inputs=["inline.yaml"], **kwargs)


def deployment(name: str, namespace: str | None = "apps", labels: dict | None = None, **pod: object) -> dict:
    """A Deployment whose only container is hardened, so checks under test stand out."""
    spec = {
        "automountServiceAccountToken": False,
        "securityContext": {"runAsNonRoot": True},
        "containers": [{"name": "main", "image": "x", "securityContext": {"allowPrivilegeEscalation": False}}],
    }
    spec.update(pod)
    meta: dict = {"name": name}
    if namespace is not None:
        meta["namespace"] = namespace
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": meta,
        "spec": {"template": {"metadata": {"labels": labels or {"app": name}}, "spec": spec}},
    }
