"""Measure what identity operations cost on this machine, for the calibration step to collect.

Every ``measure_*`` function runs the real operation ``samples`` times in batches of ``batch`` operations and
returns a :class:`Measurement`: the median seconds per operation and the spread across batches (interquartile
range, 10th and 90th percentiles). Nothing here runs inside the event loop; the simulator uses the figures
(published sanity ranges: ``../shared/reference/published.md``, "Service-to-service controls").
"""

from __future__ import annotations

import contextlib
import datetime as dt
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from spiffe import JwtSvid

from zsim.identity.ca import TrustDomainCA
from zsim.identity.engine import PolicyEngine
from zsim.identity.names import Target, WorkloadName
from zsim.identity.plane import IdentityPlane
from zsim.identity.policy import Policy, default_policy
from zsim.identity.verify import X509Verifier

_TD = "calibration.zsim"


@dataclass(frozen=True)
class Measurement:
    """Seconds per operation: median over batches, and the spread across batches."""

    name: str
    median_s: float
    iqr_s: float
    p10_s: float
    p90_s: float
    samples: int
    batch: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _quantile(sorted_values: list[float], q: float) -> float:
    return float(np.quantile(np.asarray(sorted_values), q))


def measure(
    name: str, op: Callable[[int], object], *, samples: int = 15, batch: int = 20, warmup: int = 3
) -> Measurement:
    """Time ``op(i)``: ``samples`` batches of ``batch`` calls each (after ``warmup`` calls)."""
    if samples < 1 or batch < 1:
        raise ValueError("samples and batch must be at least 1")
    for i in range(warmup):
        op(i)
    per_op: list[float] = []
    counter = 0
    for _ in range(samples):
        start = time.perf_counter_ns()
        for _ in range(batch):
            op(counter)
            counter += 1
        per_op.append((time.perf_counter_ns() - start) / batch / 1e9)
    per_op.sort()
    return Measurement(
        name=name,
        median_s=statistics.median(per_op),
        iqr_s=_quantile(per_op, 0.75) - _quantile(per_op, 0.25),
        p10_s=_quantile(per_op, 0.10),
        p90_s=_quantile(per_op, 0.90),
        samples=samples,
        batch=batch,
    )


def _ca(now: dt.datetime) -> TrustDomainCA:
    return TrustDomainCA.create(_TD, not_before=now - dt.timedelta(minutes=1), ttl_s=86_400)


def measure_issue(*, samples: int = 15, batch: int = 10) -> Measurement:
    """X.509-SVID issue: P-256 key generation and signing by the CA (published: ≈90 µs)."""
    now = dt.datetime.now(dt.UTC)
    ca = _ca(now)
    return measure(
        "x509_svid_issue_s",
        lambda i: ca.issue_x509_svid(f"spiffe://{_TD}/training/job-{i}", not_before=now),
        samples=samples,
        batch=batch,
    )


def measure_verify(*, samples: int = 15, batch: int = 10) -> Measurement:
    """Full path of a peer SVID: PEM parse, SPIFFE checks, chain validation (published: 120–175 µs)."""
    now = dt.datetime.now(dt.UTC)
    ca = _ca(now)
    pem = ca.issue_x509_svid(f"spiffe://{_TD}/training/job-1", not_before=now).chain_pem()
    verifier = X509Verifier(ca.x509_bundle())

    def op(_: int) -> None:
        if not verifier.verify_pem(pem, now).ok:
            raise RuntimeError("calibration SVID failed to verify")

    return measure("x509_svid_verify_s", op, samples=samples, batch=batch)


def measure_jwt_validate(*, samples: int = 15, batch: int = 20) -> Measurement:
    """JWT-SVID validation with py-spiffe's ``JwtSvid.parse_and_validate`` at the wall clock (published:
    ≈100 µs)."""
    now = dt.datetime.now(dt.UTC)
    ca = _ca(now)
    token = ca.issue_jwt_svid(f"spiffe://{_TD}/inference/pod-1", "registry", issued_at=now, ttl_s=3600)
    bundle = ca.jwt_bundle()
    return measure(
        "jwt_svid_validate_s",
        lambda _: JwtSvid.parse_and_validate(token, bundle, {"registry"}),
        samples=samples,
        batch=batch,
    )


def _pairs(policy: Policy) -> list[tuple[WorkloadName, Target]]:
    components = sorted(policy.known_components())
    return [
        (WorkloadName(f"spiffe://{_TD}/{s}/w", _TD, f"/{s}/w", None, s), Target(t))
        for s in components
        for t in components
    ]


def measure_policy_decision(policy: Policy | None = None, *, samples: int = 15, batch: int = 200) -> Measurement:
    """One built-in policy evaluation, uncached, cycling over every (source, target) pair of the policy."""
    engine = PolicyEngine(policy or default_policy(), _TD)
    pairs = _pairs(engine.policy)
    return measure(
        "policy_decision_s",
        lambda i: engine.evaluate(pairs[i % len(pairs)][0].policy_key, pairs[i % len(pairs)][1]),
        samples=samples,
        batch=batch,
    )


def measure_cedar_decision(policy: Policy | None = None, *, samples: int = 15, batch: int = 50) -> Measurement:
    """One Cedar evaluation through cedarpy with a pre-parsed policy set (published: 12–30 µs)."""
    from zsim.identity.cedar import CedarEngine

    engine = CedarEngine(policy or default_policy(), _TD)
    pairs = _pairs(engine.policy)
    return measure(
        "cedar_decision_s",
        lambda i: engine.evaluate(pairs[i % len(pairs)][0].policy_key, pairs[i % len(pairs)][1]),
        samples=samples,
        batch=batch,
    )


def measure_cached_decision(*, samples: int = 15, batch: int = 2000) -> Measurement:
    """Per-request cost once an SVID is verified: the identity plane's cached path (real mode)."""
    plane = IdentityPlane(_TD, rng=np.random.default_rng(0), mode="real")
    cred = plane.issue("/training/job-1", 0.0)
    targets = [Target(t) for t in sorted(plane.policy.known_components())]
    if plane.check_credential(cred, 1.0) != cred.name:
        raise RuntimeError("calibration SVID failed to verify")
    return measure(
        "cached_decision_s",
        lambda i: plane.authorize(cred, targets[i % len(targets)], 10.0),
        samples=samples,
        batch=batch,
    )


def calibrate_identity(*, quick: bool = False, cedar: bool = True) -> dict[str, Measurement]:
    """Every identity measurement (``quick`` takes fewer samples, for tests and smoke runs)."""
    samples = 5 if quick else 15
    out = [
        measure_issue(samples=samples),
        measure_verify(samples=samples),
        measure_jwt_validate(samples=samples),
        measure_policy_decision(samples=samples),
        measure_cached_decision(samples=samples),
    ]
    if cedar:
        with contextlib.suppress(ImportError):  # cedarpy is optional
            out.append(measure_cedar_decision(samples=samples))
    return {m.name: m for m in out}
