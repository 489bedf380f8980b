"""Deterministic cases: each control adds exactly its configured cost to each request it touches."""

from __future__ import annotations

import numpy as np
import pytest
import simpy

from tests.conftest import fleet_experiment
from zsim import api
from zsim.engine.workload import RunContext
from zsim.platform.fleet import InferenceFleet
from zsim.rng import SeedTree

SIDECAR_S = 0.25e-3
HANDSHAKE_CPU_S = 0.5e-3
RESUMED_CPU_S = 0.1e-3
AES_BPS = 4e9
HOP_S = 40e-6


def _outcomes(write_yaml, tiers, **inference):
    write_yaml("topo.yaml", {"name": "t", "network": {"hop_latency_s": HOP_S}})
    data = fleet_experiment(**inference)
    data.update(topology="topo.yaml", tiers=tiers)
    exp = api.load(write_yaml("exp.yaml", data))
    out = {}
    for tier in exp.tiers:
        ctx = RunContext(exp.topology, tier.controls, SeedTree(3).replication(0), base_dir=exp.base_dir)
        model = InferenceFleet(exp.workloads["inference"], ctx)
        ctx.models["inference"] = model
        env = simpy.Environment()
        model.start(env)
        env.run()
        out[tier.name] = model
    return out


NO_QUEUE = dict(replicas=2000, balancer="round_robin", arrivals={"kind": "poisson", "rate_per_s": 50.0},
                service={"kind": "deterministic", "mean_s": 0.01}, horizon={"requests": 4000},
                request_bytes=2000, response_bytes=6000)


def test_strict_mtls_adds_exactly_the_configured_costs(write_yaml) -> None:
    strict = {"name": "strict-fixed", "controls": {"mtls": {
        "mode": "strict", "proxy": "sidecar", "sidecar_latency": {"kind": "fixed", "median": SIDECAR_S},
        "full_handshake_cpu_s": HANDSHAKE_CPU_S, "resumed_handshake_cpu_s": RESUMED_CPU_S, "aes_gcm_Bps": AES_BPS,
    }}}
    models = _outcomes(write_yaml, ["none", strict], client={"principals": 3, "pool_size": 2, "keepalive_s": 0.2},
                       **NO_QUEUE)
    base, tls = models["none"].outcome, models["strict-fixed"].outcome
    assert np.array_equal(base.arrival_s, tls.arrival_s)
    added = tls.latency_s - base.latency_s
    # rebuild the expectation from the same connection model the fleet uses
    arrival, principal = base.arrival_s, None
    from zsim.platform.connections import new_connections

    principal = SeedTree(3).replication(0).stream("inference.principal").integers(0, 3, arrival.size)
    new = new_connections(arrival, principal, models["none"].config.client)
    first_of_principal = np.zeros(arrival.size, dtype=bool)
    idx = np.flatnonzero(new)
    _, pos = np.unique(principal[idx], return_index=True)
    first_of_principal[idx[pos]] = True
    handshake = np.where(new, 2 * HOP_S + 2 * np.where(first_of_principal, HANDSHAKE_CPU_S, RESUMED_CPU_S), 0.0)
    expected = SIDECAR_S + 2 * (2000 + 6000) / AES_BPS + handshake
    assert new.sum() > 3 and (~new).sum() > 100  # both kinds of request occur
    np.testing.assert_allclose(added, expected, rtol=0, atol=1e-12)


def test_in_process_authz_adds_its_fixed_eval_per_request(write_yaml) -> None:
    tier = {"name": "authz", "controls": {"authz": {"mode": "per_request", "engine": "in_process",
                                                    "eval_latency": {"kind": "fixed", "median": 36e-6}}}}
    models = _outcomes(write_yaml, ["none", tier], **NO_QUEUE)
    added = models["authz"].outcome.latency_s - models["none"].outcome.latency_s
    np.testing.assert_allclose(added, 36e-6, rtol=0, atol=1e-12)


def test_decision_cache_skips_decisions_within_ttl(write_yaml) -> None:
    tier = {"name": "cached", "controls": {"authz": {"mode": "per_request", "engine": "in_process",
                                                     "cache_ttl_s": 10.0,
                                                     "eval_latency": {"kind": "fixed", "median": 36e-6}}}}
    models = _outcomes(write_yaml, ["none", tier], client={"principals": 2}, **NO_QUEUE)
    added = models["cached"].outcome.latency_s - models["none"].outcome.latency_s
    span_s = models["none"].outcome.arrival_s[-1]
    decisions = int((added > 0).sum())
    # each of 2 principals re-decides once per TTL window
    assert decisions == pytest.approx(2 * np.ceil(span_s / 10.0), abs=2)


def test_token_stall_waits_for_the_refresh(write_yaml) -> None:
    tier = {"name": "tok", "controls": {"tokens": {"enabled": True, "ttl_s": 2.0, "refresh_at_fraction": 0.5,
                                                   "refresh_s": 0.2, "inflight": "stall", "validate_s": 0.0}}}
    models = _outcomes(write_yaml, ["none", tier], client={"principals": 1}, **NO_QUEUE)
    added = models["tok"].outcome.latency_s - models["none"].outcome.latency_s
    stalled = added > 0
    # one principal refreshing 0.2 s of every 1 s: about a fifth of the requests wait, none longer than 0.2 s
    assert stalled.mean() == pytest.approx(0.2, abs=0.03)
    assert added.max() <= 0.2 + 1e-12


def test_remote_authz_queues_near_capacity(write_yaml) -> None:
    """The ext_authz station: waiting grows as load nears its capacity (1 server, 1 ms per decision)."""
    waits = []
    for rate in (200.0, 900.0):
        tier = {"name": "remote", "controls": {"authz": {
            "mode": "per_request", "engine": "remote", "servers": 1,
            "remote_service": {"kind": "fixed", "median": 1e-3}}}}
        inference = dict(NO_QUEUE, arrivals={"kind": "poisson", "rate_per_s": rate}, horizon={"requests": 40_000})
        models = _outcomes(write_yaml, [tier], **inference)
        waits.append(models["remote"].metrics()["authz_wait_mean_s"])
    # M/D/1: Wq = rho / (2 mu (1 - rho))
    for rate, wait in zip((200.0, 900.0), waits, strict=True):
        rho = rate * 1e-3
        assert wait == pytest.approx(rho / (2 * 1e3 * (1 - rho)), rel=0.15)


def test_identity_policy_decides_who_may_call_the_fleet(write_yaml) -> None:
    """Callers are real SVIDs judged by the default policy: the gateway may call inference, a training job may
    not (the seed's matrix denies training -> inference explicitly). With authorization off nobody is refused."""
    client = {"principals": 10, "callers": [{"workload": "gateway/ingress", "share": 0.7},
                                            {"workload": "training/job", "share": 0.3}]}
    tiers = ["none", "strict", {"name": "lenient", "extends": "strict", "controls": {"authz": {"default_deny": False}}}]
    models = _outcomes(write_yaml, tiers, client=client, **NO_QUEUE)
    principal = SeedTree(3).replication(0).stream("inference.principal").integers(0, 10, 4000)
    from_training = principal >= 7
    assert models["none"].outcome.n_failed == 0
    # explicit denials hold whatever default_deny says
    for tier in ("strict", "lenient"):
        assert models[tier].outcome.n_failed == int(from_training.sum())
        assert models[tier].metrics()["failed_fraction"] == pytest.approx(from_training.mean())
