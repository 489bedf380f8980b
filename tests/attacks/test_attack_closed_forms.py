"""Both engines against closed forms (99.9 % Wilson intervals on fixed seeds) and the survival curve against
its distribution."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from tests.attacks.helpers import campaign, chain, controls, one_node_platform, seeds, wilson_contains
from zsim.attacks.compile import compile_campaign
from zsim.attacks.metrics import survival_curve, wilson
from zsim.attacks.montecarlo import simulate
from zsim.attacks.simpy_engine import simulate_simpy
from zsim.attacks.timing import handoff_load, length_biased_interval, next_tick

PLATFORM = one_node_platform()
NONE = controls()
ENGINES = [("fast", simulate, 40_000), ("simpy", simulate_simpy, 4_000)]


def rate(camp, ctl, engine, n, platform=PLATFORM) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    r = engine(compile_campaign(camp, platform, ctl), seeds(), n)
    return int(r.success.sum()), n


@pytest.mark.parametrize(("name", "engine", "n"), ENGINES)
@pytest.mark.parametrize("rates", [[1 / 600], [1 / 600, 1 / 1800, 1 / 60], [1 / 3600] * 4])
def test_chain_of_exponential_steps_against_exponential_detection(name, engine, n, rates) -> None:  # type: ignore[no-untyped-def]
    lam_d = 1 / 3000
    theory = math.prod(r / (r + lam_d) for r in rates)
    # as a hazard while each step runs ...
    assert wilson_contains(*rate(chain(rates, hazard_per_s=lam_d), NONE, engine, n), theory)
    # ... and as the platform's background detection from the campaign's start (a median of ln 2 / lambda)
    platform = PLATFORM.model_copy(update={"defender": PLATFORM.defender.model_copy(
        update={"dwell_median_s": math.log(2) / lam_d})})
    assert wilson_contains(*rate(chain(rates), NONE, engine, n, platform), theory)


def token_campaign(age: str, mean_s: float):  # type: ignore[no-untyped-def]
    return campaign([
        {"id": "steal", "technique": "T1528", "requires": ["foothold"], "yields": ["tok"],
         "action": {"kind": "steal-credential", "from": "foothold", "kinds": ["projected-token"], "token_age": age}},
        {"id": "replay", "technique": "T1550.001", "requires": ["foothold", "tok"], "yields": ["in"],
         "ttc": {"exponential": {"mean": mean_s}},
         "action": {"kind": "use-credential", "from": "foothold", "credential": "tok", "to": {"type": "data-store"}}},
    ], "in")


@pytest.mark.parametrize(("name", "engine", "n"), ENGINES)
@pytest.mark.parametrize(("ttl_s", "mean_s"), [(3600.0, 1800.0), (600.0, 7200.0)])
def test_stolen_token_used_after_exponential_delay(name, engine, n, ttl_s, mean_s) -> None:  # type: ignore[no-untyped-def]
    on = controls(tokens={"enabled": True, "ttl_s": ttl_s, "jitter_fraction": 0.0, "refresh_at_fraction": 0.5})
    # a token minted for the attacker lives exactly T: P = 1 - exp(-T/m)
    assert wilson_contains(*rate(token_campaign("fresh", mean_s), on, engine, n), 1 - math.exp(-ttl_s / mean_s))
    # a token taken mid-life has age A ~ U(0, fT): P = 1 - exp(-T/m) * m/(fT) * (exp(fT/m) - 1)
    f = 0.5
    theory = 1 - math.exp(-ttl_s / mean_s) * mean_s / (f * ttl_s) * math.expm1(f * ttl_s / mean_s)
    assert wilson_contains(*rate(token_campaign("current", mean_s), on, engine, n), theory)
    # static (tokens off): replay always works
    assert rate(token_campaign("current", mean_s), NONE, engine, 2000) == (2000, 2000)


def revoked(mean_s: float):  # type: ignore[no-untyped-def]
    return campaign([{"id": "keep", "technique": "T1078", "requires": ["foothold"], "yields": ["done"],
                      "ttc": {"exponential": {"mean": mean_s}},
                      "action": {"kind": "keep-access", "from": "foothold", "to": {"type": "data-store"}}}], "done")


def residual_theory(period_s: float, mean_s: float) -> float:
    """P(D < R) with D ~ Exp(mean m) and R ~ U(0, P): 1 - m/P (1 - exp(-P/m))."""
    return 1 - mean_s / period_s * -math.expm1(-period_s / mean_s)


@pytest.mark.parametrize(("name", "engine", "n"), ENGINES)
def test_revoked_access_lasts_until_the_next_reevaluation(name, engine, n) -> None:  # type: ignore[no-untyped-def]
    m = 900.0
    reeval = controls(tokens={"enabled": True, "ttl_s": 3600, "jitter_fraction": 0, "reevaluate_on_refresh": True})
    assert wilson_contains(*rate(revoked(m), reeval, engine, n), residual_theory(1800.0, m))
    cached = controls(authz={"mode": "per_request", "cache_ttl_s": 600})
    assert wilson_contains(*rate(revoked(m), cached, engine, n), residual_theory(600.0, m))
    assert rate(revoked(m), controls(authz={"mode": "per_request"}), engine, 1000)[0] == 0
    # per-connection authorization decided before the revocation; without re-evaluation refreshes carry it on
    for ctl in (controls(authz={"mode": "per_connection"}), controls(tokens={"enabled": True}), NONE):
        assert rate(revoked(m), ctl, engine, 1000) == (1000, 1000)


@pytest.mark.parametrize(("name", "engine", "n"), ENGINES)
def test_periodic_reverification_detects_within_its_interval(name, engine, n) -> None:  # type: ignore[no-untyped-def]
    interval, m = 3600.0, 1200.0
    camp = campaign([
        {"id": "tamper", "technique": "T1554", "requires": ["foothold"], "yields": ["t"],
         "action": {"kind": "tamper-runtime", "from": "foothold", "mode": "in-place"}},
        {"id": "run", "technique": "AML.T0018", "requires": ["t"], "yields": ["g"],
         "ttc": {"exponential": {"mean": m}}, "action": {"kind": "generic", "from": "t"}},
    ], "g")
    ctl = controls(runtime_integrity={"reverify_interval_s": interval})
    r = engine(compile_campaign(camp, PLATFORM, ctl), seeds(), n)
    assert wilson_contains(int(r.success.sum()), n, residual_theory(interval, m))
    assert r.detected.all() and (r.ttd_s <= interval + 1e-6).all()  # tampering happens at t = 0


def test_success_probabilities_multiply_and_mal_uncertain_halves() -> None:
    camp = campaign([
        {"id": "a", "technique": "T1078", "requires": ["foothold"], "yields": ["x"], "success_probability": 0.6},
        {"id": "b", "technique": "T1078", "requires": ["x"], "yields": ["y"], "ttc": {"effort": "EasyAndUncertain"}},
    ], "y")
    assert wilson_contains(*rate(camp, NONE, simulate, 40_000), 0.6 * 0.5)


def test_survival_curve_of_one_exponential_step() -> None:
    mean = 600.0
    r = simulate(compile_campaign(chain([1 / mean]), PLATFORM, NONE), seeds(), 20_000)
    assert r.success.all()
    assert stats.kstest(r.ttc_s, stats.expon(scale=mean).cdf).pvalue > 1e-3
    curve = survival_curve(r)
    t = np.array(curve["time_s"])
    assert np.allclose(curve["not_compromised"], np.exp(-t / mean), atol=0.02)


def test_wilson_interval_and_timing_helpers() -> None:
    lo, hi = wilson(0, 100)
    assert lo == pytest.approx(0.0, abs=1e-12) and hi == pytest.approx(1.96**2 / (100 + 1.96**2), rel=1e-3)
    lo, hi = wilson(50, 100)
    assert lo == pytest.approx(0.4038, abs=1e-3) and hi == pytest.approx(0.5962, abs=1e-3)
    u = np.random.default_rng(0).random(200_000)
    lengths = length_biased_interval(u, 100.0, 0.5)  # density proportional to l on [50, 150]
    assert lengths.mean() == pytest.approx((150**3 - 50**3) / 3 / ((150**2 - 50**2) / 2), rel=5e-3)
    assert next_tick(np.array([10.0, 30.0]), np.array([25.0, 25.0]), 20.0).tolist() == [25.0, 45.0]
    # window [100, 160) every 1000 s from phase 0: ready at 150 with a 20 s upload misses it -> next run
    assert handoff_load(np.array([50.0, 150.0]), np.array([20.0, 20.0]), np.zeros(2), 1000.0,
                        ((100.0, 160.0),)).tolist() == [160.0, 1160.0]
