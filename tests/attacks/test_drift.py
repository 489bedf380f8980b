"""Posture drift (``zsim.attacks.drift``): no drift, no change; monotone decay without testing; more frequent
testing never worse under the same draws; the Poisson closed form of the open holes; bad input; the plot."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from tests.attacks.helpers import Z999, seeds, tier
from tests.conftest import REPO
from zsim import api
from zsim.attacks.drift import observe, run_drift, simulate_history
from zsim.attacks.drift_config import DAY_S, DRIFT_CAMPAIGNS, DriftConfig
from zsim.attacks.drift_history import DriftHistory, Hole
from zsim.attacks.drift_plot import drift_plot
from zsim.attacks.loader import get_campaign
from zsim.attacks.runner import load_platform, run_campaign
from zsim.config.experiment import load_experiment
from zsim.errors import InputError

TOPOLOGY = REPO / "topologies" / "ai-platform.yaml"
PLATFORM = load_platform(TOPOLOGY)
CAMPAIGNS = [get_campaign(c) for c in DRIFT_CAMPAIGNS]
WEEK = 7 * DAY_S


def config(**over: Any) -> DriftConfig:
    base: dict[str, Any] = {"horizon_s": 8 * WEEK, "sample_every_s": WEEK, "trials": 300}
    for key, value in over.items():
        section, _, leaf = key.partition("__")
        if leaf:
            base.setdefault(section, {})[leaf] = value
        else:
            base[key] = value
    return DriftConfig.model_validate(base)


def _closures(h: DriftHistory) -> dict[tuple[str, int], float]:
    return {x.key: math.inf if x.closed_s is None else x.closed_s for x in h.holes}


# --- no drift ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["identity", "strict"])
def test_without_exceptions_or_joins_success_stays_at_the_undrifted_value(name: str) -> None:
    cfg = config(exceptions__rate_per_s=0, joins__rate_per_s=0, test_interval_s=WEEK)
    result = run_drift(PLATFORM, tier(name), seeds(3), cfg)
    assert result.open_holes == [0] * len(result.times_s)
    for spec in CAMPAIGNS:
        undrifted = run_campaign(spec, PLATFORM, tier(name), seeds(3), cfg.trials).metrics["success_rate"]
        assert result.success[spec.id] == [undrifted] * len(result.times_s)


# --- without testing: only decay --------------------------------------------------------------------------------


@pytest.mark.parametrize("root", [1, 2, 3, 4, 5])
def test_without_testing_open_holes_only_grow(root: int) -> None:
    cfg = config(test_interval_s="never", horizon_s=52 * WEEK, exceptions__rate_per_s=0.3 / DAY_S,
                 joins__rate_per_s=0.2 / DAY_S, joins__unmanaged_fraction=0.5)
    h = simulate_history(PLATFORM, cfg, seeds(root))
    counts = [len(h.open_at(t)) for t in cfg.sample_times_s()]
    assert all(b >= a for a, b in zip(counts, counts[1:], strict=False))
    assert counts[-1] == len(h.holes) > 0 and not h.tests_s


@pytest.mark.parametrize(("name", "root"), [("strict", 1), ("strict", 2), ("identity", 1)])
def test_without_testing_success_never_falls(name: str, root: int) -> None:
    """With the components fixed (no joins, so every trial keeps its entry) each exception only adds paths,
    credentials or exemptions, and the engine is monotone in those under the same draws."""
    cfg = config(test_interval_s="never", exceptions__rate_per_s=0.5 / DAY_S, joins__rate_per_s=0)
    result = run_drift(PLATFORM, tier(name), seeds(root), cfg)
    assert result.open_holes[-1] > 0
    for cid, series in result.success.items():
        assert all(b >= a for a, b in zip(series, series[1:], strict=False)), cid


# --- testing: same arrivals, and more often is never worse -------------------------------------------------------


def test_every_testing_interval_and_tier_sees_the_same_arrivals() -> None:
    runs = [simulate_history(PLATFORM, config(test_interval_s=iv, exceptions__rate_per_s=0.3 / DAY_S), seeds(7))
            for iv in (WEEK, 30 * DAY_S, "never")]
    arrivals = [[(x.key, x.kind, x.opened_s, x.component, x.rule) for x in h.holes] for h in runs]
    assert arrivals[0] == arrivals[1] == arrivals[2] and len(arrivals[0]) > 5
    assert [s.name for _, s in runs[0].joined] == [s.name for _, s in runs[2].joined]


@pytest.mark.parametrize("root", range(1, 9))
def test_more_frequent_nested_testing_never_leaves_more_holes_open(root: int) -> None:
    """7 d ⊂ 28 d ⊂ 84 d test times: each hole's K-th test after it opened comes no later under the more frequent
    schedule, so every closure time, the open count at every time and its time average are ordered."""
    rng = np.random.default_rng(root)
    over = {"exceptions__rate_per_s": rng.uniform(0.05, 0.5) / DAY_S, "joins__rate_per_s": rng.uniform(0, 0.3) / DAY_S,
            "find_probability": rng.uniform(0.1, 0.9), "horizon_s": 52 * WEEK}
    runs = [simulate_history(PLATFORM, config(test_interval_s=iv, **over), seeds(root))
            for iv in (WEEK, 4 * WEEK, 12 * WEEK, "never")]
    for often, rarely in zip(runs, runs[1:], strict=False):
        fast, slow = _closures(often), _closures(rarely)
        assert all(fast[k] <= slow[k] for k in fast)
        assert often.open_mean() <= rarely.open_mean()
    assert runs[0].open_mean() < runs[-1].open_mean()


def test_more_frequent_testing_never_gives_higher_success_at_any_time() -> None:
    over = {"horizon_s": 12 * WEEK, "exceptions__rate_per_s": 0.4 / DAY_S, "joins__rate_per_s": 0.2 / DAY_S,
            "joins__unmanaged_fraction": 0.5}
    results = [run_drift(PLATFORM, tier("strict"), seeds(5), config(test_interval_s=iv, **over))
               for iv in (WEEK, 4 * WEEK)]
    for cid in results[0].success:
        assert all(a <= b for a, b in zip(results[0].success[cid], results[1].success[cid], strict=True)), cid
    assert sum(results[0].open_holes) < sum(results[1].open_holes)


# --- closed forms ------------------------------------------------------------------------------------------------


def test_open_holes_without_testing_match_the_poisson_closed_form() -> None:
    """No testing: open(t) is Poisson with mean Λ t, Λ = λ_e + λ_j f (unmanaged joins are a thinned Poisson
    process); its time average over [0, H] has mean Λ H / 2 and variance Λ H / 3."""
    lam_e, lam_j, f = 0.2 / DAY_S, 0.1 / DAY_S, 0.4
    cfg = config(test_interval_s="never", horizon_s=20 * WEEK, exceptions__rate_per_s=lam_e,
                 joins__rate_per_s=lam_j, joins__unmanaged_fraction=f)
    rate, horizon, reps = lam_e + lam_j * f, float(cfg.horizon_s), 300
    histories = [simulate_history(PLATFORM, cfg, seeds(1000 + r)) for r in range(reps)]
    for t in (horizon / 4, horizon):
        n = np.array([len(h.open_at(t)) for h in histories])
        assert abs(n.mean() - rate * t) <= Z999 * math.sqrt(rate * t / reps)
    avg = np.array([h.open_mean() for h in histories])
    assert abs(avg.mean() - rate * horizon / 2) <= Z999 * math.sqrt(rate * horizon / 3 / reps)


def _expected_open_mean(rate: float, tau: float, p: float, horizon: float, grid: int = 4000) -> float:
    """E[(1/H) ∫ open] with tests at k τ: a hole opened at c closes at the (G+1)-th test after c, G ~ Geom(p)."""
    cs = (np.arange(grid) + 0.5) * horizon / grid
    total = np.zeros(grid)
    first = np.floor(cs / tau) * tau + tau
    k, survive = 0, np.ones(grid)
    while True:
        t_k = first + k * tau
        due = t_k <= horizon
        if not due.any():
            break
        total += np.where(due, survive * p * (t_k - cs), 0.0)
        survive = np.where(due, survive * (1 - p), survive)
        k += 1
    total += survive * (horizon - cs)  # still open at the horizon
    return rate * total.mean()


def test_open_holes_with_testing_match_the_renewal_closed_form() -> None:
    lam, tau, p = 0.5 / DAY_S, 5 * DAY_S, 0.3
    cfg = config(test_interval_s=tau, horizon_s=100 * DAY_S, find_probability=p, exceptions__rate_per_s=lam,
                 joins__rate_per_s=0)
    avg = np.array([simulate_history(PLATFORM, cfg, seeds(2000 + r)).open_mean() for r in range(200)])
    expected = _expected_open_mean(lam, tau, p, float(cfg.horizon_s))
    assert abs(avg.mean() - expected) <= Z999 * avg.std(ddof=1) / math.sqrt(avg.size)


# --- each kind of hole reaches the control it exempts ------------------------------------------------------------


@pytest.mark.parametrize(("kind", "target", "campaign"), [
    ("privileged", "acme-train-1", "escape-to-host"),
    ("credential", "acme-train-1", "credential-replay"),
    ("allow", None, "lateral-training-to-inference"),
])
def test_one_open_hole_raises_its_campaign_under_strict(kind: str, target: str | None, campaign: str) -> None:
    cfg = config(exceptions__rate_per_s=0, joins__rate_per_s=0, horizon_s=WEEK, trials=2000)
    h = DriftHistory(PLATFORM, cfg, seeds(1))
    rule = ("training", "acme", "inference", "acme") if kind == "allow" else None
    h.holes.append(Hole(("exception", 0), kind, 0.5 * WEEK, component=target, rule=rule))
    result = observe(h, tier("strict"), seeds(1), [get_campaign(campaign)])
    before, after = result.success[campaign]
    assert after > before + 0.05


def test_mesh_exemption_opens_interception_only_past_hardening() -> None:
    """STRICT mTLS leaves no plaintext to a mesh server; a server taken out of the mesh is readable, but only
    from a position that container hardening no longer removes (a privileged monitor on the same node)."""
    cfg = config(exceptions__rate_per_s=0, joins__rate_per_s=0, horizon_s=2 * WEEK, trials=2000)
    h = DriftHistory(PLATFORM, cfg, seeds(1))
    h.holes.append(Hole(("exception", 0), "mesh", 0.5 * WEEK, component="acme-infer-0"))
    h.holes.append(Hole(("exception", 1), "privileged", 1.5 * WEEK, component="monitor-cpu-01"))
    rates = observe(h, tier("strict"), seeds(1), [get_campaign("plaintext-interception")]).success
    zero, mesh_only, both = rates["plaintext-interception"]
    assert zero == mesh_only == 0.0 and both > 0.0


@pytest.mark.parametrize("root", [1, 2])
def test_an_unmanaged_join_is_exposed_by_what_it_is_exempt_from(root: int) -> None:
    """The same platform (an unmanaged training pod joined, so the entries are equal): its static credential is
    stealable only when credential hygiene does not cover it (mTLS is off for it in both cases: under STRICT a
    pod outside the mesh that mTLS still governs cannot call the data store at all)."""
    rates = {}
    for exempt in (["mtls"], ["mtls", "credential_hygiene"]):
        cfg = config(exceptions__rate_per_s=0, joins__rate_per_s=0, joins__unmanaged_exempt=exempt, horizon_s=WEEK,
                     trials=2000)
        h = DriftHistory(PLATFORM, cfg, seeds(root))
        h._join(0.5 * WEEK, np.array([0.0, 0.5, 0.0]))  # unmanaged (u < f), a copy of a middle template
        assert h.holes and h.joined[0][1].type == "training"
        rates[len(exempt) - 1] = observe(h, tier("strict"), seeds(root), [get_campaign("credential-replay")]).success
    assert rates[0]["credential-replay"][1] < rates[1]["credential-replay"][1]


# --- configuration -----------------------------------------------------------------------------------------------


def _experiment(write_yaml, **drift: Any) -> Path:
    return write_yaml("drift.yaml", {"name": "d", "topology": str(TOPOLOGY), "tiers": ["strict"],
                                     "replications": 1, "workloads": {"drift": drift}})


@pytest.mark.parametrize(("drift", "field"), [
    ({"exceptions": {"rate_per_s": -1}}, "workloads.drift.exceptions.rate_per_s"),
    ({"joins": {"rate_per_s": "-0.1 /d"}}, "workloads.drift.joins.rate_per_s"),
    ({"joins": {"unmanaged_fraction": 1.5}}, "workloads.drift.joins.unmanaged_fraction"),
    ({"find_probability": 2}, "workloads.drift.find_probability"),
    ({"exceptions": {"mix": {"allow": -1}}}, "workloads.drift.exceptions.mix"),
    ({"exceptions": {"mix": {"bribe": 1}}}, "workloads.drift.exceptions.mix.bribe"),
    ({"joins": {"unmanaged_exempt": ["monitoring"]}}, "workloads.drift.joins.unmanaged_exempt"),
    ({"test_interval_s": "-7 d"}, "workloads.drift.test_interval_s"),
    ({"sample_every_s": "2 h"}, "workloads.drift.sample_every_s"),
    ({"campaigns": ["no-such-campaign"]}, "workloads.drift.campaigns[0]"),
])
def test_bad_config_names_the_field(write_yaml, drift: dict[str, Any], field: str) -> None:
    with pytest.raises(InputError) as err:
        load_experiment(_experiment(write_yaml, **drift))
    assert err.value.field is not None and err.value.field.startswith(field), err.value


def test_the_shipped_experiment_sweeps_testing_intervals_including_never() -> None:
    exp = load_experiment(REPO / "experiments" / "drift.yaml")
    intervals = [p.workloads["drift"].test_interval_s for p in exp.points]  # type: ignore[attr-defined]
    assert intervals == [7 * DAY_S, 28 * DAY_S, 84 * DAY_S, None]
    assert [p.label for p in exp.points][-1] == "test_interval_s=never"


def test_experiment_records_and_plot(write_yaml, tmp_path: Path) -> None:
    path = write_yaml("drift.yaml", {
        "name": "d", "topology": str(TOPOLOGY), "tiers": ["strict"], "replications": 2, "seed": 3,
        "workloads": {"drift": {"horizon_s": "4 weeks", "trials": 200, "campaigns": ["escape-to-host"],
                                "exceptions": {"rate_per_s": "0.5 /d"}}},
        "sweep": {"grid": {"workloads.drift.test_interval_s": ["7 d", "never"]}},
    })
    out = api.run(path, write=False, workers=1)
    metrics = set(out.summary["metric"])
    assert {"drift.open_holes@d028", "drift.escape-to-host.success_rate@d014", "drift.mean_success_rate",
            "drift.open_holes_mean", "drift.success_rate@d000"} <= metrics
    files = drift_plot(out.summary, tmp_path / "plots")
    assert [f.suffix for f in files] == [".png", ".svg"] and all(f.stat().st_size > 1000 for f in files)
    assert drift_plot(pd.DataFrame({"tier": ["t"], "point": [""], "metric": ["x"], "mean": [1.0],
                                    "ci_low": [1.0], "ci_high": [1.0]}), tmp_path / "none") == []
