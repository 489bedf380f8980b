"""The tier catalog: every tier resolves, tiers nest as documented, and zoning applies controls by sensitivity."""

from __future__ import annotations

import pytest

from tests.conftest import fleet_experiment
from zsim import api
from zsim.config.tiers import catalog, resolve_tier

ISSUE_TIERS = ("none", "baseline", "identity", "strict", "max", "zoned")


def _active(controls) -> set[str]:  # type: ignore[no-untyped-def]
    return {c.name for c in controls.active()}


def test_catalog_has_the_documented_tiers_each_with_a_reason() -> None:
    cat = catalog()
    assert set(ISSUE_TIERS) <= set(cat)
    for name in ISSUE_TIERS:
        assert len(cat[name].description) > 80, name
        resolve_tier(cat[name])


def test_tiers_hold_what_their_descriptions_promise() -> None:
    tiers = {name: resolve_tier(catalog()[name]) for name in ISSUE_TIERS}
    assert _active(tiers["none"]) == set()
    assert tiers["identity"].params("mtls").mode == "permissive"
    assert tiers["identity"].params("authz").mode == "per_connection"
    strict = tiers["strict"]
    assert strict.params("mtls").mode == "strict" and strict.params("authz").mode == "per_request"
    assert strict.params("network_policy").default_deny and strict.params("monitoring").enabled
    assert strict.params("artifact_verification").deploy == "signature"
    assert strict.params("tokens").ttl_s == 3600.0
    mx = tiers["max"]
    assert _active(strict) < _active(mx)  # max is strict plus more
    assert mx.params("tokens").ttl_s == 300.0 and mx.params("tokens").reevaluate_on_refresh
    assert mx.params("rdma_encryption").mode != "off" and mx.params("attestation").enabled


def test_zoned_applies_the_strictest_controls_to_high_sensitivity_only() -> None:
    zoned = resolve_tier(catalog()["zoned"])
    high, default = zoned.for_sensitivity("high"), zoned.for_sensitivity("low")
    assert default is zoned
    assert zoned.params("mtls").mode == "permissive" and high.params("mtls").mode == "strict"
    assert not zoned.params("rdma_encryption").active() and high.params("rdma_encryption").active()
    assert zoned.params("network_policy").default_deny and high.params("network_policy").default_deny


def test_a_sensitive_workload_pays_for_its_zone(write_yaml) -> None:
    data = fleet_experiment(horizon={"requests": 3000})
    data["tiers"] = ["zoned"]
    data["replications"] = 1
    low = api.run(api.load(write_yaml("low.yaml", data)), write=False, workers=1)
    data["workloads"]["inference"]["sensitivity"] = "high"
    high = api.run(api.load(write_yaml("high.yaml", data)), write=False, workers=1)

    def metric(out, name):  # type: ignore[no-untyped-def]
        return out.summary.set_index("metric").loc[f"inference.{name}", "mean"]

    # the high zone adds per-request remote authorization and strict mTLS: more latency, an authz station
    assert metric(high, "latency_mean_s") > metric(low, "latency_mean_s")
    assert "inference.authz_utilisation" in set(high.summary["metric"])
    assert "inference.authz_utilisation" not in set(low.summary["metric"])


@pytest.mark.parametrize("level", ["secret", "HIGH"])
def test_unknown_sensitivity_is_an_error(write_yaml, capsys, monkeypatch, level: str) -> None:
    from tests.cli_helpers import run_cli

    data = fleet_experiment()
    data["tiers"] = [{"name": "z", "controls": {}, "by_sensitivity": {level: {"mtls": {"mode": "strict"}}}}]
    res = run_cli(capsys, monkeypatch, "validate", str(write_yaml("z.yaml", data)))
    assert res.code == 2 and "by_sensitivity" in res.err


def test_tiers_page_is_generated_from_the_catalog() -> None:
    import importlib.util

    from tests.conftest import REPO

    spec = importlib.util.spec_from_file_location("render_tiers", REPO / "docs" / "scripts" / "render_tiers.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    assert (REPO / "docs" / "tiers.md").read_text() == module.render(), "run docs/scripts/render_tiers.py"
