"""docs/attacks.md: its Python examples run, its YAML examples validate, its tables name every campaign and
every registered control."""

from __future__ import annotations

import re
import subprocess
import sys

import yaml

from tests.conftest import REPO
from zsim.attacks.loader import LIBRARY_IDS, campaign_from_data
from zsim.attacks.platform import PlatformSpec
from zsim.controls.registry import control_names

DOC = (REPO / "docs" / "attacks.md").read_text(encoding="utf-8")


def blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", DOC, re.S)


def test_python_examples_run() -> None:
    code = "\n".join(blocks("python"))
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "lateral-training-to-inference" in proc.stdout


def test_yaml_examples_validate() -> None:
    docs = [yaml.safe_load(b) for b in blocks("yaml")]
    platforms = [d["platform"] for d in docs if "platform" in d]
    campaigns = [d for d in docs if "steps" in d]
    assert platforms and campaigns
    for p in platforms:
        PlatformSpec.model_validate(p)
    for c in campaigns:
        campaign_from_data(c)


def test_tables_cover_the_library_and_every_control() -> None:
    for cid in LIBRARY_IDS:
        assert f"| `{cid}` |" in DOC
    for name in control_names():
        assert f"| `{name}` |" in DOC, name
