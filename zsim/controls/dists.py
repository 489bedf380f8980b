"""Latency distributions for control costs, fitted to the quantiles that published sources report.

Published overheads usually come as two percentiles (e.g. Istio's +0.228 ms p90, +0.298 ms p99). A lognormal
through two quantiles is the least-assumption fit that keeps the tail: ``ln q = mu + z * sigma``.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from pydantic import Field, model_validator

from zsim.config.base import StrictModel
from zsim.units import Seconds

_Z = {50: 0.0, 90: 1.2815515655446004, 95: 1.6448536269514722, 99: 2.3263478740408408}


class LatencyDist(StrictModel):
    """A non-negative latency: ``fixed`` (exactly ``median``) or ``lognormal`` through two quantiles."""

    kind: Literal["fixed", "lognormal"] = "lognormal"
    median: Seconds | None = Field(None, ge=0)
    p90: Seconds | None = Field(None, ge=0)
    p99: Seconds | None = Field(None, ge=0)

    @model_validator(mode="after")
    def _check(self) -> LatencyDist:
        if self.kind == "fixed":
            if self.median is None:
                raise ValueError("a fixed latency needs 'median'")
            return self
        given = [q for q in (self.median, self.p90, self.p99) if q is not None]
        if len(given) != 2:
            raise ValueError("a lognormal latency needs exactly two of median, p90, p99")
        if any(q <= 0 for q in given):
            raise ValueError("lognormal quantiles must be > 0")
        (z1, q1), (z2, q2) = self._quantiles()
        if q2 <= q1:
            raise ValueError("the higher percentile must be larger than the lower one")
        return self

    def _quantiles(self) -> list[tuple[float, float]]:
        pairs = [(50, self.median), (90, self.p90), (99, self.p99)]
        return [(_Z[p], float(q)) for p, q in pairs if q is not None]

    def params(self) -> tuple[float, float]:
        """(mu, sigma) of the underlying normal; sigma is 0 for ``fixed``."""
        if self.kind == "fixed":
            return math.log(self.median) if self.median else -math.inf, 0.0
        (z1, q1), (z2, q2) = self._quantiles()
        sigma = (math.log(q2) - math.log(q1)) / (z2 - z1)
        return math.log(q1) - z1 * sigma, sigma

    def mean_s(self) -> float:
        if self.kind == "fixed":
            return float(self.median or 0.0)
        mu, sigma = self.params()
        return math.exp(mu + sigma * sigma / 2)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        if self.kind == "fixed":
            return np.full(n, float(self.median or 0.0))
        mu, sigma = self.params()
        return rng.lognormal(mu, sigma, n)


def fixed(seconds: float) -> LatencyDist:
    return LatencyDist(kind="fixed", median=seconds)
