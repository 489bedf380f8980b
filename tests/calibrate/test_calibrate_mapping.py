"""The mapping table: every target is a real cost field, every source a real row, the rules compute what their
sources say, alternatives are tried in order, and docs/calibration.md carries the table as generated."""

from __future__ import annotations

import pytest

from tests.conftest import REPO
from zsim.calibrate import mapping
from zsim.calibrate.groups import PUBLISHED, row_units
from zsim.calibrate.markers import section
from zsim.calibrate.stats import Row, skipped
from zsim.controls.base import cost_fields
from zsim.controls.registry import CONTROLS, control_names


def _all_cost_fields() -> set[str]:
    return {f"{n}.{f}" for n in control_names() for f in cost_fields(CONTROLS[n].Params)}


def test_targets_are_cost_fields_and_sources_are_rows() -> None:
    fields, rows = _all_cost_fields(), row_units()
    for m in mapping.MAPPINGS:
        assert m.key in fields, f"{m.key} is not a cost field of a registered control"
        assert all(r in rows for r in m.rows), m.rows
    assert set(mapping.NOT_MEASURED) <= fields
    assert not set(mapping.NOT_MEASURED) & {m.key for m in mapping.MAPPINGS}
    assert set(PUBLISHED) <= set(rows)


def _rows(**medians: float) -> dict[str, Row]:
    return {name: Row(name, "s", v, 0.0, v, v * 1.5, 3) for name, v in medians.items()}


def test_rules_follow_their_sources() -> None:
    rows = _rows(x509_svid_issue_s=90e-6, jwt_svid_validate_s=100e-6, aes_256_gcm_1KiB_Bps=2e9,
                 aes_256_gcm_1MiB_Bps=5e9, tls_full_handshake_cpu_s=0.4e-3, x509_svid_verify_s=175e-6,
                 ecdsa_p256_verify_s=67e-6)
    profile, used = mapping.apply(rows)
    # the same arithmetic as the published defaults they replace
    assert profile["tokens"]["refresh_s"] == pytest.approx(190e-6)
    assert profile["rdma_encryption"]["per_message_s"] == pytest.approx(1024 / 2e9 - 1024 / 5e9)
    assert profile["attestation"]["verify_s"] == pytest.approx(0.175e-3 + 0.067e-3)
    assert profile["mtls"] == {"full_handshake_cpu_s": 0.4e-3}
    assert used["tokens.refresh_s"].startswith("x509_svid_issue_s + jwt_svid_validate_s")


def test_a_field_needs_all_its_rows_measured() -> None:
    rows = _rows(x509_svid_issue_s=90e-6)
    rows["jwt_svid_validate_s"] = skipped("jwt_svid_validate_s", "s", "skipped: no spiffe")
    profile, used = mapping.apply(rows)
    assert "tokens" not in profile and not used


def test_alternatives_in_order_and_latency_quantiles() -> None:
    both = _rows(cedar_decision_s=20e-6, policy_decision_s=2e-6)
    assert mapping.apply(both)[0]["authz"]["eval_latency"] == pytest.approx({"median": 20e-6, "p90": 30e-6})
    only_builtin = _rows(policy_decision_s=2e-6)
    assert mapping.apply(only_builtin)[0]["authz"]["eval_latency"] == pytest.approx({"median": 2e-6, "p90": 3e-6})
    # a degenerate spread still gives a valid lognormal (p90 above the median)
    flat = {"policy_decision_s": Row("policy_decision_s", "s", 2e-6, 0.0, 2e-6, 2e-6, 3)}  # p90 == median
    latency = mapping.apply(flat)[0]["authz"]["eval_latency"]
    assert latency["p90"] > latency["median"]
    CONTROLS["authz"].Params.model_validate({"eval_latency": latency})


def test_negative_net_costs_are_clamped_to_zero() -> None:
    rows = _rows(aes_256_gcm_1KiB_Bps=6e9, aes_256_gcm_1MiB_Bps=5e9, tls_full_handshake_cpu_s=-1e-6)
    profile, _ = mapping.apply(rows)
    assert profile["rdma_encryption"]["per_message_s"] == 0.0
    assert profile["mtls"]["full_handshake_cpu_s"] == 0.0


def test_docs_carry_the_generated_mapping_table() -> None:
    doc = (REPO / "docs" / "calibration.md").read_text(encoding="utf-8")
    assert section(doc, mapping.START, mapping.END) == mapping.render_markdown(), (
        "docs/calibration.md is stale: python -m zsim.calibrate.mapping docs/calibration.md")


def test_docs_describe_every_row() -> None:
    doc = (REPO / "docs" / "calibration.md").read_text(encoding="utf-8")
    missing = [name for name in row_units() if f"`{name}`" not in doc]
    assert not missing, f"docs/calibration.md does not describe {missing}"
