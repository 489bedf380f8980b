"""Simulated time on certificates.

Certificates carry calendar times, the simulator carries seconds. Simulated second 0 is :data:`EPOCH`
(2026-01-01T00:00:00Z), and every comparison is made in whole microseconds, the resolution of
:class:`datetime.datetime`, so that the real mode (datetimes on certificates) and the modelled mode (numbers)
decide on exactly the same instants.
"""

from __future__ import annotations

import datetime as dt
import math

EPOCH = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
US_PER_S = 1_000_000


def sim_us(now_s: float) -> int:
    """Simulated seconds → integer microseconds since :data:`EPOCH`."""
    if not math.isfinite(now_s):
        raise ValueError(f"simulated time must be finite, got {now_s!r}")
    return round(now_s * US_PER_S)


def us_datetime(t_us: int) -> dt.datetime:
    """Integer microseconds since :data:`EPOCH` → an aware UTC datetime."""
    return EPOCH + dt.timedelta(microseconds=t_us)


def sim_datetime(now_s: float) -> dt.datetime:
    """Simulated seconds → the calendar time written on (or checked against) a certificate."""
    return us_datetime(sim_us(now_s))


def datetime_us(when: dt.datetime) -> int:
    """An aware datetime → integer microseconds since :data:`EPOCH` (negative before it)."""
    if when.tzinfo is None:
        raise ValueError("datetime must be timezone-aware")
    delta = when - EPOCH
    return (delta.days * 86_400 + delta.seconds) * US_PER_S + delta.microseconds


def floor_second(when: dt.datetime) -> dt.datetime:
    """Certificates and JWTs hold whole seconds: drop the fraction."""
    return when.replace(microsecond=0)


def iso(when: dt.datetime) -> str:
    """``2026-01-01T01:00:00Z`` (microseconds shown only when present)."""
    text = when.astimezone(dt.UTC).isoformat()
    return text.replace("+00:00", "Z")
