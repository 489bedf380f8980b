"""Rolling update of the inference fleet: each replica drains, pulls, verifies, loads and warms up.

At most ``max_unavailable`` replicas are down at once (a simpy ``Resource`` of that capacity, taken in replica
order). One replica's update, from the moment it stops taking requests:

1. **drain** for ``drain_s``;
2. **pull** the model from the registry (a pull slot, then the bytes over the shared serving link), with the
   ``deploy``-boundary check beside it (:func:`~zsim.platform.artifact_flow.crossing`);
3. **verify** at the ``load`` boundary (serial: the bytes are already on local disk);
4. **load** the weights at ``load_bandwidth_Bps`` and **warm up** for the replica's drawn warm-up time.

If a check rejects the artifact (emulate mode), the replica reloads the model it had and the rollout halts:
replicas not yet started keep serving the old model.

For the fleet model in the same run, :attr:`Rollout.unavailability` lists ``(replica, down_from_s, up_at_s)``
intervals; an interval is added with ``up_at_s = inf`` when the replica goes down and closed when it is back,
so the list is correct whenever the fleet reads it.

Deterministic closed form for one replica alone (no contention, ``overlap`` off)::

    deploy = drain + size / rate + (makespan + extras) + load check + size / load bandwidth + warm-up

with rate = min(serving bandwidth, per-pull cap, node storage link, control caps). With ``overlap`` on, the
pull and the hash become ``max(size / rate, makespan - tail) + tail + extras``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

import numpy as np
import simpy

from zsim.artifacts import VerificationResult
from zsim.controls.base import Plane
from zsim.controls.registry import ControlSet
from zsim.platform.artifact_flow import Ledger, crossing, transfer_terms, verification_cost
from zsim.platform.pipeline_config import DeploySpec
from zsim.platform.registry import Registry, RegistrySpec

Check = Callable[[str], VerificationResult | None]


def _no_check(_boundary: str) -> VerificationResult | None:
    return None


@dataclass
class ReplicaUpdate:
    """Timestamps of one replica's update (absolute simulation seconds)."""

    replica: int
    down_s: float
    up_s: float = math.nan
    pull_start_s: float = math.nan
    pull_end_s: float = math.nan
    verified_s: float = math.nan  # the deploy-boundary check has finished
    load_check_s: float = 0.0  # duration of the load-boundary check
    updated: bool = False  # False when a check rejected the new model

    @property
    def deploy_s(self) -> float:
        return self.up_s - self.down_s

    @property
    def verify_exposed_s(self) -> float:
        """Time verification added to this replica's update beyond the pull itself."""
        return (self.verified_s - self.pull_end_s) + self.load_check_s


class Rollout:
    def __init__(
        self,
        env: simpy.Environment,
        *,
        replicas: int,
        deploy: DeploySpec,
        model_bytes: float,
        registry: Registry,
        controls: ControlSet,
        node_link_Bps: float,
        warmup_s: np.ndarray,
        ledger: Ledger,
        rtt_s: float = 0.0,
        check: Check = _no_check,
    ) -> None:
        if warmup_s.shape != (replicas,):
            raise ValueError("one warm-up time per replica")
        self.env = env
        self.replicas = replicas
        self.deploy = deploy
        self.model_bytes = model_bytes
        self.registry = registry
        self.controls = controls
        self.node_link_Bps = node_link_Bps
        self.rtt_s = rtt_s
        self.warmup_s = warmup_s
        self.ledger = ledger
        self.check = check
        self.unavailability: list[tuple[int, float, float]] = []
        self.updates: list[ReplicaUpdate] = []
        self.rejection: tuple[str, VerificationResult] | None = None
        self.start_s = math.nan
        self.end_s = math.nan
        self.done = env.event()

    def run(self) -> Generator[simpy.Event, Any, None]:
        """Process: update every replica, at most ``max_unavailable`` at once, in replica order."""
        self.start_s = self.env.now
        width = simpy.Resource(self.env, capacity=self.deploy.max_unavailable)
        yield self.env.all_of([self.env.process(self._replica(i, width)) for i in range(self.replicas)])
        self.end_s = self.env.now
        self.done.succeed()

    def _passes(self, boundary: str) -> bool:
        result = self.check(boundary)
        if result is None or result.ok:
            return True
        if self.rejection is None:
            self.rejection = (boundary, result)
        return False

    def _replica(self, i: int, width: simpy.Resource) -> Generator[simpy.Event, Any, None]:
        env = self.env
        with width.request() as slot:
            yield slot
            if self.rejection is not None:
                return  # the rollout halted: this replica keeps serving the old model
            rec = ReplicaUpdate(i, env.now)
            self.updates.append(rec)
            k = len(self.unavailability)
            self.unavailability.append((i, rec.down_s, math.inf))
            if self.deploy.drain_s > 0:
                yield env.timeout(self.deploy.drain_s)
            size = self.model_bytes
            messages = math.ceil(size / self.registry.spec.chunk_bytes)
            terms = transfer_terms(self.controls, Plane.STORAGE, size, messages, rtt_s=self.rtt_s)
            self.ledger.transfer_cpu_s += terms.cpu_s
            deploy_check = verification_cost(self.controls, size, "deploy")
            pulled = yield from self.registry.pull(
                size, terms.flow_cap_Bps(self.node_link_Bps), terms.setup_s
            )
            rec.pull_start_s = env.now
            pulled.callbacks.append(lambda _e: setattr(rec, "pull_end_s", env.now))
            (wall,) = yield from crossing(env, pulled, [deploy_check])
            self.ledger.add_check("deploy", deploy_check, wall)
            rec.verified_s = env.now
            ok = self._passes("deploy")
            if ok:
                load_check = verification_cost(self.controls, size, "load")
                (rec.load_check_s,) = yield from crossing(env, None, [load_check])
                self.ledger.add_check("load", load_check, rec.load_check_s)
                ok = self._passes("load")
            # load the weights (the new model, or after a rejection the old one from local disk) and warm up
            load_s = size / self.deploy.load_bandwidth_Bps
            if load_s > 0:
                yield env.timeout(load_s)
            if self.warmup_s[i] > 0:
                yield env.timeout(float(self.warmup_s[i]))
            rec.up_s = env.now
            rec.updated = ok
            self.unavailability[k] = (i, rec.down_s, rec.up_s)

    # --- results -------------------------------------------------------------------------------------------

    def metrics(self) -> dict[str, float]:
        deployed = np.array([u.deploy_s for u in self.updates if u.updated])
        exposed = np.array([u.verify_exposed_s for u in self.updates if not math.isnan(u.verified_s)])
        nan = math.nan
        return {
            "deploy_time_p50_s": float(np.percentile(deployed, 50)) if deployed.size else nan,
            "deploy_time_p95_s": float(np.percentile(deployed, 95)) if deployed.size else nan,
            "deploy_time_max_s": float(deployed.max()) if deployed.size else nan,
            "rollout_time_s": self.end_s - self.start_s,
            "capacity_lost_replica_s": capacity_lost_replica_s(self.unavailability),
            "replicas_unavailable_max": float(max_concurrent(self.unavailability)),
            "replicas_updated": float(deployed.size),
            "deploy_rejected": float(self.rejection is not None),
            "pulls_concurrent_max": float(self.registry.pulls_max),
            "verify_exposed_mean_s": float(exposed.mean()) if exposed.size else nan,
        }


def capacity_lost_replica_s(intervals: list[tuple[int, float, float]]) -> float:
    """Replica-seconds of serving capacity lost: the sum of every replica's time out of service."""
    return float(sum(up - down for _, down, up in intervals))


def max_concurrent(intervals: list[tuple[int, float, float]]) -> int:
    """Most intervals open at one instant (one closing as another opens at the same time do not overlap)."""
    events = sorted([(d, 1) for _, d, _ in intervals] + [(u, -1) for _, _, u in intervals])
    level = peak = 0
    for _, step in events:
        level += step
        peak = max(peak, level)
    return peak


def isolated_deploy(
    spec: RegistrySpec,
    controls: ControlSet,
    deploy: DeploySpec,
    size_bytes: float,
    node_link_Bps: float,
    warmup_s: float,
    rtt_s: float = 0.0,
) -> tuple[ReplicaUpdate, Ledger]:
    """One replica updated alone, in its own environment (closed-form checks, the docs plot)."""
    env = simpy.Environment()
    ledger = Ledger()
    rollout = Rollout(
        env,
        replicas=1,
        deploy=deploy,
        model_bytes=size_bytes,
        registry=Registry(env, spec),
        controls=controls,
        node_link_Bps=node_link_Bps,
        warmup_s=np.array([warmup_s]),
        ledger=ledger,
        rtt_s=rtt_s,
    )
    env.process(rollout.run())
    env.run()
    return rollout.updates[0], ledger
