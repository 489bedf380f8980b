"""Calibration functions: real operations timed, median and spread reported."""

from __future__ import annotations

import pytest

from zsim.identity.calibrate import Measurement, calibrate_identity, measure


def test_calibrate_identity_measures_every_operation() -> None:
    result = calibrate_identity(quick=True)
    assert set(result) == {
        "x509_svid_issue_s",
        "x509_svid_verify_s",
        "jwt_svid_validate_s",
        "policy_decision_s",
        "cached_decision_s",
        "cedar_decision_s",
    }
    for m in result.values():
        assert isinstance(m, Measurement)
        assert 0 < m.p10_s <= m.median_s <= m.p90_s
        assert m.iqr_s >= 0 and m.samples == 5
        assert m.to_dict()["name"] == m.name
    # a cached decision skips the cryptography the full verification does
    assert result["cached_decision_s"].median_s < result["x509_svid_verify_s"].median_s


def test_measure_counts_operations_and_checks_arguments() -> None:
    calls: list[int] = []
    m = measure("noop_s", calls.append, samples=4, batch=3, warmup=2)
    assert len(calls) == 2 + 4 * 3 and m.samples == 4 and m.batch == 3
    with pytest.raises(ValueError):
        measure("bad", calls.append, samples=0)
