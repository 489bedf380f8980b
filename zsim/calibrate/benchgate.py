"""The benchmark regression gate: compare the ``extra_info["ratio"]`` of two pytest-benchmark JSON files.

Absolute times drift between machines and between runs on a shared one, so every benchmark reports a *ratio*
against a reference measured in the same session (``benchmarks/conftest.py``). This gate reads those ratios from
a baseline file and a new file and fails when any got worse by more than ``threshold``:

* a ratio where higher is better (a speed-up: zsim's rate over the reference's) regresses when
  ``new < base * (1 - threshold)``;
* a ratio where lower is better (a time over the reference's time) regresses when ``base / new < 1 - threshold``.
  A benchmark says so with ``extra_info["ratio_lower_is_better"] = True``; :data:`LOWER_IS_BETTER` lists the
  benchmarks written before that key existed.

A benchmark in the baseline but missing from the new run (or without its ratio) fails the gate too: coverage
must not shrink silently. Benchmarks new in the new run are listed and pass.

Ratios are far steadier than times, but on a shared machine a burst of someone else's load during one side of a
ratio still moves it (by up to ±50 % on a busy 2-core VM). So a regression must *reproduce*: given several new
files, the gate takes each benchmark's most favourable ratio across them, and ``make bench-compare`` re-runs only
the benchmarks that regressed (``--regressed`` prints them as a ``pytest -k`` expression) before deciding. Usage::

    python -m zsim.calibrate.benchgate BASELINE.json NEW.json [NEW_RETRY.json ...] [--threshold 0.25] [--regressed]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_THRESHOLD = 0.25
# benchmarks whose ratio is a time ratio (lower is better) but that do not set ratio_lower_is_better
LOWER_IS_BETTER = frozenset({"test_corpus_audit_vs_plain_yaml_loading", "test_sweep_overhead_per_run"})


class GateInputError(ValueError):
    """A benchmark file that cannot be read or is not pytest-benchmark JSON."""


@dataclass(frozen=True)
class BenchRatio:
    name: str
    ratio: float
    lower_is_better: bool
    extra: dict[str, Any]


@dataclass(frozen=True)
class Verdict:
    name: str
    status: str  # ok | regressed | improved | missing | new
    base: float | None
    new: float | None
    change_pct: float | None  # improvement (+) or regression (-) in % of the baseline, direction-aware
    lower_is_better: bool

    @property
    def failed(self) -> bool:
        return self.status in ("regressed", "missing")


def read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise GateInputError(f"{path}: cannot read benchmark JSON ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("benchmarks"), list):
        raise GateInputError(f"{path}: not a pytest-benchmark JSON file (no 'benchmarks' list)")
    return data


def load_ratios(path: Path) -> dict[str, BenchRatio]:
    """``{benchmark name: ratio}`` for every benchmark of the file that reports a finite, positive ratio."""
    out = {}
    for bench in read_json(path)["benchmarks"]:
        extra = bench.get("extra_info") or {}
        ratio = extra.get("ratio")
        if not isinstance(ratio, int | float) or isinstance(ratio, bool) or not math.isfinite(ratio) or ratio <= 0:
            continue
        name = str(bench.get("name") or bench.get("fullname"))
        lower = bool(extra.get("ratio_lower_is_better", name.split("[")[0] in LOWER_IS_BETTER))
        out[name] = BenchRatio(name, float(ratio), lower, dict(extra))
    return out


def best_of(runs: list[dict[str, BenchRatio]]) -> dict[str, BenchRatio]:
    """Each benchmark's most favourable ratio over several runs (a regression must show in all of them)."""
    best: dict[str, BenchRatio] = {}
    for run in runs:
        for name, r in run.items():
            old = best.get(name)
            if old is None or goodness(old.ratio, r.ratio, r.lower_is_better) > 1:
                best[name] = r
    return best


def goodness(base: float, new: float, lower_is_better: bool) -> float:
    """How much better ``new`` is than ``base``: 1.0 = same, 0.8 = 20 % worse, whatever the direction."""
    return base / new if lower_is_better else new / base


def compare(base: dict[str, BenchRatio], new: dict[str, BenchRatio], threshold: float) -> list[Verdict]:
    if not 0 < threshold < 1:
        raise ValueError(f"threshold must be in (0, 1), got {threshold}")
    verdicts = []
    for name, b in sorted(base.items()):
        n = new.get(name)
        if n is None:
            verdicts.append(Verdict(name, "missing", b.ratio, None, None, b.lower_is_better))
            continue
        g = goodness(b.ratio, n.ratio, b.lower_is_better)
        status = "regressed" if g < 1 - threshold else "improved" if g > 1 + threshold else "ok"
        verdicts.append(Verdict(name, status, b.ratio, n.ratio, 100 * (g - 1), b.lower_is_better))
    for name, n in sorted(new.items()):
        if name not in base:
            verdicts.append(Verdict(name, "new", None, n.ratio, None, n.lower_is_better))
    return verdicts


def report(verdicts: list[Verdict], threshold: float) -> str:
    lines = [f"benchmark ratio gate (fails on a regression > {threshold:.0%} or a missing benchmark)"]
    for v in verdicts:
        direction = "lower is better" if v.lower_is_better else "higher is better"
        base = "–" if v.base is None else f"{v.base:.4g}"
        new = "–" if v.new is None else f"{v.new:.4g}"
        change = "" if v.change_pct is None else f" ({v.change_pct:+.1f} %)"
        lines.append(f"  {v.status.upper():9} {v.name}: {base} -> {new}{change} [{direction}]")
    failed = [v for v in verdicts if v.failed]
    lines.append(f"{'FAIL' if failed else 'PASS'}: {len(failed)} of {len(verdicts)} failed")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m zsim.calibrate.benchgate", description=__doc__.split("\n")[0])
    parser.add_argument("baseline", type=Path)
    parser.add_argument("new", type=Path, nargs="+", help="one or more runs; each benchmark's best ratio counts")
    parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD,
                        help=f"largest tolerated regression as a fraction (default {DEFAULT_THRESHOLD})")
    parser.add_argument("--regressed", action="store_true",
                        help="print only the regressed benchmarks as a pytest -k expression (empty if none)")
    args = parser.parse_args(argv)
    try:
        base = load_ratios(args.baseline)
        new = best_of([load_ratios(path) for path in args.new])
        verdicts = compare(base, new, args.threshold)
    except (GateInputError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not base:
        print(f"error: {args.baseline}: no benchmark reports extra_info['ratio']", file=sys.stderr)
        return 2
    if args.regressed:
        print(" or ".join(v.name.split("[")[0] for v in verdicts if v.status == "regressed"))
        return 0
    print(report(verdicts, args.threshold))
    return 1 if any(v.failed for v in verdicts) else 0


if __name__ == "__main__":
    sys.exit(main())
