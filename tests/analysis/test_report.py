"""``zsim report``: report.md and a self-contained report.html whose images load and tables are there, checked
in headless Chromium (Debian's ``chromium``; ``.ci/run`` installs it)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.analysis import synthetic
from tests.cli_helpers import run_cli

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# reads the page's state once everything has loaded; a deliberately broken image checks the probe itself
PROBE = """<img id="probe-broken" src="data:image/png;base64,AAAA">
<script>window.addEventListener('load', () => {
  const imgs = [...document.images].filter(i => i.id !== 'probe-broken');
  const broken = document.getElementById('probe-broken');
  document.body.setAttribute('data-images', imgs.length);
  document.body.setAttribute('data-loaded', imgs.filter(i => i.complete && i.naturalWidth > 0).length);
  document.body.setAttribute('data-broken-loaded', broken.naturalWidth > 0 ? 1 : 0);
  document.body.setAttribute('data-tables', document.querySelectorAll('table').length);
  document.body.setAttribute('data-rows', document.querySelectorAll('table tbody tr').length);
});</script>"""


def _chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    assert path, "chromium is required (Debian: apt-get install -y chromium; .ci/run installs it)"
    return path


def _render(html_path: Path, tmp_path: Path) -> dict[str, int]:
    page = tmp_path / "probe.html"
    page.write_text(html_path.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"), encoding="utf-8")
    proc = subprocess.run(
        [_chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'chromium-profile'}",
         "--virtual-time-budget=10000", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120, check=False,
    )
    body = re.search(r"<body([^>]*)>", proc.stdout)
    assert body, f"chromium printed no DOM (rc {proc.returncode}): {proc.stderr[-2000:]}"
    return {k: int(v) for k, v in re.findall(r'data-([a-z-]+)="(\d+)"', body.group(1))}


def test_report_renders_with_images_and_tables(tmp_path, capsys, monkeypatch) -> None:
    run = synthetic.run_folder(tmp_path / "run", points=("ttl_s=5min", "ttl_s=1h"))
    before = {p.name: p.read_bytes() for p in run.iterdir()}
    res = run_cli(capsys, monkeypatch, "report", str(run))
    assert res.code == 0, res.err
    html_text = (run / "report.html").read_text(encoding="utf-8")
    md = (run / "report.md").read_text(encoding="utf-8")
    # self-contained: nothing is fetched
    assert not re.search(r"""(src|href)=["'](https?:|//|file:)""", html_text)
    names = sorted(p.stem for p in (run / "plots").glob("*.png"))
    assert names == sorted(p.stem for p in (run / "plots").glob("*.svg"))
    assert {"pareto-training.step_time_s", "pareto-inference.latency_p99_s", "attack-heatmap", "survival",
            "latency-cdf", "step-time"} <= set(names)
    assert any(n.startswith("sweep-") for n in names)
    for name in names:
        assert f"](plots/{name}.png)" in md
    assert html_text.count("data:image/png;base64,") == len(names)
    # the run's results are untouched
    assert all((run / name).read_bytes() == blob for name, blob in before.items())
    state = _render(run / "report.html", tmp_path)
    assert state["images"] == len(names) and state["loaded"] == len(names)
    assert state["broken-loaded"] == 0
    # run info, a Pareto frontier per cost metric (step time, p99 latency), one results table per sweep point
    assert state["tables"] == 5
    metrics_per_point = synthetic.summary(points=("a",))["metric"].nunique()
    assert state["rows"] > 2 * metrics_per_point


def test_report_again_replaces_it_and_leaves_no_temporaries(tmp_path, capsys, monkeypatch) -> None:
    run = synthetic.run_folder(tmp_path / "run", families=("latency",))
    assert run_cli(capsys, monkeypatch, "report", str(run)).code == 0
    first = (run / "report.md").read_text()
    assert run_cli(capsys, monkeypatch, "report", str(run)).code == 0
    assert (run / "report.md").read_text() == first
    assert sorted(p.name for p in (run / "plots").iterdir()) == ["latency-cdf.png", "latency-cdf.svg"]
    assert not [p for p in run.iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize("make", ["missing", "empty", "unfinished-sweep"])
def test_report_of_a_folder_that_is_no_run_exits_2(tmp_path, capsys, monkeypatch, make) -> None:
    target = tmp_path / "x"
    if make != "missing":
        target.mkdir()
    if make == "unfinished-sweep":
        (target / "sweep.json").write_text("{}")
    res = run_cli(capsys, monkeypatch, "report", str(target))
    assert res.code == 2 and "Traceback" not in res.err
    assert {"missing": "no such run folder", "empty": "not a run folder",
            "unfinished-sweep": "an unfinished sweep"}[make] in res.err
    if make != "missing":
        assert sorted(p.name for p in target.iterdir()) == (["sweep.json"] if make == "unfinished-sweep" else [])
