"""What each control buys, as the issue states it, and that every registered control buys or costs something."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from tests.attacks.helpers import TOPOLOGY, controls, quiet, seeds
from zsim.attacks.compile import compile_campaign
from zsim.attacks.loader import library
from zsim.attacks.montecarlo import TrialResults, simulate
from zsim.attacks.platform import PlatformSpec
from zsim.attacks.runner import load_platform
from zsim.controls.base import Plane, RequestBatch
from zsim.controls.registry import CONTROLS, ControlSet, control_names

SHIPPED = quiet(load_platform(TOPOLOGY))
N = 3000

# One "on" setting per registered control. A new control must be added here, and must change some campaign
# outcome or some cost hook (DESIGN principle 1: a parameter that nothing reads is a bug).
ON: dict[str, dict[str, Any]] = {
    "artifact_verification": {"evaluate": "signature", "deploy": "signature", "load": "signature"},
    "attestation": {"enabled": True},
    "authz": {"mode": "per_request"},
    "container_hardening": {"enabled": True},
    "credential_hygiene": {"enabled": True},
    "data_integrity": {"provenance": True, "validation": True},
    "monitoring": {"enabled": True},
    "mtls": {"mode": "strict", "proxy": "sidecar"},
    "network_policy": {"default_deny": True},
    "rdma_encryption": {"mode": "offload"},
    "runtime_integrity": {"digest_pinning": True, "reverify_interval_s": 3600},
    "tokens": {"enabled": True, "reevaluate_on_refresh": True},
}


def run(cid: str, ctl: ControlSet, platform: PlatformSpec = SHIPPED, n: int = N) -> TrialResults:
    return simulate(compile_campaign(library()[cid], platform, ctl), seeds(), n)


def sr(cid: str, ctl: ControlSet, platform: PlatformSpec = SHIPPED) -> float:
    return float(run(cid, ctl, platform).success.mean())


NONE = controls()


def test_default_deny_blocks_training_to_inference_but_not_rdma_or_poisoning() -> None:
    deny = controls(network_policy={"default_deny": True})
    assert sr("lateral-training-to-inference", NONE) == 1.0
    assert sr("lateral-training-to-inference", deny) == 0.0
    for cid in ("rdma-snooping", "data-poisoning", "credential-replay", "revoked-access"):
        assert np.array_equal(run(cid, deny).success, run(cid, NONE).success), cid  # invisible / allowed paths


def test_authorization_follows_the_identity_policy() -> None:
    for mode in ("per_request", "per_connection"):
        assert sr("lateral-training-to-inference", controls(authz={"mode": mode})) == 0.0  # explicit deny
        assert sr("tenant-to-tenant", controls(authz={"mode": mode})) < sr("tenant-to-tenant", NONE)
    # per request sees a revocation at once; per connection only when a connection opens
    assert sr("revoked-access", controls(authz={"mode": "per_request"})) == 0.0
    assert sr("revoked-access", controls(authz={"mode": "per_connection"})) == 1.0
    # a stolen pod identity may read its own tenant's store: authorization cannot tell a thief from the owner
    assert sr("credential-replay", controls(authz={"mode": "per_request"})) == 1.0


def test_strict_mtls_blocks_interception_permissive_does_not() -> None:
    strict = controls(mtls={"mode": "strict", "proxy": "sidecar"})
    permissive = controls(mtls={"mode": "permissive", "proxy": "sidecar"})
    # all servers in the mesh; the attacker's hostNetwork pod is a plaintext client outside it
    platform = PlatformSpec.model_validate({
        "components": [
            {"name": "hn", "type": "training", "tenant": "a", "node": "n1", "host_network": True},
            {"name": "store", "type": "data-store", "node": "n2"},  # shared: not an entry
        ],
        "network": {"links": [{"from": {"type": "training"}, "to": {"type": "data-store"}}]},
        "defender": {"dwell_median_s": None},
    })
    assert sr("plaintext-interception", NONE, platform) == 1.0
    assert sr("plaintext-interception", permissive, platform) == 1.0
    assert sr("plaintext-interception", strict, platform) == 0.0
    # the shipped platform: node agents and a hostNetwork job talk to mesh servers in plaintext
    none = run("plaintext-interception", NONE).success
    assert none.any()
    assert np.array_equal(run("plaintext-interception", permissive).success, none)
    assert sr("plaintext-interception", strict) == 0.0
    # a server on the host network has no sidecar: STRICT cannot encrypt what reaches it
    exposed = platform.model_copy(update={"components": [
        platform.components[0], platform.components[1].model_copy(update={"host_network": True})]})
    assert sr("plaintext-interception", strict, exposed) == 1.0


def test_signature_blocks_substitution_a_hash_only_what_metadata_protects() -> None:
    sig = controls(artifact_verification={"evaluate": "signature", "deploy": "signature", "load": "signature"})
    hashed = controls(artifact_verification={"evaluate": "hash", "deploy": "hash", "load": "hash"})
    assert sr("artifact-poisoning", NONE) == 1.0
    assert sr("artifact-poisoning", sig) == 0.0
    r = run("artifact-poisoning", hashed)
    # the hand-off branch (digest in the pipeline's metadata store) is caught; the registry branch (which
    # rewrites the digest with registry credentials) is not: only entries holding such credentials succeed
    assert r.success.any() and not r.success.all()
    names = {SHIPPED.components[i].name for i in np.unique(r.entry[r.success])}
    assert names == {"acme-train-0", "acme-pipeline"}


def test_rdma_encryption_attestation_and_hardening_on_the_fabric() -> None:
    assert sr("rdma-snooping", NONE) > 0
    assert sr("rdma-snooping", controls(rdma_encryption={"mode": "software"})) == 0.0
    assert sr("rdma-snooping", controls(network_policy={"default_deny": True})) == sr("rdma-snooping", NONE)
    assert sr("rdma-snooping", controls(container_hardening={"enabled": True})) == 0.0
    # a rank on the host network but not privileged: only the escape + capture-driver path exists
    platform = PlatformSpec.model_validate({
        "components": [
            {"name": "r0", "type": "training", "node": "n1", "job": "j", "rdma": True, "host_network": True},
            {"name": "r1", "type": "training", "node": "n2", "job": "j", "rdma": True},
        ],
        "defender": {"dwell_median_s": None},
    })
    r = run("rdma-snooping", NONE, platform)
    assert set(r.entry[r.success]) == {0}
    assert sr("rdma-snooping", controls(attestation={"enabled": True}), platform) == 0.0


def test_monitoring_detects_and_evicts() -> None:
    on = controls(monitoring={"enabled": True, "detect_probability": 0.5})
    base, mon = run("artifact-poisoning", NONE), run("artifact-poisoning", on)
    assert mon.detected.mean() > base.detected.mean() + 0.2
    assert mon.success.mean() < base.success.mean()
    assert (mon.success <= base.success).all()


def test_runtime_integrity_pins_digests_and_reverifies() -> None:
    pin = controls(runtime_integrity={"digest_pinning": True})
    periodic = controls(runtime_integrity={"reverify_interval_s": 600})
    assert sr("runtime-tampering", NONE) == 1.0
    assert sr("runtime-tampering", pin) == 1.0  # the in-place path remains
    assert sr("runtime-tampering", periodic) == 1.0  # the image path remains
    both = sr("runtime-tampering", controls(runtime_integrity={"digest_pinning": True, "reverify_interval_s": 600}))
    assert 0 < both < 0.5  # 2 h of harm needed, found within 10 min: P = (m/I)(1 - e^{-I/m}) ~ 0.04... < 0.5


def test_data_poisoning_needs_data_level_controls_network_controls_do_nothing() -> None:
    network = controls(network_policy={"default_deny": True}, mtls={"mode": "strict", "proxy": "sidecar"},
                       authz={"mode": "per_request"}, tokens={"enabled": True, "reevaluate_on_refresh": True})
    assert np.array_equal(run("data-poisoning", network).success, run("data-poisoning", NONE).success)
    assert sr("data-poisoning", NONE) == 1.0
    assert sr("data-poisoning", controls(data_integrity={"provenance": True})) == 1.0  # the ingestion path signs
    validated = run("data-poisoning", controls(data_integrity={"validation": True, "catch_probability": 0.8}))
    # two ways in, each batch caught independently with 0.8: the attacker gets through with 1 - 0.8^2
    assert validated.success.mean() == pytest.approx(1 - 0.8**2, abs=0.03) and validated.detected.any()
    both = run("data-poisoning", controls(data_integrity={"provenance": True, "validation": True,
                                                          "catch_probability": 0.8}))
    assert both.success.mean() == pytest.approx(0.2, abs=0.03)  # provenance leaves only the ingestion path


def test_container_hardening_and_credential_hygiene() -> None:
    assert sr("escape-to-host", NONE) > 0
    assert sr("escape-to-host", controls(container_hardening={"enabled": True})) == 0.0
    hygiene = controls(credential_hygiene={"enabled": True}, tokens={"enabled": True, "ttl_s": 600})
    only_tokens = controls(tokens={"enabled": True, "ttl_s": 600})
    assert sr("credential-replay", hygiene) < sr("credential-replay", only_tokens) < 1.0


def _costs(name: str) -> bool:
    """Does some cost hook of the control, switched on, return a non-zero cost?"""
    c = CONTROLS[name](CONTROLS[name].Params.model_validate(ON[name]))
    n = 64
    batch = RequestBatch(arrival_s=np.linspace(0, 1, n), principal=np.arange(n) % 4,
                         new_connection=np.arange(n) % 8 == 0, request_bytes=np.full(n, 1e3),
                         response_bytes=np.full(n, 1e3), rtt_s=1e-4)
    cost = c.request_path(batch, np.random.default_rng(0))
    if cost is not None and (np.any(np.asarray(cost.cpu_s) > 0) or np.any(np.asarray(cost.client_delay_s) > 0)
                             or cost.stations):
        return True
    for plane in Plane:
        t = c.transfer(plane, 1e9, 10)
        if t is not None and (t.cpu_s_per_byte > 0 or t.setup_s > 0 or t.rate_cap_Bps or t.per_message_s > 0):
            return True
        if c.line_rate_fraction(plane) != 1.0:
            return True
    for boundary in ("evaluate", "register", "deploy", "load", "sign:model", "admission", "data"):
        try:
            a = c.artifact_verify(1e9, boundary)
        except ValueError:
            continue
        if a is not None and a.cpu_s + a.wall_s + a.overlappable_wall_s > 0:
            return True
    return c.node_join(8) > 0 or c.credential() is not None


def test_every_registered_control_changes_an_outcome_or_a_cost() -> None:
    """Each control, added to nothing or removed from everything, changes some campaign's outcome under common
    random numbers, or else some cost hook charges for it."""
    assert set(ON) == set(control_names()), "add the new control's 'on' settings to ON"

    def outcomes(settings: dict[str, dict[str, Any]]) -> dict[str, tuple[bytes, bytes]]:
        ctl = ControlSet("x", {k: CONTROLS[k].Params.model_validate(v) for k, v in settings.items()})
        out = {}
        for cid in library():
            r = run(cid, ctl, n=1000)
            out[cid] = (r.success.tobytes(), r.detected.tobytes())
        return out

    nothing, everything = outcomes({}), outcomes(ON)
    silent = []
    for name in control_names():
        alone = outcomes({name: ON[name]})
        all_but = outcomes({k: v for k, v in ON.items() if k != name})
        if alone == nothing and all_but == everything and not _costs(name):
            silent.append(name)
    assert not silent, f"controls that change no campaign outcome and no cost: {silent}"
