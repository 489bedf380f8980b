"""The benchmark gate on synthetic pytest-benchmark JSON: ratios, not times; direction-aware; a missing benchmark
fails; exit codes 0 (pass), 1 (regression) and 2 (unreadable input); ``make bench-compare`` runs it."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO
from zsim.calibrate import benchgate


def bench(name: str, ratio: Any = None, mean_s: float = 1.0, **extra: Any) -> dict[str, Any]:
    info = dict(extra)
    if ratio is not None:
        info["ratio"] = ratio
    return {"name": name, "fullname": f"benchmarks/x.py::{name}", "stats": {"mean": mean_s}, "extra_info": info}


def write(tmp_path: Path, name: str, *benches: dict[str, Any]) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps({"machine_info": {}, "benchmarks": list(benches)}), encoding="utf-8")
    return path


def verdicts(tmp_path: Path, base: list[dict], new: list[dict], threshold: float = 0.25) -> dict[str, str]:
    b, n = write(tmp_path, "b.json", *base), write(tmp_path, "n.json", *new)
    return {v.name: v.status for v in benchgate.compare(benchgate.load_ratios(b), benchgate.load_ratios(n),
                                                        threshold)}


def test_higher_is_better_by_default(tmp_path: Path) -> None:
    base = [bench("a", 40.0), bench("b", 40.0), bench("c", 40.0), bench("d", 40.0)]
    new = [bench("a", 30.1), bench("b", 29.9), bench("c", 50.1), bench("d", 49.9)]
    assert verdicts(tmp_path, base, new) == {"a": "ok", "b": "regressed", "c": "improved", "d": "ok"}


def test_lower_is_better_when_declared_or_known(tmp_path: Path) -> None:
    base = [bench("t", 0.30, ratio_lower_is_better=True), bench("test_corpus_audit_vs_plain_yaml_loading", 0.30)]
    worse = [bench("t", 0.41, ratio_lower_is_better=True), bench("test_corpus_audit_vs_plain_yaml_loading", 0.41)]
    assert set(verdicts(tmp_path, base, worse).values()) == {"regressed"}  # 0.30 / 0.41 = 0.73 < 0.75
    better = [bench("t", 0.20, ratio_lower_is_better=True), bench("test_corpus_audit_vs_plain_yaml_loading", 0.20)]
    assert set(verdicts(tmp_path, base, better).values()) == {"improved"}
    assert set(verdicts(tmp_path, base, [b | {} for b in base]).values()) == {"ok"}


def test_times_do_not_matter_only_ratios(tmp_path: Path) -> None:
    assert verdicts(tmp_path, [bench("a", 10.0, mean_s=1.0)], [bench("a", 10.0, mean_s=100.0)]) == {"a": "ok"}


def test_missing_and_new_benchmarks(tmp_path: Path) -> None:
    out = verdicts(tmp_path, [bench("gone", 5.0), bench("kept", 5.0)],
                   [bench("kept", 5.0), bench("fresh", 2.0), bench("no_ratio")])
    assert out == {"gone": "missing", "kept": "ok", "fresh": "new"}


def test_benchmarks_without_a_usable_ratio_are_ignored(tmp_path: Path) -> None:
    path = write(tmp_path, "x.json", bench("none"), bench("zero", 0.0), bench("text", "fast"), bench("bool", True),
                 bench("nan", float("nan")), bench("ok", 3.0))
    assert list(benchgate.load_ratios(path)) == ["ok"]


def test_goodness_is_symmetric_in_direction() -> None:
    assert benchgate.goodness(10, 8, lower_is_better=False) == pytest.approx(0.8)
    assert benchgate.goodness(8, 10, lower_is_better=True) == pytest.approx(0.8)


def test_main_exit_codes_and_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = write(tmp_path, "b.json", bench("a", 40.0), bench("b", 2.0))
    assert benchgate.main([str(base), str(write(tmp_path, "ok.json", bench("a", 41.0), bench("b", 2.0)))]) == 0
    assert "PASS: 0 of 2 failed" in capsys.readouterr().out
    bad = write(tmp_path, "bad.json", bench("a", 20.0), bench("b", 2.0))
    assert benchgate.main([str(base), str(bad)]) == 1
    out = capsys.readouterr().out
    assert "REGRESSED a: 40 -> 20 (-50.0 %) [higher is better]" in out and "FAIL: 1 of 2 failed" in out
    assert benchgate.main([str(base), str(bad), "--threshold", "0.6"]) == 0
    capsys.readouterr()


def test_main_rejects_unreadable_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = write(tmp_path, "g.json", bench("a", 1.0))
    (tmp_path / "junk.json").write_text("{not json", encoding="utf-8")
    (tmp_path / "other.json").write_text('{"results": []}', encoding="utf-8")
    for argv in ([str(tmp_path / "missing.json"), str(good)], [str(tmp_path / "junk.json"), str(good)],
                 [str(tmp_path / "other.json"), str(good)], [str(good), str(good), "--threshold", "1.5"],
                 [str(write(tmp_path, "noratio.json", bench("a"))), str(good)]):
        assert benchgate.main(argv) == 2, argv
        assert capsys.readouterr().err.startswith("error: ")


FAKE_PYTEST = """#!/bin/sh
# stands in for pytest: writes the JSON named by the test into the --benchmark-json path
out=""; k=""
while [ $# -gt 0 ]; do
  case "$1" in --benchmark-json) out="$2"; shift;; -k) k="$2"; shift;; esac; shift
done
if [ -n "$k" ]; then cp "$FAKE_DIR/retry.json" "$out"; echo "$k" > "$FAKE_DIR/k.txt"
else cp "$FAKE_DIR/first.json" "$out"; fi
exit "${FAKE_RC:-0}"
"""


@pytest.mark.parametrize(("retry_ratio", "pytest_rc", "expected_rc"), [(39.0, 0, 0), (20.0, 0, 2), (39.0, 1, 2)],
                         ids=["noise-confirmed-away", "regression-reproduces", "benchmark-assertion-failed"])
def test_make_bench_compare_reruns_regressions_before_failing(tmp_path: Path, retry_ratio: float, pytest_rc: int,
                                                              expected_rc: int) -> None:
    import os
    import sys

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "pytest").write_text(FAKE_PYTEST)
    (bin_dir / "python").write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    for f in bin_dir.iterdir():
        f.chmod(0o755)
    stamp = tmp_path / "stamp"
    stamp.touch()
    write(tmp_path, "baseline.json", bench("test_fleet", 40.0), bench("test_audit", 0.3, ratio_lower_is_better=True))
    write(tmp_path, "first.json", bench("test_fleet", 20.0), bench("test_audit", 0.31, ratio_lower_is_better=True))
    write(tmp_path, "retry.json", bench("test_fleet", retry_ratio))
    env = {**os.environ, "FAKE_DIR": str(tmp_path), "FAKE_RC": str(pytest_rc)}
    proc = subprocess.run(
        ["make", "--no-print-directory", "bench-compare", f"BIN={bin_dir}", f"STAMP={stamp}",
         f"BENCH_DIR={tmp_path}", f"BENCH_BASELINE={tmp_path / 'baseline.json'}"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
    assert (tmp_path / "k.txt").read_text().strip() == "test_fleet"  # only the regressed benchmark re-ran
    assert "confirming: test_fleet" in proc.stdout
    assert proc.returncode == expected_rc, proc.stdout + proc.stderr  # make exits 2 when a recipe fails
    if retry_ratio < 30:
        assert "REGRESSED test_fleet: 40 -> 20" in proc.stdout
    else:
        assert "OK        test_fleet: 40 -> 39" in proc.stdout and "PASS" in proc.stdout


def test_best_of_runs_keeps_the_most_favourable_ratio() -> None:
    hi = benchgate.BenchRatio("a", 10.0, False, {})
    lo = benchgate.BenchRatio("b", 0.5, True, {})
    runs = [{"a": hi, "b": lo}, {"a": benchgate.BenchRatio("a", 12.0, False, {}),
                                 "b": benchgate.BenchRatio("b", 0.7, True, {})}]
    best = benchgate.best_of(runs)
    assert best["a"].ratio == 12.0 and best["b"].ratio == 0.5


def test_regressed_prints_a_k_expression(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = write(tmp_path, "b.json", bench("test_a", 40.0), bench("test_b[x]", 4.0), bench("test_c", 1.0))
    new = write(tmp_path, "n.json", bench("test_a", 10.0), bench("test_b[x]", 1.0), bench("test_c", 1.0))
    assert benchgate.main([str(base), str(new), "--regressed"]) == 0
    assert capsys.readouterr().out.strip() == "test_a or test_b"
    assert benchgate.main([str(base), str(base), "--regressed"]) == 0
    assert capsys.readouterr().out.strip() == ""


def test_workflow_runs_bench_on_the_base_and_the_gate_on_the_change() -> None:
    import yaml

    flow = yaml.safe_load((REPO / ".github" / "workflows" / "bench.yml").read_text(encoding="utf-8"))
    steps = flow["jobs"]["bench"]["steps"]
    runs = [(s.get("working-directory"), " ".join(s["run"].split())) for s in steps if "run" in s]
    assert ("base", 'make bench BENCH_BASELINE="$GITHUB_WORKSPACE/baseline.json"') in runs
    assert any(d == "head" and r.startswith("make bench-compare BENCH_BASELINE=") for d, r in runs)
    assert any(s.get("with", {}).get("ref", "").startswith("${{ github.event.pull_request.base.sha") for s in steps)
