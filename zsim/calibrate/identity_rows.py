"""Identity operations, collected from :mod:`zsim.identity.calibrate` (the identity package owns how they run).

* ``x509_svid_issue_s`` — P-256 key generation and CA signature of an X.509-SVID;
* ``x509_svid_verify_s`` — a peer's SVID: PEM parse with py-spiffe, SPIFFE checks, chain validation;
* ``jwt_svid_validate_s`` — py-spiffe ``JwtSvid.parse_and_validate`` (ES256);
* ``policy_decision_s`` / ``cedar_decision_s`` — one uncached decision by the built-in engine / by Cedar
  (``cedarpy``, pre-parsed policy set), timed call by call so that the median and the 90th percentile describe
  single decisions (the authz control's in-process eval latency is a lognormal through two quantiles).
"""

from __future__ import annotations

from zsim.calibrate.budget import Budget
from zsim.calibrate.stats import Row


def _row(measurement: object, unit: str = "s") -> Row:
    from zsim.identity.calibrate import Measurement

    assert isinstance(measurement, Measurement)
    return Row(measurement.name, unit, measurement.median_s, measurement.iqr_s, measurement.p10_s,
               measurement.p90_s, measurement.samples,
               "single calls" if measurement.batch == 1 else f"batches of {measurement.batch}")


def measure_svids(budget: Budget) -> list[Row]:
    from zsim.identity import calibrate as ident

    n = budget.identity_samples
    return [_row(ident.measure_issue(samples=n)), _row(ident.measure_verify(samples=n)),
            _row(ident.measure_jwt_validate(samples=n))]


def measure_policy(budget: Budget) -> list[Row]:
    from zsim.identity import calibrate as ident

    return [_row(ident.measure_policy_decision(samples=budget.decisions, batch=1))]


def measure_cedar(budget: Budget) -> list[Row]:
    from zsim.identity import calibrate as ident

    return [_row(ident.measure_cedar_decision(samples=max(10, budget.decisions // 4), batch=1))]
