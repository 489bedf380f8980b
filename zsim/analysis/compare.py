"""``zsim compare RUN_A RUN_B --fail-on CLAUSE``: the change in summary means from A to B, and a CI gate.

Rows are matched on (tier, point, metric). For each the change is ``B − A`` (absolute) and ``100 (B − A) / |A|``
(percent; ±inf when A is 0 and B is not, 0 when both are).

Gate grammar (one or more clauses, comma-separated or given as repeated options)::

    clause    := METRIC_GLOB OP THRESHOLD
    OP        := ">" | "<"
    THRESHOLD := signed number, optionally followed by "%"

A clause trips on any matching row whose *signed* change is beyond the threshold: ``inference.latency_p99_s>5%``
trips when p99 latency rose by more than 5 %; ``inference.throughput_rps<-2%`` when throughput fell by more
than 2 %; ``attack.*.success_rate>0.01`` when a success rate rose by more than 0.01 (absolute). A metric the
clause matches in A but that is missing from B trips it too (a gate must not pass because a metric vanished),
and a clause that matches no metric at all is bad input (most likely a typo).
"""

from __future__ import annotations

import fnmatch
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from rich.table import Table

from zsim.analysis.tables import format_value
from zsim.errors import InputError
from zsim.runner.runfolder import RunFolder, load_run_folder

KEYS = ["tier", "point", "metric"]
_CLAUSE = re.compile(r"^\s*(?P<glob>[^<>\s]+)\s*(?P<op>[<>])\s*(?P<num>[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)"
                     r"\s*(?P<pct>%?)\s*$")


@dataclass(frozen=True)
class Clause:
    text: str
    glob: str
    op: str  # ">" or "<"
    threshold: float
    percent: bool

    def trips(self, change_abs: float, change_pct: float) -> bool:
        value = change_pct if self.percent else change_abs
        if math.isnan(value):
            return False
        return value > self.threshold if self.op == ">" else value < self.threshold


def parse_clauses(texts: list[str]) -> list[Clause]:
    """Parse ``--fail-on`` values; a malformed clause is an InputError naming it."""
    out = []
    for text in texts:
        for part in text.split(","):
            if not part.strip():
                raise InputError(f"empty clause in {text!r}", field="--fail-on")
            m = _CLAUSE.match(part)
            if m is None:
                raise InputError(f"malformed clause {part.strip()!r}: expected METRIC_GLOB>N or METRIC_GLOB<N, "
                                 "N a signed number with an optional %, e.g. 'inference.latency_p99_s>5%'",
                                 field="--fail-on")
            out.append(Clause(part.strip(), m["glob"], m["op"], float(m["num"]), bool(m["pct"])))
    return out


@dataclass
class Comparison:
    a: RunFolder
    b: RunFolder
    rows: pd.DataFrame  # KEYS + mean_a, mean_b, change_abs, change_pct, tripped_by
    clauses: list[Clause]
    tripped: list[tuple[Clause, pd.DataFrame]] = field(default_factory=list)

    def messages(self) -> list[str]:
        if not self.clauses:
            return [f"compared {len(self.rows)} (tier, point, metric) means; no --fail-on gate"]
        if not self.tripped:
            return [f"ok: no clause tripped ({', '.join(c.text for c in self.clauses)})"]
        lines = []
        for clause, rows in self.tripped:
            where = "; ".join(f"{r.tier}{'/' + r.point if r.point else ''} {r.metric} "
                              f"{_change_text(r.change_abs, r.change_pct, r.metric)}"
                              for r in rows.head(5).itertuples())
            more = f" (+{len(rows) - 5} more)" if len(rows) > 5 else ""
            lines.append(f"FAIL {clause.text}: {where}{more}")
        return lines


def _pct(a: float, b: float) -> float:
    if a == b:
        return 0.0
    if a == 0:
        return math.copysign(math.inf, b)
    return 100.0 * (b - a) / abs(a)


def _change_text(change_abs: float, change_pct: float, metric: str) -> str:
    if math.isnan(change_abs):
        return "missing in B"
    sign = "+" if change_abs >= 0 else "−"
    return f"{sign}{format_value(metric, abs(change_abs))} ({change_pct:+.3g} %)"


def compare_summaries(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    """Outer join of two summaries on (tier, point, metric) with the change of the mean."""
    left = a[KEYS + ["mean"]].rename(columns={"mean": "mean_a"})
    right = b[KEYS + ["mean"]].rename(columns={"mean": "mean_b"})
    rows = left.merge(right, on=KEYS, how="outer", sort=False)
    rows["change_abs"] = rows["mean_b"] - rows["mean_a"]
    rows["change_pct"] = [_pct(x, y) if not (math.isnan(x) or math.isnan(y)) else math.nan
                          for x, y in zip(rows["mean_a"], rows["mean_b"], strict=True)]
    return rows.reset_index(drop=True)


def compare_runs(run_a: Path, run_b: Path, clauses: list[Clause]) -> Comparison:
    a, b = load_run_folder(run_a), load_run_folder(run_b)
    rows = compare_summaries(a.summary, b.summary)
    if not (rows["mean_a"].notna() & rows["mean_b"].notna()).any():
        raise InputError(f"{run_a} and {run_b} share no (tier, point, metric) to compare", field="RUN_B")
    result = Comparison(a, b, rows, clauses)
    for clause in clauses:
        hit = rows[[fnmatch.fnmatchcase(m, clause.glob) for m in rows["metric"]]]
        if hit.empty:
            known = ", ".join(sorted(set(rows["metric"]))[:8])
            raise InputError(f"clause {clause.text!r} matches no metric (metrics include: {known}, ...)",
                             field="--fail-on")
        vanished = hit["mean_a"].notna() & hit["mean_b"].isna()
        trips = [clause.trips(x, y) for x, y in zip(hit["change_abs"], hit["change_pct"], strict=True)]
        bad = hit[vanished.to_numpy() | pd.Series(trips, index=hit.index).to_numpy()]
        if len(bad):
            result.tripped.append((clause, bad))
    return result


def comparison_table(result: Comparison, *, show_all: bool = False, limit: int = 40) -> Table:
    rows = result.rows
    if not show_all:
        tripped_idx = set().union(*(set(r.index) for _, r in result.tripped)) if result.tripped else set()
        changed = rows["change_abs"].fillna(1.0) != 0
        rows = rows[changed | rows.index.isin(tripped_idx)]
        order = rows["change_pct"].abs().fillna(math.inf).sort_values(ascending=False, kind="stable").index
        rows = rows.loc[order].head(limit)
    table = Table(title=f"{result.a.path} → {result.b.path}", title_justify="left")
    for col in ("tier", "point", "metric", "A", "B", "change"):
        table.add_column(col, justify="right" if col in ("A", "B", "change") else "left")
    for r in rows.itertuples():
        table.add_row(r.tier, r.point, r.metric, format_value(r.metric, r.mean_a), format_value(r.metric, r.mean_b),
                      _change_text(r.change_abs, r.change_pct, r.metric) if not math.isnan(r.mean_a) else "new in B")
    return table
