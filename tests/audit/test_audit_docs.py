"""docs/audit.md stays true: its ``zsim`` console commands run and print the lines shown, its checks table is
the catalog, its posture example is what the code writes, and its CI workflow's command works. (Its Python
blocks are run by tests/test_docs.py.)"""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest
import yaml

from tests.audit.conftest import HAND, REPO
from tests.cli_helpers import run_cli
from zsim.audit import audit_manifests, posture_yaml
from zsim.audit.catalog import CHECKS

DOC = REPO / "docs" / "audit.md"
TEXT = DOC.read_text(encoding="utf-8")


def blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", TEXT, re.S)


def console_commands() -> list[tuple[str, list[str]]]:
    out: list[tuple[str, list[str]]] = []
    for block in blocks("console"):
        for line in block.splitlines():
            if line.startswith("$ "):
                out.append((line[2:], []))
            elif out:
                out[-1][1].append(line)
    return out


@pytest.fixture
def docs_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A scratch folder holding the fixtures at the paths the docs use, so commands may write files."""
    shutil.copytree(HAND, tmp_path / "tests" / "audit" / "fixtures" / "hand")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize(("command", "expected"), console_commands(), ids=lambda c: str(c)[:60])
def test_console_examples(docs_cwd: Path, capsys, monkeypatch, command: str, expected: list[str]) -> None:  # noqa: ANN001
    argv = shlex.split(command)
    assert argv[0] == "zsim"
    result = run_cli(capsys, monkeypatch, *argv[1:])
    assert result.code in (0, 1), result.err
    if expected:
        assert result.out.splitlines() == expected
    if "--emit-posture" in argv:
        assert (docs_cwd / argv[argv.index("--emit-posture") + 1]).is_file()


def test_docs_have_console_examples() -> None:
    assert len(console_commands()) >= 3


def test_checks_table_is_the_catalog() -> None:
    rows = re.findall(r"^\| `(ZT-[A-Z]+-\d{3})` \| ([^|]+) \| ([A-Z]+) \| ([^|]+) \| <([^>]+)> \|$", TEXT, re.M)
    assert [(r[0], r[1].strip(), r[2], r[3].strip(), r[4]) for r in rows] == [
        (c.id, c.name, c.severity.value, c.title, c.reference) for c in CHECKS.values()
    ]


def test_posture_example_matches_the_code() -> None:
    (example,) = [b for b in blocks("yaml") if b.startswith("# zsim posture")]
    actual = posture_yaml(audit_manifests(["tests/audit/fixtures/hand/platform.yaml"]), name="observed")
    for line in example.splitlines():
        if "..." in line:
            prefix = line.split("...")[0]
            assert any(a.startswith(prefix) for a in actual.splitlines()), line
        else:
            assert line in actual.splitlines(), line


def test_ci_workflow_example_command_works(docs_cwd: Path, capsys, monkeypatch) -> None:  # noqa: ANN001
    (workflow,) = [yaml.safe_load(b) for b in blocks("yaml") if "upload-sarif" in b]
    run_step = next(s["run"] for s in workflow["jobs"]["audit"]["steps"] if "run" in s)
    command = run_step.split("&&")[1].strip().replace("deploy/", "tests/audit/fixtures/hand/")
    result = run_cli(capsys, monkeypatch, *shlex.split(command)[1:])
    assert result.code == 0, result.err
    assert (docs_cwd / "zsim.sarif").is_file()
