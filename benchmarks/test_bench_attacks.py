"""Attack speed: trials/s of ``lateral-training-to-inference`` on the 1,000-workload synthetic topology with
monitoring on (so every step and its detection draws are exercised; under ``strict`` the campaign would stop at
compile time), end to end (compile + trials), and the fast path against the simpy reference engine on the same
compiled campaign, both measured here.

Target (issue 6): >= 10,000 trials/s on 1,000 workloads. The ratio fast/simpy is stored for
``make bench-compare``. The two engines agree statistically (``tests/attacks/test_attack_engines.py``); here the
benchmark re-checks the success and detection rates so that a fast but wrong engine cannot pass.
"""

from __future__ import annotations

import math
import time

from benchmarks.conftest import best_rate
from tests.conftest import REPO
from zsim.attacks.compile import compile_campaign
from zsim.attacks.loader import library
from zsim.attacks.montecarlo import simulate
from zsim.attacks.runner import load_platform
from zsim.attacks.simpy_engine import simulate_simpy
from zsim.config.tiers import build_control_set, catalog, resolve_settings
from zsim.rng import SeedTree

TOPOLOGY = REPO / "topologies" / "ml-platform-attack-1k.yaml"
CAMPAIGN = "lateral-training-to-inference"
N_FAST = 50_000
N_SIMPY = 2_000


def _controls(tier: str):  # type: ignore[no-untyped-def]
    cat = catalog()
    settings = resolve_settings(cat[tier], cat, field=tier)
    settings["monitoring"] = {"enabled": True}
    return build_control_set(tier, settings, {}, {}, field=tier)


def test_lateral_trials_per_second_on_1000_workloads(benchmark) -> None:  # type: ignore[no-untyped-def]
    platform = load_platform(TOPOLOGY)
    assert len(platform.components) == 1000
    camp = library()[CAMPAIGN]
    seeds = SeedTree(9).replication(0)
    # "none" + monitoring: the attack goes through or gets detected, so every step is exercised
    controls = _controls("none")

    def end_to_end() -> int:
        simulate(compile_campaign(camp, platform, controls), seeds, N_FAST)
        return N_FAST

    end_to_end()  # warm caches (platform table) outside the timing
    elapsed = benchmark.pedantic(lambda: _timed(end_to_end), rounds=3, iterations=1)
    rate = N_FAST / elapsed
    cc = compile_campaign(camp, platform, controls)
    steady = best_rate(lambda: (simulate(cc, seeds, N_FAST), N_FAST)[1], rounds=3)
    simpy_rate = best_rate(lambda: (simulate_simpy(cc, seeds, N_SIMPY), N_SIMPY)[1], rounds=1)
    benchmark.extra_info.update(trials_per_s=rate, steady_trials_per_s=steady, simpy_trials_per_s=simpy_rate,
                                ratio=steady / simpy_rate)
    print(f"\n{CAMPAIGN} on 1,000 workloads: {rate:,.0f} trials/s end to end (compile + {N_FAST:,} trials), "
          f"{steady:,.0f} trials/s steady; simpy {simpy_rate:,.0f} trials/s; fast/simpy {steady / simpy_rate:.0f}x")
    assert rate >= 10_000
    assert steady > simpy_rate

    fast, ref = simulate(cc, seeds, N_FAST), simulate_simpy(cc, SeedTree(10).replication(0), N_SIMPY)
    for field in ("success", "detected"):
        p1, p2 = getattr(fast, field).mean(), getattr(ref, field).mean()
        pooled = (p1 * N_FAST + p2 * N_SIMPY) / (N_FAST + N_SIMPY)
        se = math.sqrt(max(pooled * (1 - pooled), 1e-12) * (1 / N_FAST + 1 / N_SIMPY))
        assert abs(p1 - p2) < 4 * se + 1e-9, (field, p1, p2)


def _timed(fn) -> float:  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0
