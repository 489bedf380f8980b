"""Time distributions for attack steps and detection delays.

A distribution is written as exactly one of::

    {exponential: {mean: 10 min}}         # or {exponential: {rate_per_s: 0.001}}
    {lognormal: {median: 30 min, p90: 2 h}}   # two of median / p90 / p99, or median + sigma
    {fixed: 5 min}
    {effort: HardAndCertain}              # MAL's named effort levels

Every draw goes through the inverse CDF (:meth:`TimeDist.ppf`) of a uniform that the engine draws up front from
a named stream. A control that raises a step's effort multiplies the *same* draw, so turning it on never shifts
another number (common random numbers), and longer is always longer for the same uniform.

**MAL effort levels** (the MAL language's predefined TTC distributions, in days: maltoolbox ``ttc.py``,
malcompiler ``Distributions``): ``EasyAndCertain`` = Exponential(rate 1/day); ``EasyAndUncertain`` =
Bernoulli(0.5), i.e. instant but possible only half of the time; ``HardAndCertain`` = Exponential(0.1/day);
``HardAndUncertain`` = Exponential(0.1/day) × Bernoulli(0.5); ``VeryHardAndCertain`` = Exponential(0.01/day);
``VeryHardAndUncertain`` = Exponential(0.01/day) × Bernoulli(0.5). The Bernoulli part becomes a factor on the
step's success probability (:attr:`TimeDist.success_factor`).
"""

from __future__ import annotations

import math
from enum import StrEnum
from typing import Any

import numpy as np
from pydantic import Field, model_validator
from scipy.special import ndtri

from zsim.config.base import StrictModel
from zsim.units import Seconds

DAY_S = 86400.0
_Z = {"median": 0.0, "p90": 1.2815515655446004, "p99": 2.3263478740408408}


class EffortLevel(StrEnum):
    EASY_AND_CERTAIN = "EasyAndCertain"
    EASY_AND_UNCERTAIN = "EasyAndUncertain"
    HARD_AND_CERTAIN = "HardAndCertain"
    HARD_AND_UNCERTAIN = "HardAndUncertain"
    VERY_HARD_AND_CERTAIN = "VeryHardAndCertain"
    VERY_HARD_AND_UNCERTAIN = "VeryHardAndUncertain"


# (mean in seconds or 0 for instant, success factor): MAL's definitions, days converted to seconds.
_EFFORT: dict[EffortLevel, tuple[float, float]] = {
    EffortLevel.EASY_AND_CERTAIN: (1.0 * DAY_S, 1.0),
    EffortLevel.EASY_AND_UNCERTAIN: (0.0, 0.5),
    EffortLevel.HARD_AND_CERTAIN: (10.0 * DAY_S, 1.0),
    EffortLevel.HARD_AND_UNCERTAIN: (10.0 * DAY_S, 0.5),
    EffortLevel.VERY_HARD_AND_CERTAIN: (100.0 * DAY_S, 1.0),
    EffortLevel.VERY_HARD_AND_UNCERTAIN: (100.0 * DAY_S, 0.5),
}


class Exponential(StrictModel):
    mean: Seconds | None = Field(None, gt=0)
    rate_per_s: float | None = Field(None, gt=0)

    @model_validator(mode="after")
    def _one(self) -> Exponential:
        if (self.mean is None) == (self.rate_per_s is None):
            raise ValueError("give exactly one of 'mean' and 'rate_per_s'")
        return self

    @property
    def mean_s(self) -> float:
        return float(self.mean) if self.mean is not None else 1.0 / float(self.rate_per_s or 1.0)


class LogNormal(StrictModel):
    median: Seconds | None = Field(None, gt=0)
    p90: Seconds | None = Field(None, gt=0)
    p99: Seconds | None = Field(None, gt=0)
    sigma: float | None = Field(None, ge=0)

    @model_validator(mode="after")
    def _two(self) -> LogNormal:
        quantiles = [q for q in ("median", "p90", "p99") if getattr(self, q) is not None]
        if self.sigma is not None:
            if quantiles != ["median"]:
                raise ValueError("with 'sigma' give 'median' and no other quantile")
            return self
        if len(quantiles) != 2:
            raise ValueError("give exactly two of median, p90, p99 (or median and sigma)")
        (z1, q1), (z2, q2) = [(_Z[q], float(getattr(self, q))) for q in quantiles]
        if q2 <= q1:
            raise ValueError("the higher percentile must be larger than the lower one")
        return self

    def mu_sigma(self) -> tuple[float, float]:
        if self.sigma is not None:
            return math.log(float(self.median or 1.0)), float(self.sigma)
        (z1, q1), (z2, q2) = [(_Z[q], float(getattr(self, q))) for q in ("median", "p90", "p99")
                              if getattr(self, q) is not None]
        sigma = (math.log(q2) - math.log(q1)) / (z2 - z1)
        return math.log(q1) - z1 * sigma, sigma


class TimeDist(StrictModel):
    """A non-negative duration distribution; exactly one key is set."""

    exponential: Exponential | None = None
    lognormal: LogNormal | None = None
    fixed: Seconds | None = Field(None, ge=0)
    effort: EffortLevel | None = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        # A bare number or unit string means a fixed duration: ``ttc: 5 min``.
        if isinstance(data, int | float | str) and not isinstance(data, bool):
            return {"fixed": data}
        return data

    @model_validator(mode="after")
    def _exactly_one(self) -> TimeDist:
        given = [k for k in ("exponential", "lognormal", "fixed", "effort") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of exponential, lognormal, fixed, effort")
        return self

    @property
    def success_factor(self) -> float:
        """The Bernoulli part of a MAL ``...Uncertain`` level (1 for every other form)."""
        return _EFFORT[self.effort][1] if self.effort is not None else 1.0

    @property
    def mean_s(self) -> float:
        if self.exponential is not None:
            return self.exponential.mean_s
        if self.lognormal is not None:
            mu, sigma = self.lognormal.mu_sigma()
            return math.exp(mu + sigma * sigma / 2)
        if self.fixed is not None:
            return float(self.fixed)
        return _EFFORT[self.effort][0] if self.effort is not None else 0.0

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Inverse CDF: durations in seconds for uniforms ``u`` in [0, 1)."""
        u = np.asarray(u, dtype=float)
        if self.fixed is not None:
            return np.full(u.shape, float(self.fixed))
        if self.lognormal is not None:
            mu, sigma = self.lognormal.mu_sigma()
            return np.exp(mu + sigma * ndtri(u))
        mean = self.exponential.mean_s if self.exponential is not None else self.mean_s
        if mean == 0.0:
            return np.zeros(u.shape)
        return -mean * np.log1p(-u)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return self.ppf(rng.random(n))

    def describe(self) -> str:
        if self.fixed is not None:
            return f"fixed {self.fixed:g} s"
        if self.exponential is not None:
            return f"exponential, mean {self.exponential.mean_s:g} s"
        if self.lognormal is not None:
            mu, sigma = self.lognormal.mu_sigma()
            return f"lognormal, median {math.exp(mu):g} s, sigma {sigma:.3g}"
        return f"MAL {self.effort}"


def fixed(seconds: float) -> TimeDist:
    return TimeDist(fixed=seconds)


def exponential(mean_s: float) -> TimeDist:
    return TimeDist(exponential=Exponential(mean=mean_s))


ZERO = fixed(0.0)
