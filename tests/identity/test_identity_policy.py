"""The access policy: the seed's matrix as the default, its semantics, tenants, and the policy file."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.identity.certs import TD
from zsim.errors import InputError
from zsim.identity.decision import Reason
from zsim.identity.engine import PolicyEngine
from zsim.identity.names import Target, WorkloadName, workload_name
from zsim.identity.policy import default_policy, load_policy, policy_from_data, policy_from_yaml

# The seed's AIZeroTrustVerifier.ACCESS_POLICIES, copied from the seed document: the specification.
SEED_POLICIES = {
    "training": {
        "allowed_targets": ["data-store", "registry", "experiment-tracker", "feature-store"],
        "denied_targets": ["inference", "monitoring-admin"],
    },
    "inference": {"allowed_targets": ["registry", "feature-store"], "denied_targets": ["training", "data-store"]},
    "registry": {"allowed_targets": ["data-store"], "denied_targets": ["training", "inference"]},
    "pipeline": {
        "allowed_targets": ["training", "registry", "data-store", "feature-store"],
        "denied_targets": ["inference"],
    },
}
COMPONENTS = sorted(
    {c for rules in SEED_POLICIES.values() for lst in rules.values() for c in lst}
    | set(SEED_POLICIES)
    | {"unknown-thing", "monitoring"}
)


def seed_verify_access(trust_domain: str, source_td: str, component: str, target: str) -> tuple[bool, str]:
    """The seed's ``verify_access``, transcribed: the oracle for untenanted identities."""
    if source_td != trust_domain:
        return False, "td"
    policy = SEED_POLICIES.get(component)
    if policy is None:
        return False, "no policy"
    if target in policy.get("denied_targets", []):
        return False, "denied"
    if target in policy.get("allowed_targets", []):
        return True, "permitted"
    return False, "default deny"


SEED_CODE = {
    "td": {Reason.TRUST_DOMAIN_MISMATCH},
    "no policy": {Reason.UNKNOWN_COMPONENT},
    "denied": {Reason.EXPLICIT_DENY},
    "permitted": {Reason.ALLOWED},
    "default deny": {Reason.DEFAULT_DENY, Reason.UNKNOWN_TARGET},
}


def name(path: str, td: str = TD) -> WorkloadName:
    return workload_name(td, path)


@pytest.fixture(scope="module")
def engine() -> PolicyEngine:
    return PolicyEngine(default_policy(), TD)


def test_default_policy_is_the_seed_matrix() -> None:
    """The seed's four components verbatim, plus one entry the seed leaves out: the ingress gateway that
    carries user traffic to inference (without it default deny refuses every user request)."""
    policy = default_policy()
    as_data = {
        c: {"allowed_targets": list(r.allowed_targets), "denied_targets": list(r.denied_targets)}
        for c, r in policy.components.items()
    }
    gateway = as_data.pop("gateway")
    assert as_data == SEED_POLICIES
    assert gateway == {"allowed_targets": ["inference"], "denied_targets": []}


@pytest.mark.parametrize("component", COMPONENTS)
@pytest.mark.parametrize("target", COMPONENTS)
def test_every_pair_agrees_with_the_seed_verifier(engine: PolicyEngine, component: str, target: str) -> None:
    decision = engine.decide(name(f"/{component}/w-1"), Target(target))
    allowed, why = seed_verify_access(TD, TD, component, target)
    assert decision.allowed is allowed
    assert decision.code in SEED_CODE[why]


@given(
    td=st.sampled_from([TD, "evil.example"]),
    component=st.sampled_from(COMPONENTS),
    target=st.sampled_from(COMPONENTS),
    workload=st.from_regex(r"[a-z0-9-]{1,12}", fullmatch=True),
)
def test_seed_semantics_hold_for_any_identity(td: str, component: str, target: str, workload: str) -> None:
    engine = PolicyEngine(default_policy(), TD)
    decision = engine.decide(name(f"/{component}/{workload}", td), Target(target))
    allowed, why = seed_verify_access(TD, td, component, target)
    assert (decision.allowed, decision.code in SEED_CODE[why]) == (allowed, True)


def test_reasons_are_specific(engine: PolicyEngine) -> None:
    assert engine.decide(name("/training/j"), Target("registry")).reason == "permitted by policy: training -> registry"
    assert "training -> inference" in engine.decide(name("/training/j"), Target("inference")).reason
    assert engine.decide(name("/training/j"), Target("warp-drive")).code is Reason.UNKNOWN_TARGET
    assert engine.decide(name("/training/j"), Target("training")).code is Reason.DEFAULT_DENY
    assert engine.decide(name("/tenants/acme"), Target("registry")).code is Reason.UNKNOWN_COMPONENT


def test_explicit_denial_wins_and_cache_returns_the_same_decision(engine: PolicyEngine) -> None:
    first = engine.decide(name("/inference/a"), Target("data-store"))
    again = engine.decide(name("/inference/b"), Target("data-store"))
    assert first is again and first.code is Reason.EXPLICIT_DENY
    assert engine.evaluate(name("/inference/a").policy_key, Target("data-store")) == first


# --- tenants ------------------------------------------------------------------------------------------------


def test_same_tenant_follows_the_matrix(engine: PolicyEngine) -> None:
    src = name("/tenants/acme/training/job-1")
    assert src.tenant == "acme" and src.component == "training"
    assert engine.decide(src, Target("registry", "acme")).allowed
    assert engine.decide(src, Target("inference", "acme")).code is Reason.EXPLICIT_DENY


def test_cross_tenant_is_denied_by_default(engine: PolicyEngine) -> None:
    decision = engine.decide(name("/tenants/acme/training/job-1"), Target("registry", "globex"))
    assert not decision.allowed and decision.code is Reason.CROSS_TENANT
    assert "acme" in decision.reason and "globex" in decision.reason


def test_shared_services_and_platform_workloads(engine: PolicyEngine) -> None:
    assert engine.decide(name("/tenants/acme/training/j"), Target("registry")).allowed  # shared registry
    assert engine.decide(name("/pipeline/p"), Target("training", "acme")).code is Reason.CROSS_TENANT
    strict = policy_from_data(
        {
            **default_policy().to_yaml_dict(),
            "tenancy": {"tenants_may_use_shared": False, "platform_may_use_tenants": True},
        }
    )
    eng = PolicyEngine(strict, TD)
    assert eng.decide(name("/tenants/acme/training/j"), Target("registry")).code is Reason.CROSS_TENANT
    assert eng.decide(name("/pipeline/p"), Target("training", "acme")).allowed


def test_cross_tenant_rules_allow_only_what_they_name() -> None:
    data = default_policy().to_yaml_dict()
    data["tenancy"]["cross_tenant"] = [
        {"from": "acme", "to": "globex", "targets": ["feature-store"]},
        {"from": "*", "to": "shared-data"},
    ]
    eng = PolicyEngine(policy_from_data(data), TD)
    acme_training = name("/tenants/acme/training/j")
    assert eng.decide(acme_training, Target("feature-store", "globex")).allowed
    assert eng.decide(acme_training, Target("registry", "globex")).code is Reason.CROSS_TENANT
    assert (
        eng.decide(name("/tenants/globex/training/j"), Target("feature-store", "acme")).code is Reason.CROSS_TENANT
    )  # rules are one-way
    assert eng.decide(name("/tenants/zeta/inference/j"), Target("registry", "shared-data")).allowed
    # the matrix still applies on top of a cross-tenant rule
    assert (
        eng.decide(name("/tenants/zeta/inference/j"), Target("data-store", "shared-data")).code is Reason.EXPLICIT_DENY
    )


def test_trust_domain_is_checked(engine: PolicyEngine) -> None:
    decision = engine.decide(name("/training/j", "evil.example"), Target("registry"))
    assert decision.code is Reason.TRUST_DOMAIN_MISMATCH and "evil.example" in decision.reason


# --- the policy file ------------------------------------------------------------------------------------------


def test_user_edited_policy_file(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text("components:\n  training:\n    allowed_targets: [data-store]\n    denied_targets: [registry]\n")
    eng = PolicyEngine(load_policy(path), TD)
    assert eng.decide(name("/training/j"), Target("data-store")).allowed
    assert eng.decide(name("/training/j"), Target("registry")).code is Reason.EXPLICIT_DENY
    assert eng.decide(name("/inference/j"), Target("registry")).code is Reason.UNKNOWN_COMPONENT


@pytest.mark.parametrize(
    ("text", "field", "message"),
    [
        ("components: {training: {allowed: [x]}}", "components.training.allowed", "unknown key"),
        (
            "components: {training: {allowed_targets: [a], denied_targets: [a]}}",
            "components.training",
            "both allowed and denied",
        ),
        ("components: {tenants: {}}", "components.tenants.[key]", "reserved"),
        (
            "components: {training: {allowed_targets: ['data store']}}",
            "components.training.allowed_targets[0]",
            "path segment",
        ),
        ("components: {training: {allowed_targets: [a, a]}}", "components.training", "listed twice"),
        ("version: 2\ncomponents: {}", "version", "1"),
        ("tenancy: {cross_tenant: [{from: a}]}\ncomponents: {}", "tenancy.cross_tenant[0].to", "required"),
        ("description: x", "components", "required"),
    ],
)
def test_bad_policy_files_name_the_field(tmp_path: Path, text: str, field: str, message: str) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(text)
    with pytest.raises(InputError) as exc:
        load_policy(path)
    assert exc.value.file == str(path)
    assert exc.value.field == field, str(exc.value)
    assert message in exc.value.message


@pytest.mark.parametrize(
    ("text", "message"), [("- a\n- b\n", "mapping"), ("a: [\n", "invalid YAML"), ("a: 1\na: 2\n", "duplicate key")]
)
def test_unreadable_policy_files(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(text)
    with pytest.raises(InputError, match=message):
        load_policy(path)
    with pytest.raises(InputError, match="file not found"):
        load_policy(tmp_path / "missing.yaml")


def test_policy_round_trips_through_yaml() -> None:
    import yaml

    policy = default_policy()
    again = policy_from_yaml(yaml.safe_dump(policy.to_yaml_dict()))
    assert again == policy
