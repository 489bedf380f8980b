"""The Python examples in docs/training.md run, in order, in a fresh interpreter, from the repository root."""

from __future__ import annotations

import re
import subprocess
import sys

from tests.conftest import REPO

PY_BLOCK = re.compile(r"```python\n(.*?)```", re.S)


def test_training_doc_examples_run() -> None:
    blocks = PY_BLOCK.findall((REPO / "docs" / "training.md").read_text(encoding="utf-8"))
    assert len(blocks) >= 2
    proc = subprocess.run(
        [sys.executable, "-c", "\n".join(blocks)], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "8 x H100 ring: busbw 370 GB/s" in proc.stdout
