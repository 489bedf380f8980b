"""Which requests open a new connection: a per-client pool with keep-alive.

Each principal (calling workload) keeps up to ``pool_size`` connections to the fleet's gateway and uses them in
turn; a connection idle for longer than ``keepalive_s`` is closed, so its next use opens a new one. New
connections are what TLS handshakes and per-connection authorization cost, so both controls read this one model.
"""

from __future__ import annotations

import numba
import numpy as np
from pydantic import Field

from zsim.config.base import StrictModel
from zsim.units import Seconds


class ClientSpec(StrictModel):
    principals: int = Field(64, ge=1, description="distinct calling workloads, each with its own identity")
    pool_size: int = Field(4, ge=1, description="connections each principal keeps to the gateway")
    keepalive_s: Seconds = Field(60.0, gt=0, description="idle time after which a pooled connection closes")


@numba.njit(cache=True)
def _new_connections(
    arrival_s: np.ndarray, principal: np.ndarray, n_principals: int, pool_size: int, keepalive_s: float
) -> np.ndarray:
    last_use = np.full(n_principals * pool_size, -np.inf)
    turn = np.zeros(n_principals, dtype=np.int64)
    new = np.empty(arrival_s.shape[0], dtype=np.bool_)
    for i in range(arrival_s.shape[0]):
        p = principal[i]
        key = p * pool_size + turn[p]
        turn[p] = turn[p] + 1 if turn[p] + 1 < pool_size else 0
        new[i] = arrival_s[i] - last_use[key] > keepalive_s
        last_use[key] = arrival_s[i]
    return new


def new_connections(arrival_s: np.ndarray, principal: np.ndarray, spec: ClientSpec) -> np.ndarray:
    """Bool per request (sorted by arrival): does it open a new connection?"""
    return _new_connections(
        np.ascontiguousarray(arrival_s, dtype=np.float64),
        np.ascontiguousarray(principal, dtype=np.int64),
        spec.principals,
        spec.pool_size,
        float(spec.keepalive_s),
    )
