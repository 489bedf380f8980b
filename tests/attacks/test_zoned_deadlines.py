"""Zoned tiers: when the ways of doing a step meet different token lifetimes, the attacker gets the weakest
deadline, not none at all (a stolen token still expires)."""

from __future__ import annotations

from zsim.attacks.compile import _weakest_deadlines
from zsim.attacks.effects import NextRenewal, TokenExpiry

HOUR = TokenExpiry(ttl_s=3600.0, refresh_period_s=1800.0)
FIVE_MIN = TokenExpiry(ttl_s=300.0, refresh_period_s=150.0)


def test_the_weakest_common_deadline_survives() -> None:
    ways = [{("tokens", HOUR)}, {("tokens", FIVE_MIN)}]
    assert _weakest_deadlines(ways) == {("tokens", HOUR)}


def test_a_way_without_a_deadline_removes_it() -> None:
    assert _weakest_deadlines([{("tokens", HOUR)}, set()]) == set()


def test_within_one_way_the_strongest_of_a_kind_applies_and_kinds_stay_apart() -> None:
    renewal = NextRenewal(period_s=600.0)
    way = {("tokens", HOUR), ("tokens", FIVE_MIN), ("tokens", renewal)}
    assert _weakest_deadlines([way]) == {("tokens", FIVE_MIN), ("tokens", renewal)}
