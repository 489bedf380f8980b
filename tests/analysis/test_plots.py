"""Plots draw exactly the summary's numbers (checked on the artists' data), skip cleanly without their metrics,
and save as PNG and SVG with the same bytes every time."""

from __future__ import annotations

import numpy as np
import pytest

from tests.analysis import synthetic
from zsim.analysis import plots
from zsim.analysis.sweep_axis import parse_label, sweep_axis


@pytest.fixture(scope="module")
def summary():
    return synthetic.summary()


def _mean(summary, tier: str, metric: str, point: str = "") -> float:
    row = summary[(summary["tier"] == tier) & (summary["metric"] == metric) & (summary["point"] == point)]
    return float(row["mean"].iloc[0])


def test_every_plot_skips_without_its_metrics() -> None:
    bare = synthetic.summary(families=())
    assert bare.empty
    latency_only = synthetic.summary(families=("latency",))
    for fn in (plots.pareto_plot, plots.step_time_plot, plots.attack_heatmap, plots.survival_plot):
        assert fn(latency_only) is None
    assert plots.latency_cdf_plot(synthetic.summary(families=("training",))) is None
    assert plots.sweep_plot(latency_only, "inference.latency_p50_s") is None  # one point: no sweep
    assert plots.sweep_plot(synthetic.summary(points=("a", "b")), "no.such_metric") is None


def test_pareto_plot_draws_the_frontier(summary) -> None:
    fig = plots.pareto_plot(summary, combine="max")
    [frontier] = [line for line in fig.axes[0].get_lines() if line.get_label() == "Pareto frontier"]
    np.testing.assert_allclose(frontier.get_xdata(), [0.0, 2.0, 5.0], atol=1e-9)
    np.testing.assert_allclose(frontier.get_ydata(), [0.9, 0.6, 0.4])


def test_latency_cdf_uses_every_quantile_in_order(summary) -> None:
    fig = plots.latency_cdf_plot(summary)
    lines = {line.get_label(): line for line in fig.axes[0].get_lines()}
    assert set(lines) == set(synthetic.TIERS)
    ys = lines["strict"].get_ydata()
    np.testing.assert_allclose(ys, [p / 100 for p in synthetic.PERCENTS])
    expected = [_mean(summary, "strict", f"inference.latency_p{p:02d}_s") for p in synthetic.PERCENTS]
    np.testing.assert_allclose(lines["strict"].get_xdata(), expected)
    assert np.all(np.diff(lines["strict"].get_xdata()) > 0)


def test_step_time_bars_and_intervals(summary) -> None:
    fig = plots.step_time_plot(summary)
    heights = [bar.get_height() for bar in fig.axes[0].patches]
    expected = [_mean(summary, t, "training.step_time_s") for t in synthetic.TIERS]
    np.testing.assert_allclose(heights, expected)


def test_attack_heatmap_holds_the_success_matrix(summary) -> None:
    fig = plots.attack_heatmap(summary)
    matrix = fig.axes[0].images[0].get_array()
    expected = [[synthetic.SUCCESS[t][cid] for t in synthetic.TIERS] for cid in ("lateral", "poison")]
    np.testing.assert_allclose(np.asarray(matrix), expected)


def test_survival_curve_from_ttc_quantiles_and_success(summary) -> None:
    fig = plots.survival_plot(summary)
    lateral = fig.axes[0]
    assert lateral.get_title() == "lateral" and lateral.get_xlabel() == "time (h)"
    solid = next(line for line in lateral.get_lines() if line.get_label() == "strict")
    p = synthetic.SUCCESS["strict"]["lateral"]
    # S(0) = 1, S(ttc median) = 1 - p/2, S(ttc p90) = 1 - 0.9 p ...
    np.testing.assert_allclose(solid.get_ydata(), [1.0, 1 - 0.5 * p, 1 - 0.9 * p])
    np.testing.assert_allclose(solid.get_xdata(), [0.0, 1.05, 2.1])  # hours: 3600 s and 7200 s × 1.05
    # ... and it levels out at 1 - p (dotted, from the last quantile on)
    floors = [line for line in lateral.get_lines() if line.get_linestyle() == ":"
              and line.get_color() == solid.get_color()]
    np.testing.assert_allclose(floors[0].get_ydata(), [1 - p, 1 - p])


def test_sweep_lines_with_ci_bands() -> None:
    summary = synthetic.summary(points=("ttl_s=5min", "ttl_s=1h", "ttl_s=24h"))
    fig = plots.sweep_plot(summary, "training.step_time_s")
    ax = fig.axes[0]
    line = next(line for line in ax.get_lines() if line.get_label() == "none")
    np.testing.assert_allclose(line.get_xdata(), [300.0, 3600.0, 86400.0])
    assert ax.get_xscale() == "log"
    assert len(ax.collections) == len(synthetic.TIERS)  # one CI band per tier


def test_sweep_axis_reads_labels() -> None:
    assert parse_label("rate_per_s=2.0,replicas=4") == {"rate_per_s": "2.0", "replicas": "4"}
    assert parse_label("small") is None
    axis = sweep_axis(["rate_per_s=1.0,replicas=4", "rate_per_s=2k/s,replicas=4"])
    assert axis.x == {"rate_per_s=1.0,replicas=4": 1.0, "rate_per_s=2k/s,replicas=4": 2000.0}
    assert axis.rest["rate_per_s=1.0,replicas=4"] == "replicas=4"
    named = sweep_axis(["slow", "fast"])
    assert named.categorical and named.ticks == ["slow", "fast"]
    words = sweep_axis(["mode=STRICT", "mode=PERMISSIVE"])
    assert words.categorical and words.ticks == ["STRICT", "PERMISSIVE"]


def test_save_writes_png_and_svg_deterministically(summary, tmp_path) -> None:
    first = plots.save_figure(plots.attack_heatmap(summary), tmp_path / "a", "heat")
    second = plots.save_figure(plots.attack_heatmap(summary), tmp_path / "b", "heat")
    assert [p.name for p in first] == ["heat.png", "heat.svg"]
    assert first[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"<svg" in first[1].read_bytes()[:2000]
    for x, y in zip(first, second, strict=True):
        assert x.read_bytes() == y.read_bytes()
