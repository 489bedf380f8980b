"""Cedar (through cedarpy) and the built-in engine decide alike: on the default policy for every pair, and on
random policies with tenants."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.identity.certs import TD
from zsim.identity.cedar import CedarEngine, policy_to_cedar
from zsim.identity.decision import Reason
from zsim.identity.engine import PolicyEngine
from zsim.identity.names import Target
from zsim.identity.policy import Policy, default_policy, policy_from_data

DEFAULT = default_policy()
SOURCES = sorted(DEFAULT.known_components() | {"unknown-kind"})
TARGETS = sorted(DEFAULT.known_components() | {"unknown-service"})
TENANTS = [None, "acme", "globex"]


def key(td: str, tenant: str | None, component: str | None) -> tuple[str, str | None, str | None]:
    return (td, tenant, component)


@pytest.fixture(scope="module")
def engines() -> tuple[PolicyEngine, CedarEngine]:
    return PolicyEngine(DEFAULT, TD), CedarEngine(DEFAULT, TD)


def test_cedar_text_has_one_policy_per_rule() -> None:
    text = policy_to_cedar(DEFAULT, [TD])
    n_allow = sum(len(r.allowed_targets) for r in DEFAULT.components.values())
    n_deny = sum(len(r.denied_targets) for r in DEFAULT.components.values())
    assert text.count("permit (") == n_allow
    assert text.count("forbid (") == n_deny + 2  # plus trust domain and tenancy


@pytest.mark.parametrize("source", SOURCES)
def test_default_policy_every_pair_agrees(engines: tuple[PolicyEngine, CedarEngine], source: str) -> None:
    builtin, cedar = engines
    for target in TARGETS:
        want = builtin.evaluate(key(TD, None, source), Target(target))
        got = cedar.evaluate(key(TD, None, source), Target(target))
        assert (got.allowed, got.code) == (want.allowed, want.code), (source, target, got.reason)


def test_default_policy_agrees_across_trust_domains_and_tenants(engines: tuple[PolicyEngine, CedarEngine]) -> None:
    builtin, cedar = engines
    checked = 0
    for td, src_tenant, tgt_tenant in itertools.product([TD, "evil.example"], TENANTS, TENANTS):
        for source, target in [
            ("training", "registry"),
            ("inference", "data-store"),
            ("pipeline", "training"),
            ("unknown-kind", "registry"),
            ("training", "unknown-service"),
        ]:
            pk, tgt = key(td, src_tenant, source), Target(target, tgt_tenant)
            want, got = builtin.evaluate(pk, tgt), cedar.evaluate(pk, tgt)
            assert (got.allowed, got.code) == (want.allowed, want.code), (pk, tgt, got.reason)
            checked += 1
    assert checked == 2 * 9 * 5


def test_a_principal_without_component_is_denied_by_both(engines: tuple[PolicyEngine, CedarEngine]) -> None:
    builtin, cedar = engines
    for engine in engines:
        assert engine.decide(_Principal(key(TD, "acme", None)), Target("registry")).code is Reason.UNKNOWN_COMPONENT
    assert builtin.kind == "builtin" and cedar.kind == "cedar"


class _Principal:
    def __init__(self, policy_key: tuple[str, str | None, str | None]) -> None:
        self.policy_key = policy_key


NAMES = ["a", "b", "c", "d"]
TENANT_NAMES = ["t1", "t2"]


@st.composite
def policies(draw: st.DrawFn) -> Policy:
    components = {}
    for source in draw(st.lists(st.sampled_from(NAMES), unique=True, max_size=4)):
        targets = draw(st.lists(st.sampled_from(NAMES + ["e"]), unique=True, max_size=5))
        split = draw(st.integers(0, len(targets)))
        components[source] = {"allowed_targets": targets[:split], "denied_targets": targets[split:]}
    rules = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "from": st.sampled_from(TENANT_NAMES + ["*"]),
                    "to": st.sampled_from(TENANT_NAMES + ["*"]),
                    "targets": st.one_of(st.none(), st.lists(st.sampled_from(NAMES), unique=True, max_size=2)),
                }
            ),
            max_size=3,
        )
    )
    return policy_from_data(
        {
            "components": components,
            "tenancy": {
                "tenants_may_use_shared": draw(st.booleans()),
                "platform_may_use_tenants": draw(st.booleans()),
                "cross_tenant": rules,
            },
        }
    )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(policy=policies())
def test_random_policies_agree(policy: Policy) -> None:
    builtin, cedar = PolicyEngine(policy, TD), CedarEngine(policy, TD)
    for source, target in itertools.product(NAMES + ["z"], NAMES + ["e", "q"]):
        for src_tenant, tgt_tenant in itertools.product([None, *TENANT_NAMES], [None, *TENANT_NAMES]):
            pk, tgt = key(TD, src_tenant, source), Target(target, tgt_tenant)
            want, got = builtin.evaluate(pk, tgt), cedar.evaluate(pk, tgt)
            assert (got.allowed, got.code) == (want.allowed, want.code), (policy, pk, tgt, got.reason)


def test_identity_plane_with_the_cedar_engine_decides_like_the_builtin_one() -> None:
    import numpy as np

    from zsim.identity.plane import IdentityPlane

    planes = [
        IdentityPlane(TD, rng=np.random.default_rng(4), mode="modelled", engine=kind) for kind in ("builtin", "cedar")
    ]
    paths = ["/training/a", "/inference/b", "/tenants/acme/pipeline/c", "/unknown-kind/d", "/tenants/acme"]
    creds = [[p.issue(path, 0.0) for path in paths] for p in planes]
    for i in range(len(paths)):
        for target in TARGETS + ["tenants/acme/training", "tenants/globex/registry"]:
            a, b = (p.authorize(c[i], target, 5.0) for p, c in zip(planes, creds, strict=True))
            assert (a.allowed, a.code) == (b.allowed, b.code), (paths[i], target, b.reason)
