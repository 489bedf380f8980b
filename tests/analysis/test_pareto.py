"""Pareto frontier: the definition (no other design at least as good on both, strictly better on one), checked
against brute force, and on synthetic records whose frontier is known."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.analysis import synthetic
from zsim.analysis.pareto import frontier_mask, pareto_table


def _brute_force(cost: np.ndarray, risk: np.ndarray) -> np.ndarray:
    n = cost.size
    return np.array([
        not any(cost[j] <= cost[i] and risk[j] <= risk[i] and (cost[j] < cost[i] or risk[j] < risk[i])
                for j in range(n))
        for i in range(n)
    ], dtype=bool)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6)), min_size=0, max_size=25))
def test_frontier_matches_the_definition(points: list[tuple[int, int]]) -> None:
    # small integer grids force ties in cost, in risk and in both
    cost = np.array([p[0] for p in points], dtype=float)
    risk = np.array([p[1] for p in points], dtype=float)
    assert (frontier_mask(cost, risk) == _brute_force(cost, risk)).all()


def test_identical_designs_both_stay_on_the_frontier() -> None:
    assert frontier_mask(np.array([1.0, 1.0, 2.0]), np.array([0.5, 0.5, 0.5])).tolist() == [True, True, False]


def test_frontier_of_tiers_on_synthetic_records() -> None:
    summary = synthetic.summary()
    table = pareto_table(summary, combine="max")  # default cost metric: training.step_time_s overhead
    assert table.attrs["cost_metric"] == "training.step_time_s"
    by_tier = table.set_index("tier")
    assert by_tier.loc["none", "cost"] == 0.0  # the reference tier costs nothing against itself
    np.testing.assert_allclose(by_tier["cost"], [0.0, 2.0, 5.0, 20.0], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(by_tier["attack_success"], [0.9, 0.6, 0.4, 0.4])
    assert set(table[table["on_frontier"]]["tier"]) == {"none", "identity", "strict"}
    mean_risk = pareto_table(summary)  # the default: the campaigns' mean
    assert mean_risk["on_frontier"].all()  # 0.75, 0.55, 0.25, 0.225 strictly fall as cost rises


def test_frontier_spans_sweep_points() -> None:
    summary = synthetic.summary(points=("ttl_s=5min", "ttl_s=1h"))
    table = pareto_table(summary, "training.step_time_s", cost="mean", combine="max")
    assert len(table) == 8 and set(table["point"]) == {"ttl_s=5min", "ttl_s=1h"}
    # the second point costs 10 % more at the same risk: none of its designs is on the frontier
    assert set(table[table["on_frontier"]]["point"]) == {"ttl_s=5min"}


def test_no_campaigns_or_no_cost_metric_gives_an_empty_table() -> None:
    assert pareto_table(synthetic.summary(families=("latency", "training"))).empty
    assert pareto_table(synthetic.summary(families=("attack",))).empty
    assert pareto_table(pd.DataFrame(columns=["tier", "point", "metric", "mean", "overhead_pct"])).empty
