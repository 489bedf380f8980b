"""Every ```python block in the README and docs/ runs (each file's blocks in order, in a fresh interpreter,
from the repository root), and every ``zsim`` command shown in a ```console block exists."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

DOCS = sorted([REPO / "README.md", *(REPO / "docs").glob("*.md")])
PY_BLOCK = re.compile(r"```python\n(.*?)```", re.S)


def _python_blocks(path: Path) -> str:
    return "\n".join(PY_BLOCK.findall(path.read_text(encoding="utf-8")))


@pytest.mark.parametrize("doc", [d for d in DOCS if _python_blocks(d)], ids=lambda p: p.name)
def test_python_examples_run(doc: Path) -> None:
    code = _python_blocks(doc)
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"{doc.name} examples failed:\n{proc.stderr[-3000:]}"


def test_readme_audit_to_what_if_flow_runs(tmp_path: Path) -> None:
    """The README's audit -> posture -> simulate block, run as written from a copy of the repository's files."""
    import shutil

    text = (REPO / "README.md").read_text(encoding="utf-8")
    (block,) = re.findall(r"```bash\n(.*?)```", text, re.S)
    for part in ("topologies", "experiments/posture", "tests/audit/fixtures/corpus"):
        shutil.copytree(REPO / part, tmp_path / part)
    env_path = f"{Path(sys.executable).parent}:{__import__('os').environ.get('PATH', '')}"
    proc = subprocess.run(["bash", "-euo", "pipefail", "-c", block], cwd=tmp_path, capture_output=True, text=True,
                          timeout=300, env={"PATH": env_path, "HOME": str(tmp_path)})
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (tmp_path / "results/posture-vs-strict/summary.csv").is_file()
    assert proc.stdout.strip().splitlines()[-1].startswith("attack.")
    posture = (tmp_path / "experiments/posture/posture.yaml").read_text()
    assert "name: posture" in posture and "network_policy" in posture
