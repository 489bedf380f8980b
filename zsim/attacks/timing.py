"""Closed-form timing of the platform's periodic processes, shared by the fast engine and the tests.

* **Renewal processes in stationary phase.** Token refreshes (period P ± jitter, uniform) and cached decisions
  are renewal processes that have run long before the campaign starts. At a random instant the current interval
  is *length-biased* (density ∝ l on [P(1−j), P(1+j)]) and the instant is uniform inside it, so the age is
  ``v·L`` and the residual life ``(1−v)·L`` with ``L = sqrt(a² + u(b² − a²))``.
* **Pipeline windows.** Runs start every ``period`` at a phase uniform per trial; a hand-off window
  ``[open, close)`` repeats with the runs, and the next stage loads the artifact at ``close``.
* **Periodic checks** tick every ``interval`` from a phase uniform per trial.
"""

from __future__ import annotations

import numpy as np

from zsim.attacks.dists import TimeDist
from zsim.attacks.effects import Periodic
from zsim.controls.dists import LatencyDist


def length_biased_interval(u: np.ndarray, period_s: float, jitter: float) -> np.ndarray:
    if jitter <= 0:
        return np.full(np.shape(u), float(period_s))
    a, b = period_s * (1 - jitter), period_s * (1 + jitter)
    return np.sqrt(a * a + u * (b * b - a * a))


def renewal_age(u_len: np.ndarray, u_pos: np.ndarray, period_s: float, jitter: float) -> np.ndarray:
    return u_pos * length_biased_interval(u_len, period_s, jitter)


def renewal_residual(u_len: np.ndarray, u_pos: np.ndarray, period_s: float, jitter: float) -> np.ndarray:
    return (1.0 - u_pos) * length_biased_interval(u_len, period_s, jitter)


def next_tick(x: np.ndarray, phase: np.ndarray, interval_s: float) -> np.ndarray:
    """First time ``phase + k·interval`` at or after ``x`` (k any integer)."""
    return phase + np.ceil((x - phase) / interval_s) * interval_s


def handoff_load(ready: np.ndarray, upload_s: np.ndarray, phase: np.ndarray, period_s: float,
                 windows: tuple[tuple[float, float], ...]) -> np.ndarray:
    """When the next stage loads an artifact swapped in the first window that still fits the upload."""
    best = np.full(np.shape(ready), np.inf)
    for open_s, close_s in windows:
        r = np.ceil((ready + upload_s - phase - close_s) / period_s)
        load = phase + r * period_s + close_s
        best = np.minimum(best, np.where(close_s - open_s >= upload_s, load, np.inf))
    return best


def next_consume(ready: np.ndarray, phase: np.ndarray, period_s: float, offsets: tuple[tuple[float, float], ...]
                 ) -> np.ndarray:
    best = np.full(np.shape(ready), np.inf)
    for start_s, _ in offsets:
        best = np.minimum(best, next_tick(ready, phase + start_s, period_s))
    return best


def delay_ppf(delay: object, u: np.ndarray) -> np.ndarray:
    """Detection delay for uniforms ``u`` (Periodic delays are handled by the caller)."""
    if isinstance(delay, TimeDist):
        return delay.ppf(u)
    if isinstance(delay, LatencyDist):
        if delay.kind == "fixed":
            return np.full(np.shape(u), float(delay.median or 0.0))
        from scipy.special import ndtri

        mu, sigma = delay.params()
        return np.exp(mu + sigma * ndtri(u))
    if isinstance(delay, Periodic):
        raise TypeError("a periodic delay depends on the act's time: use next_tick")
    raise TypeError(f"unknown delay {delay!r}")
