"""The registry: fair sharing of its serving link, the limit on concurrent pulls, and storage capacity."""

from __future__ import annotations

from pathlib import Path

import pytest
import simpy
import yaml
from hypothesis import given
from hypothesis import strategies as st

from tests.cli_helpers import run_cli
from tests.pipeline.helpers import context, run
from zsim import api
from zsim.errors import InputError
from zsim.platform.network import NetworkSpec
from zsim.platform.registry import RegistrySpec
from zsim.platform.rollout import max_concurrent
from zsim.platform.shared_link import SharedLink, fair_rates

S = 140e9
LINK = 12.5e9


def test_fair_rates_water_filling() -> None:
    assert fair_rates([1.0, 10.0, 10.0], 12.0) == [1.0, 5.5, 5.5]
    assert fair_rates([4.0] * 3, 12.0) == [4.0] * 3
    assert fair_rates([100.0] * 8, 25.0) == [25.0 / 8] * 8  # equal flows get the very same float


@given(st.lists(st.floats(0.01, 100.0), min_size=1, max_size=12), st.floats(0.1, 200.0))
def test_fair_rates_invariants(caps: list[float], capacity: float) -> None:
    rates = fair_rates(caps, capacity)
    assert all(0 < r <= c * (1 + 1e-12) for r, c in zip(rates, caps, strict=True))
    assert sum(rates) <= capacity * (1 + 1e-9)
    bottleneck = [r for r, c in zip(rates, caps, strict=True) if r < c * (1 - 1e-9)]
    if bottleneck:  # the link is full and every unsatisfied flow gets the largest rate (max-min fairness)
        assert sum(rates) == pytest.approx(capacity, rel=1e-9)
        assert max(rates) == pytest.approx(min(bottleneck), rel=1e-9)


def test_shared_link_processor_sharing() -> None:
    env = simpy.Environment()
    link = SharedLink(env, 10.0)
    ends: dict[str, float] = {}

    def flow(name: str, start: float, size: float):  # type: ignore[no-untyped-def]
        yield env.timeout(start)
        yield link.transfer(size)
        ends[name] = env.now

    env.process(flow("a", 0.0, 20.0))
    env.process(flow("b", 0.0, 60.0))
    env.process(flow("c", 1.0, 5.0))
    env.run()
    # 0-1 s: a, b at 5/s (a: 15 left, b: 55). Then three flows at 10/3: c done after 1.5 s (t=2.5), a has 10
    # left, b 50; then two at 5/s: a done at 4.5, b has 40 left, alone at 10/s: done at 8.5.
    assert ends == pytest.approx({"a": 4.5, "b": 8.5, "c": 2.5}, rel=1e-12)
    assert link.max_flows == 3


def _rollout(replicas: int, width: int, pulls: int, serving: float) -> dict[str, float]:
    registry = RegistrySpec(
        serving_bandwidth_Bps=serving, per_pull_bandwidth_Bps=100e9, max_concurrent_pulls=pulls
    )
    ctx = context(registry=registry, network=NetworkSpec(storage_bandwidth_Bps=LINK))
    deploy = {
        "replicas": replicas,
        "max_unavailable": width,
        "drain_s": 10,
        "load_bandwidth_Bps": 25e9,
        "warmup_min_s": 20,
        "warmup_max_s": 20,
    }
    model = run({"model_bytes": S, "stages": ["deploy"], "deploy": deploy}, ctx)
    assert max_concurrent([(0, a, b) for a, b in model.registry.pull_intervals]) <= pulls
    return model.metrics()


def test_concurrent_pulls_are_limited_and_queue_in_waves() -> None:
    # 8 replicas all down at once, 2 pulls at a time, each at the node link (2 x 12.5 GB/s fits 25 GB/s)
    m = _rollout(replicas=8, width=8, pulls=2, serving=25e9)
    pull = S / LINK
    assert m["pulls_concurrent_max"] == 2
    assert m["rollout_time_s"] == pytest.approx(10 + 4 * pull + S / 25e9 + 20, rel=1e-12)
    assert m["deploy_time_max_s"] == pytest.approx(10 + 4 * pull + S / 25e9 + 20, rel=1e-12)
    assert m["deploy_time_p50_s"] == pytest.approx(10 + 2.5 * pull + S / 25e9 + 20, rel=1e-12)


def test_concurrent_pulls_share_the_serving_bandwidth() -> None:
    m = _rollout(replicas=8, width=8, pulls=8, serving=25e9)
    assert m["pulls_concurrent_max"] == 8
    assert m["deploy_time_p50_s"] == pytest.approx(10 + S / (25e9 / 8) + S / 25e9 + 20, rel=1e-12)


def test_artifact_larger_than_registry_storage_is_a_clear_input_error() -> None:
    ctx = context(registry=RegistrySpec(storage_capacity_bytes=1e12))
    with pytest.raises(InputError) as err:
        run({"model_bytes": "2 TB", "deploy": {"replicas": 1}}, ctx)
    assert err.value.field == "workloads.pipeline.model_bytes"
    assert "larger than the registry's storage" in err.value.message
    assert "storage_capacity_bytes" in err.value.message


def test_artifact_larger_than_free_space_is_an_input_error() -> None:
    ctx = context(registry=RegistrySpec(storage_capacity_bytes=1e12, used_bytes=0.9e12))
    with pytest.raises(InputError, match="free space"):
        run({"model_bytes": "140 GB", "deploy": {"replicas": 1}}, ctx)


def test_registering_fills_storage() -> None:
    ctx = context(registry=RegistrySpec(storage_capacity_bytes=1e12, used_bytes=0.5e12))
    m = run({"model_bytes": "140 GB", "stages": ["register"]}, ctx).metrics()
    assert m["registry_used_bytes"] == 0.5e12 + 140e9


def test_oversized_artifact_in_an_experiment_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    topo = tmp_path / "small.yaml"
    topo.write_text(yaml.safe_dump({"name": "small", "registry": {"storage_capacity_bytes": "1 TB"}}))
    exp = tmp_path / "big.yaml"
    exp.write_text(
        yaml.safe_dump(
            {
                "name": "big",
                "topology": "small.yaml",
                "tiers": ["none"],
                "workloads": {"pipeline": {"model_bytes": "2 TB", "deploy": {"replicas": 2}}},
            }
        )
    )
    with pytest.raises(InputError) as err:
        api.load(exp)
    assert str(err.value).startswith(
        f"{exp}: workloads.pipeline.model_bytes: artifact of 2e+12 bytes is larger"
    )
    result = run_cli(capsys, monkeypatch, "run", str(exp), "--out", str(tmp_path / "r"))
    assert result.code == 2
    assert "larger than the registry's storage" in result.err
    assert "Traceback" not in result.err
    assert not (tmp_path / "r").exists()
