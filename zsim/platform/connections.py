"""Which requests open a new connection: a per-client pool with keep-alive.

Each principal (calling workload) keeps up to ``pool_size`` connections to the fleet's gateway and uses them in
turn; a connection idle for longer than ``keepalive_s`` is closed, so its next use opens a new one. New
connections are what TLS handshakes and per-connection authorization cost, so both controls read this one model.
"""

from __future__ import annotations

import numba
import numpy as np
from pydantic import Field, model_validator

from zsim.config.base import StrictModel
from zsim.units import Seconds


class CallerGroup(StrictModel):
    """Callers of one kind: their SPIFFE workload path (``gateway/ingress``, ``tenants/acme/training/job``)."""

    workload: str = Field(min_length=1)
    share: float = Field(gt=0, le=1, description="fraction of the principals of this kind")


class ClientSpec(StrictModel):
    principals: int = Field(64, ge=1, description="distinct calling workloads, each with its own identity")
    pool_size: int = Field(4, ge=1, description="connections each principal keeps to the gateway")
    keepalive_s: Seconds = Field(60.0, gt=0, description="idle time after which a pooled connection closes")
    callers: list[CallerGroup] = Field(
        default_factory=lambda: [CallerGroup(workload="gateway/ingress", share=1.0)],
        min_length=1,
        description="who the principals are; the identity plane's policy decides whether each may call",
    )
    target: str = Field("inference", min_length=1, description="the component the fleet serves, for the policy")

    @model_validator(mode="after")
    def _shares(self) -> ClientSpec:
        total = sum(c.share for c in self.callers)
        if abs(total - 1.0) > 1e-9:
            raise ValueError(f"caller shares must add up to 1, they add up to {total:g}")
        return self

    def principal_workloads(self) -> list[str]:
        """The workload path of each principal: caller groups fill the principals in order by share."""
        out: list[str] = []
        cum = 0.0
        for group in self.callers:
            cum += group.share
            upto = self.principals if group is self.callers[-1] else round(cum * self.principals)
            out.extend(f"{group.workload}-{i}" for i in range(len(out), upto))
        return out


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
