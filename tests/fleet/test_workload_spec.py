"""Arrival processes and service models draw what they claim."""

from __future__ import annotations

import numpy as np
import pytest

from zsim.platform.traces import load_trace
from zsim.platform.workload_spec import (
    GammaArrivals,
    PoissonArrivals,
    TokenService,
    TraceArrivals,
    draw_arrivals,
    draw_service,
)
from zsim.rng import SeedTree


def _rng(name: str) -> np.random.Generator:
    return SeedTree(1).replication(0).stream(name)


@pytest.mark.parametrize("cv", [0.5, 1.0, 3.0])
def test_gamma_renewal_has_the_requested_rate_and_cv(cv: float) -> None:
    t, _ = draw_arrivals(GammaArrivals(kind="gamma", rate_per_s=50.0, cv=cv), None, 200_000, _rng("a"), None)
    gaps = np.diff(t)
    assert 1 / gaps.mean() == pytest.approx(50.0, rel=0.02)
    assert gaps.std() / gaps.mean() == pytest.approx(cv, rel=0.03)


def test_poisson_horizon_by_duration_keeps_every_arrival_inside() -> None:
    t, _ = draw_arrivals(PoissonArrivals(kind="poisson", rate_per_s=1000.0), 60.0, None, _rng("a"), None)
    assert t[-1] < 60.0 and t.size == pytest.approx(60_000, rel=0.02)
    assert np.all(np.diff(t) > 0)


def test_trace_replay_follows_the_trace_and_its_tokens() -> None:
    trace = load_trace("builtin:azure-conv")
    spec = TraceArrivals(kind="trace", file="builtin:azure-conv", speedup=2.0)
    t, rows = draw_arrivals(spec, None, 1000, _rng("a"), None)
    np.testing.assert_allclose(t, trace.offset_s[:1000] / 2.0)
    svc = TokenService(kind="tokens", prefill_s_per_token=1e-4, decode_s_per_token=0.04)
    service, prefill, ctx, gen = draw_service(svc, t.size, rows, "builtin:azure-conv", _rng("s"), None)
    np.testing.assert_array_equal(ctx, trace.context_tokens[:1000])
    np.testing.assert_allclose(service, ctx * 1e-4 + gen * 0.04)
    assert np.all(prefill <= service)


def test_trace_loops_past_its_span() -> None:
    trace = load_trace("builtin:azure-code")
    spec = TraceArrivals(kind="trace", file="builtin:azure-code", loop=True)
    t, rows = draw_arrivals(spec, 2.5 * trace.span_s, None, _rng("a"), None)
    assert t.size > 2 * trace.offset_s.size
    assert np.all(np.diff(t) >= 0)


def test_azure_trace_statistics_match_its_notice() -> None:
    """The NOTICE's figures, recomputed: conv is close to Poisson (CV 1.09), code is bursty (CV 13.2)."""
    conv, code = load_trace("builtin:azure-conv"), load_trace("builtin:azure-code")
    assert conv.offset_s.size == 19_366 and code.offset_s.size == 8_819
    for trace, cv in ((conv, 1.09), (code, 13.2)):
        gaps = np.diff(trace.offset_s)
        assert gaps.std() / gaps.mean() == pytest.approx(cv, abs=0.05 * cv)
