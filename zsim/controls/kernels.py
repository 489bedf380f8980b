"""Small compiled kernels shared by controls (sequential scans that numpy cannot vectorise)."""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True)
def _cache_misses(arrival_s: np.ndarray, principal: np.ndarray, need: np.ndarray, ttl_s: float) -> np.ndarray:
    n_principals = 0
    for i in range(principal.shape[0]):
        if principal[i] + 1 > n_principals:
            n_principals = principal[i] + 1
    cached_until = np.full(n_principals, -np.inf)
    miss = np.zeros(arrival_s.shape[0], dtype=np.bool_)
    for i in range(arrival_s.shape[0]):
        if not need[i]:
            continue
        p = principal[i]
        if arrival_s[i] >= cached_until[p]:
            miss[i] = True
            cached_until[p] = arrival_s[i] + ttl_s
    return miss


def cache_misses(arrival_s: np.ndarray, principal: np.ndarray, need: np.ndarray, ttl_s: float) -> np.ndarray:
    """Bool per request: a decision is needed and the principal has no cached decision younger than ``ttl_s``."""
    return _cache_misses(
        np.ascontiguousarray(arrival_s, dtype=np.float64),
        np.ascontiguousarray(principal, dtype=np.int64),
        np.ascontiguousarray(need, dtype=np.bool_),
        float(ttl_s),
    )
