"""The identity plane in simulated time: real certificates at the simulated clock, rotation at half-life with
jitter, revocation by authority only, policy re-evaluation at refresh, JWT-SVIDs, caching."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from scipy import stats
from spiffe import SpiffeId, X509Svid

from zsim.identity.clock import EPOCH
from zsim.identity.decision import Reason
from zsim.identity.plane import IdentityPlane
from zsim.identity.policy import default_policy, policy_from_data
from zsim.identity.records import Workload

TD = "ai-platform"
HOUR = 3600.0


def plane(mode: str = "real", seed: int = 7, **kwargs: object) -> IdentityPlane:
    return IdentityPlane(TD, rng=np.random.default_rng(seed), mode=mode, **kwargs)  # type: ignore[arg-type]


def without_registry_access():  # training may no longer reach the registry
    data = default_policy().to_yaml_dict()
    data["components"]["training"]["allowed_targets"].remove("registry")
    return policy_from_data(data)


# --- real certificates at simulated time ------------------------------------------------------------------


def test_each_svid_is_a_real_certificate_issued_at_simulated_time() -> None:
    p = plane(keep_private_keys=True)
    cred = p.issue("/training/job-1", now_s=125.7)
    assert cred.chain_pem is not None and cred.private_key_pem is not None
    svid = X509Svid.parse(cred.chain_pem, cred.private_key_pem)
    assert svid.spiffe_id == SpiffeId(f"spiffe://{TD}/training/job-1")
    assert svid.leaf.not_valid_before_utc == EPOCH + dt.timedelta(seconds=125)
    assert svid.leaf.not_valid_after_utc == EPOCH + dt.timedelta(seconds=125 + 3600)
    assert (cred.not_before_s, cred.not_after_s) == (125, 125 + 3600)


@pytest.mark.parametrize("mode", ["real", "modelled"])
def test_expired_in_simulated_time_is_denied_because_expired(mode: str) -> None:
    p = plane(mode)
    cred = p.issue("/training/job-1", 0.0)
    assert p.authorize(cred, "registry", HOUR).allowed  # notAfter itself is still valid
    late = p.authorize(cred, "registry", HOUR + 1e-6)
    assert not late.allowed and late.code is Reason.EXPIRED
    assert "2026-01-01T01:00:00Z" in late.reason
    early = p.authorize(cred, "registry", -1.0)
    assert early.code is Reason.NOT_YET_VALID


def test_verification_is_cached_by_fingerprint_and_rechecked_each_time() -> None:
    p = plane()
    cred = p.issue("/training/job-1", 0.0)
    for t in (1.0, 2.0, 3.0, 100.0):
        assert p.authorize(cred, "registry", t).allowed
    assert p.full_verifications["x509"] == 1  # one full path, then the cache
    assert p.authorize(cred, "registry", 2 * HOUR).code is Reason.EXPIRED  # the cache still checks time
    assert p.full_verifications["x509"] == 1


def test_tiny_cache_still_gives_the_same_decisions() -> None:
    big, small = plane(seed=3), plane(seed=3, cache_entries=2)
    creds = [(big.issue(f"/pipeline/p{i}", 0.0), small.issue(f"/pipeline/p{i}", 0.0)) for i in range(5)]
    for t in (10.0, 20.0):
        for a, b in creds:
            assert big.authorize(a, "training", t) == small.authorize(b, "training", t)
    assert small.full_verifications["x509"] > big.full_verifications["x509"] == 5


# --- rotation ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["real", "modelled"])
def test_rotation_at_half_life_with_ten_percent_jitter(mode: str) -> None:
    p = plane(mode, svid_ttl_s=HOUR)
    n = 400 if mode == "modelled" else 60
    creds = [p.issue(f"/inference/pod-{i}", 0.0) for i in range(n)]
    fractions = np.array([c.rotate_at_s / c.ttl_s for c in creds])
    assert fractions.min() >= 0.45 and fractions.max() <= 0.55
    # uniform on half-life ± 10 % of the half-life: [0.45, 0.55] of the lifetime
    assert stats.kstest(fractions, stats.uniform(loc=0.45, scale=0.10).cdf).pvalue > 1e-3


def test_rotate_due_rotates_exactly_the_due_workloads() -> None:
    p = plane("modelled")
    creds = {i: p.issue(f"/training/job-{i}", 0.0) for i in range(20)}
    first = p.next_rotation_s()
    assert first == min(c.rotate_at_s for c in creds.values())
    t = 0.5 * HOUR
    due = {w.spiffe_id for w in p.due(t)}
    assert due == {c.spiffe_id for c in creds.values() if c.rotate_at_s <= t}
    fresh = p.rotate_due(t)
    assert {c.spiffe_id for c in fresh} == due
    assert all(c.not_before_s == int(t) and c.workload.credential is c for c in fresh)
    assert p.due(t) == []
    assert all(w.issued == (2 if w.spiffe_id in due else 1) for w in p.workloads)


def test_workloads_rotating_on_schedule_are_never_denied_for_expiry() -> None:
    p = plane("modelled")
    workloads = [p.workload(p.issue(f"/pipeline/p-{i}", 0.0).spiffe_id) for i in range(10)]
    t = 0.0
    while t < 3 * 24 * HOUR:  # across CA rotations too
        t = p.next_rotation_s() or t
        p.rotate_due(t)
        for w in workloads:
            assert p.authorize(w, "registry", t).allowed
    assert p.authorities_created >= 3  # CA TTL 24 h, rotated at half-life


def test_old_svid_stays_valid_until_it_expires_after_rotation() -> None:
    """No per-SVID revocation: a copy of the old SVID (e.g. stolen) keeps working until notAfter."""
    p = plane()
    old = p.issue("/training/job-1", 0.0)
    new = p.rotate(old.workload, 0.5 * HOUR)
    assert old.workload.credential is new and old is not new
    assert p.authorize(old, "data-store", 0.9 * HOUR).allowed
    assert p.authorize(old, "data-store", 1.1 * HOUR).code is Reason.EXPIRED
    assert p.authorize(old.workload, "data-store", 1.1 * HOUR).allowed  # the workload holds the new one


# --- revocation by authority ------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["real", "modelled"])
def test_revocation_works_only_by_authority(mode: str) -> None:
    p = plane(mode)
    a = p.issue("/training/a", 0.0)
    b = p.issue("/inference/b", 10.0)
    authority = a.authority_id
    assert b.authority_id == authority
    assert p.authorize(a, "registry", 20.0).allowed  # verified (and cached) before the revocation
    affected = p.revoke_authority(authority, 30.0)
    assert {w.spiffe_id for w in affected} == {a.spiffe_id, b.spiffe_id}
    for cred, target in ((a, "registry"), (b, "registry")):
        decision = p.authorize(cred, target, 31.0)
        assert not decision.allowed and decision.code is Reason.AUTHORITY_REVOKED
    assert p.active_authority is not None and p.active_authority.authority_id != authority
    assert {w.spiffe_id for w in p.due(30.0)} == {a.spiffe_id, b.spiffe_id}  # holders rotate at once
    fresh = p.rotate_due(30.0)
    assert all(p.authorize(c, "registry", 31.0).allowed for c in fresh)
    with pytest.raises(KeyError):
        p.revoke_authority(authority, 40.0)  # already gone
    assert not hasattr(p, "revoke_svid")


# --- policy re-evaluation at refresh ----------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["real", "modelled"])
def test_revoked_permission_takes_effect_no_later_than_next_refresh(mode: str) -> None:
    p = plane(mode)
    workloads = [p.workload(p.issue(f"/training/job-{i}", 0.0).spiffe_id) for i in range(8)]
    update_s = 600.0
    p.update_policy(without_registry_access(), update_s)
    refreshed_at: dict[str, float] = {}
    while len(refreshed_at) < len(workloads):
        t = p.next_rotation_s()
        assert t is not None
        for w in workloads:  # not refreshed yet: still on the policy their SVID was issued under
            if w.spiffe_id not in refreshed_at:
                assert p.authorize(w, "registry", t).allowed
        for cred in p.rotate_due(t):
            refreshed_at.setdefault(cred.spiffe_id, t)
            denied = p.authorize(cred, "registry", t)
            assert not denied.allowed and denied.code is Reason.DEFAULT_DENY
            assert p.authorize(cred, "data-store", t).allowed
    # every SVID (issued at 0) is refreshed within half-life + 10 %: the denial is in force by then
    assert update_s < min(refreshed_at.values()) and max(refreshed_at.values()) <= 0.55 * HOUR


def test_reevaluate_per_request_applies_at_once_and_never_does_not_apply() -> None:
    per_request, never = plane("modelled", reevaluate="request"), plane("modelled", reevaluate="never")
    for p in (per_request, never):
        cred = p.issue("/training/job-1", 0.0)
        p.update_policy(without_registry_access(), 10.0)
        p.rotate(cred.workload, 20.0)
    assert per_request.authorize(per_request.workload("/training/job-1"), "registry", 21.0).code is Reason.DEFAULT_DENY
    assert never.authorize(never.workload("/training/job-1"), "registry", 21.0).allowed


# --- trust domain, forged SVIDs, JWT-SVIDs ----------------------------------------------------------------


@pytest.mark.parametrize("mode", ["real", "modelled"])
def test_forged_and_foreign_svids(mode: str) -> None:
    p = plane(mode)
    p.issue("/training/job-1", 0.0)
    assert p.authorize(p.forge("/training/job-1", 5.0), "registry", 6.0).code is Reason.UNKNOWN_AUTHORITY
    foreign = p.forge("spiffe://staging.example/training/job-1", 5.0)
    assert p.authorize(foreign, "registry", 6.0).code is Reason.TRUST_DOMAIN_MISMATCH
    assert p.authorize(Workload(p.name("/training/x")), "registry", 6.0).code is Reason.NO_CREDENTIAL


@pytest.mark.parametrize("mode", ["real", "modelled"])
def test_jwt_svids(mode: str) -> None:
    p = plane(mode)
    token = p.issue_jwt("/inference/pod-1", "registry", 100.0)
    assert token.expires_at_s - token.issued_at_s == 300  # SPIRE default JWT-SVID TTL
    assert (token.token is not None) is (mode == "real")
    assert p.authorize_jwt(token, "registry", 150.0).allowed
    assert p.authorize_jwt(token, "feature-store", 150.0).code is Reason.AUDIENCE_MISMATCH
    assert p.authorize_jwt(token, "data-store", 150.0, audience="registry").code is Reason.EXPLICIT_DENY
    assert p.authorize_jwt(token, "registry", 399.999).allowed
    assert p.authorize_jwt(token, "registry", 400.0).code is Reason.EXPIRED  # exp is exclusive
    p.update_policy(policy_from_data({"components": {}}), 200.0)
    assert p.authorize_jwt(token, "registry", 201.0).allowed  # bound to the policy at issue
    assert (
        p.authorize_jwt(p.issue_jwt("/inference/pod-1", "registry", 202.0), "registry", 203.0).code
        is Reason.UNKNOWN_COMPONENT
    )  # re-evaluated at token refresh
    p.revoke_authority(token.authority_id, 210.0)
    assert p.authorize_jwt(token, "registry", 211.0).code is Reason.AUTHORITY_REVOKED


# --- arguments ----------------------------------------------------------------------------------------------


def test_bad_arguments() -> None:
    with pytest.raises(TypeError, match="Generator"):
        IdentityPlane(TD, rng=np.random.RandomState(1))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="mode"):
        plane("fake")
    with pytest.raises(ValueError, match="reevaluate"):
        plane(reevaluate="sometimes")
    with pytest.raises(ValueError, match="rotation_jitter"):
        plane(rotation_jitter=1.5)
    with pytest.raises(ValueError, match="half of ca_ttl_s"):
        plane(svid_ttl_s=20 * HOUR)
    p = plane("modelled")
    p.issue("/training/a", 100.0)
    with pytest.raises(ValueError, match="back in time"):
        p.issue("/training/b", 50.0)
    with pytest.raises(ValueError, match="at least 1 s"):
        p.issue("/training/b", 100.0, ttl_s=0.1)


@pytest.mark.parametrize("mode", ["real", "modelled"])
def test_forged_svid_before_any_issue(mode: str) -> None:
    p = plane(mode)
    forged = p.forge("/training/job-1", 1.0)
    assert p.authorize(forged, "registry", 2.0).code is Reason.UNKNOWN_AUTHORITY
