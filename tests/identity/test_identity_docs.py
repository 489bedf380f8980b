"""Every example in docs/identity.md runs: Python blocks are executed, shell commands are run through the CLI
with the exit code they state, YAML blocks load as policies; every decision code is documented."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from tests.cli_helpers import run_cli
from tests.conftest import REPO
from zsim.identity.decision import Reason
from zsim.identity.policy import default_policy, policy_from_yaml

DOC = REPO / "docs" / "identity.md"
TEXT = DOC.read_text(encoding="utf-8")


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", TEXT, flags=re.DOTALL)


def test_python_examples_run() -> None:
    code = blocks("python")
    assert code
    namespace: dict[str, object] = {"__name__": "docs_identity"}
    for block in code:
        exec(compile(block, str(DOC), "exec"), namespace)  # our own documentation


def test_shell_examples_exit_as_documented(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    lines = [line for block in blocks("bash") for line in block.splitlines() if line.strip()]
    assert lines
    for line in lines:
        command, _, comment = line.partition("#")
        expected = int(re.fullmatch(r"\s*exit (\d)\s*", comment).group(1))  # type: ignore[union-attr]
        argv = shlex.split(command)
        assert argv[0] == "zsim"
        result = run_cli(capsys, monkeypatch, *argv[1:])
        assert result.code == expected, (line, result.out, result.err)


def test_yaml_examples_are_valid_policies() -> None:
    texts = blocks("yaml")
    assert len(texts) >= 2
    policies = [policy_from_yaml(text, source=str(DOC)) for text in texts]
    shown, packaged = policies[0], default_policy()  # the first one is the packaged default, verbatim
    assert (shown.components, shown.tenancy) == (packaged.components, packaged.tenancy)


def test_every_decision_code_is_documented() -> None:
    missing = [code.value for code in Reason if f"`{code.value}`" not in TEXT]
    assert not missing
