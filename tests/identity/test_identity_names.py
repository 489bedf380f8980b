"""SPIFFE ID layout: component and tenant from the path; targets."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zsim.errors import InputError
from zsim.identity.clock import EPOCH, datetime_us, sim_datetime, sim_us, us_datetime
from zsim.identity.names import Target, WorkloadName, split_path, workload_name

SEGMENT = st.from_regex(r"[A-Za-z0-9._-]{1,10}", fullmatch=True).filter(lambda s: s not in (".", "..", "tenants"))


@given(component=SEGMENT, rest=st.lists(SEGMENT, max_size=3), tenant=st.one_of(st.none(), SEGMENT))
def test_path_layout_round_trips(component: str, rest: list[str], tenant: str | None) -> None:
    prefix = f"/tenants/{tenant}" if tenant else ""
    path = f"{prefix}/{component}" + "".join(f"/{r}" for r in rest)
    name = workload_name("ai-platform", path)
    assert (name.tenant, name.component) == (tenant, component)
    assert name.spiffe_id == f"spiffe://ai-platform{path}"
    assert WorkloadName.parse(name.spiffe_id) == name
    target = Target.parse(f"tenants/{tenant}/{component}" if tenant else component)
    assert (target.tenant, target.component) == (tenant, component)
    assert Target.parse(str(target)) == target


def test_paths_without_component() -> None:
    assert split_path("/tenants/acme") == ("acme", None)
    assert split_path("/tenants") == (None, None)
    assert split_path("/") == (None, None)


@pytest.mark.parametrize("bad", ["/training/../x", "/training//x", "/tr aining/x", "spiffe://ai-platform"])
def test_bad_workload_paths(bad: str) -> None:
    with pytest.raises(InputError):
        workload_name("ai-platform", bad)


def test_target_from_a_server_spiffe_id_and_bad_targets() -> None:
    assert Target.parse("spiffe://ai-platform/tenants/acme/registry/r-1") == Target("registry", "acme")
    for bad in ("a/b", "tenants/acme", "", "re gistry"):
        with pytest.raises(InputError):
            Target.parse(bad)


@given(now_s=st.floats(min_value=-1e9, max_value=1e9, allow_nan=False))
def test_simulated_clock_round_trips_in_microseconds(now_s: float) -> None:
    t_us = sim_us(now_s)
    assert datetime_us(us_datetime(t_us)) == t_us
    assert sim_datetime(now_s) == us_datetime(t_us)
    assert abs((sim_datetime(now_s) - EPOCH).total_seconds() - now_s) <= 1e-6 + abs(now_s) * 1e-15
