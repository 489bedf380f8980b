"""docs/pipeline.md: its Python and console examples run, and the plot script draws the figure."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO
from zsim.artifacts.cli import main as artifacts_cli

DOC = REPO / "docs" / "pipeline.md"


def test_python_examples_in_pipeline_doc_run(monkeypatch: pytest.MonkeyPatch) -> None:
    code = "\n".join(re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S))
    assert "isolated_deploy" in code and "verify_artifact" in code
    monkeypatch.chdir(REPO)
    exec(compile(code, str(DOC), "exec"), {"__name__": "__docs__"})


def test_console_examples_in_pipeline_doc_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    block = re.search(r"```console\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert block is not None
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "weights.bin").write_bytes(b"\x00" * 4096)
    monkeypatch.chdir(tmp_path)
    for line in block.group(1).splitlines():
        args = line.removeprefix("$ ").split()
        assert args[:3] == ["python", "-m", "zsim.artifacts"]
        assert artifacts_cli(args[3:]) == 0, line


def test_plot_script_draws_a_small_png(tmp_path: Path) -> None:
    sys.path.insert(0, str(REPO / "docs" / "scripts"))
    try:
        import plot_artifact_verification as script
    finally:
        sys.path.pop(0)
    out = script.plot(out=tmp_path / "plot.png", replications=1)
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert 10_000 < len(data) < 200_000
    assert (REPO / "docs" / "img" / "artifact_verification.png").is_file()
