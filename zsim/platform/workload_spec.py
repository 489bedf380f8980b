"""Inference workload spec: arrival processes and service-time models, drawn as numpy arrays.

Arrivals: ``poisson`` (rate), ``gamma`` (renewal process with a given coefficient of variation of the
inter-arrival time; CV 1 is Poisson, above 1 bursty), ``trace`` (replay of a request trace, optionally sped up).
Service: ``exponential``, ``lognormal`` (mean and CV), ``deterministic``, or ``tokens``: prefill time per prompt
token plus time per output token, with token counts from a trace (replayed with it, or resampled).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
from pydantic import Field

from zsim.config.base import StrictModel
from zsim.platform.traces import Trace, load_trace
from zsim.units import PerSecond, Seconds


class PoissonArrivals(StrictModel):
    kind: Literal["poisson"]
    rate_per_s: PerSecond = Field(gt=0)


class GammaArrivals(StrictModel):
    kind: Literal["gamma"]
    rate_per_s: PerSecond = Field(gt=0)
    cv: float = Field(gt=0, description="coefficient of variation of inter-arrival times")


class TraceArrivals(StrictModel):
    kind: Literal["trace"]
    file: str = Field(min_length=1, description="CSV path (relative to the experiment) or builtin:azure-conv")
    speedup: float = Field(1.0, gt=0, description="divide trace inter-arrival times by this")
    loop: bool = Field(False, description="repeat the trace when the horizon is longer than it")


Arrivals = Annotated[PoissonArrivals | GammaArrivals | TraceArrivals, Field(discriminator="kind")]


class ExponentialService(StrictModel):
    kind: Literal["exponential"]
    mean_s: Seconds = Field(gt=0)


class LognormalService(StrictModel):
    kind: Literal["lognormal"]
    mean_s: Seconds = Field(gt=0)
    cv: float = Field(gt=0)


class DeterministicService(StrictModel):
    kind: Literal["deterministic"]
    mean_s: Seconds = Field(gt=0)


class TokenService(StrictModel):
    kind: Literal["tokens"]
    prefill_s_per_token: Seconds = Field(gt=0)
    decode_s_per_token: Seconds = Field(gt=0)
    overhead_s: Seconds = Field(0.0, ge=0, description="fixed time per request (scheduling, sampling)")
    tokens_from: str = Field(
        "arrivals", description="'arrivals' (the replayed trace's own tokens) or a trace file to resample from"
    )
    bytes_per_token: float = Field(4.0, gt=0, description="request/response payload per token")


Service = Annotated[
    ExponentialService | LognormalService | DeterministicService | TokenService, Field(discriminator="kind")
]


def draw_arrivals(
    spec: PoissonArrivals | GammaArrivals | TraceArrivals,
    horizon_s: float | None,
    max_requests: int | None,
    rng: np.random.Generator,
    base_dir: Path | None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Arrival times in [0, horizon) (or the first ``max_requests``), and the trace row of each if replayed."""
    if isinstance(spec, TraceArrivals):
        trace = load_trace(spec.file, base_dir)
        offsets = trace.offset_s / spec.speedup
        span = offsets[-1] + (offsets[-1] / max(offsets.size - 1, 1))
        reps = 1
        need_n = max_requests or 0
        if spec.loop:
            if horizon_s is not None and span > 0:
                reps = max(1, math.ceil(horizon_s / span))
            if need_n:
                reps = max(reps, math.ceil(need_n / offsets.size))
        t = (offsets[None, :] + span * np.arange(reps)[:, None]).ravel()
        rows = np.tile(np.arange(offsets.size), reps)
        keep = np.ones(t.size, dtype=bool)
        if horizon_s is not None:
            keep &= t < horizon_s
        t, rows = t[keep], rows[keep]
        if max_requests is not None:
            t, rows = t[:max_requests], rows[:max_requests]
        return t, rows
    rate = spec.rate_per_s
    if max_requests is not None:
        n = max_requests
    else:
        assert horizon_s is not None
        mean_n = rate * horizon_s
        n = int(mean_n + 6 * math.sqrt(mean_n) + 16)
    gaps = _gaps(spec, rate, n, rng)
    t = np.cumsum(gaps)
    if max_requests is None:
        while t[-1] < horizon_s:  # rare: extend with more draws from the same stream
            more = np.cumsum(_gaps(spec, rate, n, rng)) + t[-1]
            t = np.concatenate([t, more])
        t = t[t < horizon_s]
    return t, None


def _gaps(spec: PoissonArrivals | GammaArrivals, rate: float, n: int, rng: np.random.Generator) -> np.ndarray:
    if isinstance(spec, PoissonArrivals):
        return rng.exponential(1.0 / rate, n)
    shape = 1.0 / (spec.cv * spec.cv)
    return rng.gamma(shape, 1.0 / (rate * shape), n)


def draw_service(
    spec: ExponentialService | LognormalService | DeterministicService | TokenService,
    n: int,
    trace_rows: np.ndarray | None,
    arrivals_trace: str | None,
    rng: np.random.Generator,
    base_dir: Path | None,
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None, np.ndarray | None]:
    """(service_s, prefill_s or None, context_tokens or None, generated_tokens or None) per request."""
    if isinstance(spec, ExponentialService):
        return rng.exponential(spec.mean_s, n), None, None, None
    if isinstance(spec, DeterministicService):
        return np.full(n, spec.mean_s), None, None, None
    if isinstance(spec, LognormalService):
        sigma2 = math.log1p(spec.cv * spec.cv)
        mu = math.log(spec.mean_s) - sigma2 / 2
        return rng.lognormal(mu, math.sqrt(sigma2), n), None, None, None
    ctx, gen = _tokens(spec, n, trace_rows, arrivals_trace, rng, base_dir)
    prefill = ctx * spec.prefill_s_per_token
    return prefill + gen * spec.decode_s_per_token + spec.overhead_s, prefill + spec.overhead_s, ctx, gen


def _tokens(
    spec: TokenService,
    n: int,
    trace_rows: np.ndarray | None,
    arrivals_trace: str | None,
    rng: np.random.Generator,
    base_dir: Path | None,
) -> tuple[np.ndarray, np.ndarray]:
    if spec.tokens_from == "arrivals":
        if trace_rows is None or arrivals_trace is None:
            raise ValueError("tokens_from: arrivals needs trace arrivals; name a trace file to resample from")
        trace: Trace = load_trace(arrivals_trace, base_dir)
        return trace.context_tokens[trace_rows].astype(float), trace.generated_tokens[trace_rows].astype(float)
    trace = load_trace(spec.tokens_from, base_dir)
    pick = rng.integers(0, trace.context_tokens.size, n)
    return trace.context_tokens[pick].astype(float), trace.generated_tokens[pick].astype(float)


def mean_service_s(
    spec: ExponentialService | LognormalService | DeterministicService | TokenService,
    arrivals_trace: str | None,
    base_dir: Path | None,
) -> float:
    """Expected service time, for the offered-load (stability) check before a run."""
    if not isinstance(spec, TokenService):
        return spec.mean_s
    source = arrivals_trace if spec.tokens_from == "arrivals" else spec.tokens_from
    if source is None:
        return float("nan")
    trace = load_trace(source, base_dir)
    return float(
        trace.context_tokens.mean() * spec.prefill_s_per_token
        + trace.generated_tokens.mean() * spec.decode_s_per_token
        + spec.overhead_s
    )
