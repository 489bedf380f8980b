"""A data-parallel training job on the cluster: steps, gradient allreduce, checkpoints, start-up, credentials.

The high-volume part (every bucket of every step on every rank) is closed form and vectorised
(:mod:`zsim.platform.training_steps`, :mod:`zsim.platform.collectives`); simpy carries the job's timeline:

1. start-up: ``startup_s`` plus what the controls' ``node_join`` hooks add (node attestation);
2. training in segments between checkpoints (one timeout per segment, from the per-step times);
3. a checkpoint every ``checkpoint.every_steps`` steps: parameters x bytes per parameter, sharded over the
   writer nodes, over the storage Ethernet to storage or the registry, through the controls' ``transfer``
   hook on ``Plane.STORAGE`` (mTLS: handshake, round trips, crypto rate cap);
4. the job's storage/registry credential: from the controls' ``credential()`` hook (token rotation: refresh at
   a fraction of the TTL, with the in-flight policy applied to a checkpoint under way), or, with rotation
   off, a static credential of ``credential_ttl_s`` that nobody refreshes. A checkpoint under way when the
   credential expires, or started after, fails and is counted in ``checkpoints_failed``.

Metrics (per run): ``step_time_s`` (mean; ``_p50``/``_p99``), ``compute_time_s``, ``comm_time_s`` (allreduce
busy time per step), ``exposed_comm_s``, ``allreduce_time_s``/``allreduce_algbw_Bps``/``allreduce_busbw_Bps``
(one full bucket), ``throughput_samples_per_s`` (and ``_tokens_``), ``goodput_samples_per_s`` (over the whole
job), ``job_time_s``, ``startup_s``, ``node_join_s``, ``checkpoint_time_s``, ``checkpoint_overhead_s``,
``checkpoints_total``, ``checkpoints_failed``, ``checkpoint_cpu_s``, ``token_refreshes``,
``credential_expiries``, ``rdma_crypto_cpu_s_per_step``.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from dataclasses import dataclass

import numpy as np
import simpy

from zsim.config.topology import TopologyConfig
from zsim.controls.base import CredentialPolicy, Plane
from zsim.engine.workload import RunContext, WorkloadModel, register_workload
from zsim.errors import InputError
from zsim.platform.collective_plans import CollectiveModel
from zsim.platform.fabric import ClusterSpec
from zsim.platform.fabric_view import plane_cost
from zsim.platform.training_config import TrainingConfig
from zsim.platform.training_steps import StepModel, bucket_sizes, slowest_factors


def job_shape(
    topology: TopologyConfig, nodes: int | None, gpus_per_node: int | None
) -> tuple[ClusterSpec, int, int]:
    """The cluster and the job's node and GPU counts, with errors that name the offending field."""
    cluster = topology.cluster
    if cluster is None:
        raise InputError(f"topology {topology.name!r} has no 'cluster' section to run on", field="nodes")
    n = cluster.nodes if nodes is None else nodes
    g = cluster.gpus_per_node if gpus_per_node is None else gpus_per_node
    if n > cluster.nodes:
        raise InputError(f"{n} nodes asked, the topology has {cluster.nodes}", field="nodes")
    if g > cluster.gpus_per_node:
        raise InputError(
            f"{g} GPUs per node asked, more than the topology allows ({cluster.gpus_per_node})",
            field="gpus_per_node",
        )
    return cluster, n, g


@dataclass(frozen=True)
class CheckpointCost:
    duration_s: float
    cpu_s: float
    size_bytes: float


@register_workload
class TrainingJob(WorkloadModel):
    name = "training"
    Config = TrainingConfig
    config: TrainingConfig

    def __init__(self, config: TrainingConfig, ctx: RunContext) -> None:
        super().__init__(config, ctx)
        self._cred_valid = True
        self._active_ckpt: simpy.Process | None = None
        self._refreshes = 0
        self._expiries = 0
        self._ckpt_total = 0
        self._ckpt_failed = 0
        self._ckpt_blocked_s = 0.0

    def check(self, topology: TopologyConfig) -> None:
        job_shape(topology, self.config.nodes, self.config.gpus_per_node)

    # --- numpy part ----------------------------------------------------------------------------------------
    def _prepare(self) -> None:
        cfg = self.config
        cluster, n, g = job_shape(self.ctx.topology, cfg.nodes, cfg.gpus_per_node)
        self.cluster, self.nodes, self.gpus = cluster, n, g
        coll = cfg.collective
        self.collectives = CollectiveModel(cluster, nodes=n, gpus_per_node=g, controls=self.ctx.controls)
        sizes = bucket_sizes(cfg.model.gradient_bytes, coll.bucket_bytes, coll.first_bucket_bytes)
        times = {
            s: self.collectives.time("allreduce", s, coll.algorithm, coll.protocol, coll.inter_node)
            for s in np.unique(sizes)
        }
        comm = np.array([times[s].time_s for s in sizes])
        fwd, bwd = self._compute_s(cluster, g)
        self.steps = StepModel(fwd, bwd, cfg.compute.optimizer_s, sizes, comm, coll.overlap)
        factor = slowest_factors(
            self.ctx.seeds.stream("training.jitter"),
            cfg.steps,
            self._groups(cluster, n, g),
            cfg.compute.jitter_cv,
        )
        self.step_s, self.exposed_s, self.compute_s = self.steps.times(factor)
        self.bucket = self.collectives.time(
            "allreduce", float(coll.bucket_bytes), coll.algorithm, coll.protocol, coll.inter_node
        )
        self.node_join_s = sum(c.node_join(n) for c in self.ctx.controls.active())
        self.startup_s = cfg.startup_s + self.node_join_s
        self.ckpt = self._checkpoint_cost(cluster, n) if cfg.checkpoint else None
        self.policy = self._credential_policy()
        proto = times[sizes[-1]].protocol
        node_bytes = 2 * (n - 1) / n * cfg.model.gradient_bytes if n > 1 else 0.0
        self.rdma_cpu_s = self.collectives.view(proto).rdma_cpu_s(node_bytes)

    def _compute_s(self, cluster: ClusterSpec, g: int) -> tuple[float, float]:
        c, b = self.config.compute, self.config.batch
        if c.forward_s is not None and c.backward_s is not None:
            return c.forward_s, c.backward_s
        per_sample = c.flops_per_sample or 6.0 * self.config.model.parameters * float(
            b.tokens_per_sample or 0
        )
        total = per_sample * b.samples_per_gpu / (cluster.gpu.peak_flops * c.mfu)
        return total * (1 - c.backward_fraction), total * c.backward_fraction

    @staticmethod
    def _groups(cluster: ClusterSpec, n: int, g: int) -> list[tuple[int, float]]:
        slow = [(g, s.compute_factor) for s in cluster.stragglers if s.node < n]
        return [((n - len(slow)) * g, 1.0), *slow]

    def _checkpoint_cost(self, cluster: ClusterSpec, n: int) -> CheckpointCost:
        ck = self.config.checkpoint
        assert ck is not None
        st = cluster.storage
        size = self.config.model.checkpoint_bytes
        writers = n if ck.writers == "all" else min(int(ck.writers), n)
        shard = size / writers
        per_stream = shard / ck.streams_per_writer
        parts = math.ceil(per_stream / ck.part_bytes)
        cost = plane_cost(self.ctx.controls, Plane.STORAGE, per_stream, parts)
        backend = st.backend_bandwidth_Bps if ck.destination == "storage" else st.registry_bandwidth_Bps
        rate = min(st.node_bandwidth_Bps, backend / writers, ck.streams_per_writer * cost.rate_cap_Bps)
        duration = cost.setup_s + (1 + cost.setup_rtts) * st.rtt_s + shard / rate + parts * cost.per_message_s
        cpu = size * cost.cpu_s_per_byte + writers * ck.streams_per_writer * cost.setup_s
        return CheckpointCost(duration, cpu, size)

    def _credential_policy(self) -> CredentialPolicy | None:
        policies = [p for c in self.ctx.controls.active() if (p := c.credential()) is not None]
        if policies:
            return min(policies, key=lambda p: p.ttl_s)
        ttl = self.config.credential_ttl_s
        if ttl is None:
            return None
        return CredentialPolicy(
            ttl_s=ttl,
            refresh_s=0.0,
            refresh_at_fraction=math.inf,
            reevaluate_on_refresh=False,
            inflight="continue",
        )

    # --- simpy timeline ------------------------------------------------------------------------------------
    def start(self, env: simpy.Environment) -> None:
        self._prepare()
        self._done = env.event()
        env.process(self._job(env))

    def _job(self, env: simpy.Environment) -> Generator[simpy.Event, object, None]:
        cfg = self.config
        t0 = env.now
        if self.startup_s:
            yield env.timeout(self.startup_s)
        if self.policy is not None:
            env.process(self._credentials(env, self.policy))
        ends = np.cumsum(self.step_s)
        every = cfg.checkpoint.every_steps if cfg.checkpoint else cfg.steps + 1
        marks = list(range(every, cfg.steps + 1, every))
        if not marks or marks[-1] != cfg.steps:
            marks.append(cfg.steps)
        done_s, running = 0.0, None
        for mark in marks:
            yield env.timeout(float(ends[mark - 1]) - done_s)
            done_s = float(ends[mark - 1])
            if cfg.checkpoint is None or mark % every:
                continue
            blocked_from = env.now
            if running is not None and running.is_alive:
                yield running
            running = env.process(self._checkpoint(env))
            if cfg.checkpoint.blocking:
                yield running
            self._ckpt_blocked_s += env.now - blocked_from
        if running is not None and running.is_alive:
            blocked_from = env.now
            yield running
            self._ckpt_blocked_s += env.now - blocked_from
        self._job_time_s = env.now - t0
        self._done.succeed()

    def _checkpoint(self, env: simpy.Environment) -> Generator[simpy.Event, object, None]:
        assert self.ckpt is not None
        self._ckpt_total += 1
        if not self._cred_valid:
            self._ckpt_failed += 1
            return
        self._active_ckpt = env.active_process
        remaining = self.ckpt.duration_s
        while remaining > 0:
            began = env.now
            try:
                yield env.timeout(remaining)
                remaining = 0.0
            except simpy.Interrupt as stop:
                remaining -= env.now - began
                kind, extra = stop.cause  # type: ignore[misc]
                if kind == "stall":
                    remaining += extra
                else:
                    self._ckpt_failed += 1
                    break
        self._active_ckpt = None

    def _interrupt_checkpoint(self, kind: str, extra: float = 0.0) -> None:
        proc = self._active_ckpt
        if proc is not None and proc.is_alive:
            proc.interrupt((kind, extra))
            if kind != "stall":
                self._active_ckpt = None

    def _credentials(
        self, env: simpy.Environment, policy: CredentialPolicy
    ) -> Generator[simpy.Event, object, None]:
        rotating = 0 < policy.refresh_at_fraction <= 1
        issued, valid_until = env.now, env.now + policy.ttl_s
        while True:
            next_refresh = issued + policy.refresh_at_fraction * policy.ttl_s if rotating else math.inf
            if valid_until < next_refresh:  # expires before anyone refreshes it
                yield env.timeout(valid_until - env.now) | self._done
                if self._done.triggered:
                    return
                self._expire()
                if not rotating:
                    return
            yield env.timeout(max(next_refresh - env.now, 0.0)) | self._done
            if self._done.triggered:
                return
            self._refreshes += 1
            if policy.inflight == "stall":
                self._interrupt_checkpoint("stall", policy.refresh_s)
            elif policy.inflight == "fail":
                self._interrupt_checkpoint("fail")
            finish = env.now + policy.refresh_s
            if self._cred_valid and valid_until < finish:
                yield env.timeout(valid_until - env.now) | self._done
                if self._done.triggered:
                    return
                self._expire()
            yield env.timeout(finish - env.now) | self._done
            if self._done.triggered:
                return
            issued, valid_until = env.now, env.now + policy.ttl_s
            self._cred_valid = True

    def _expire(self) -> None:
        self._cred_valid = False
        self._expiries += 1
        self._interrupt_checkpoint("expired")

    # --- results -------------------------------------------------------------------------------------------
    def metrics(self) -> dict[str, float]:
        cfg = self.config
        step = self.step_s
        global_batch = cfg.batch.samples_per_gpu * self.nodes * self.gpus
        mean_step = float(step.mean())
        out = {
            "gpus": float(self.nodes * self.gpus),
            "step_time_s": mean_step,
            "step_time_p50_s": float(np.percentile(step, 50)),
            "step_time_p99_s": float(np.percentile(step, 99)),
            "compute_time_s": float(self.compute_s.mean()),
            "comm_time_s": self.steps.comm_s,
            "exposed_comm_s": float(self.exposed_s.mean()),
            "allreduce_time_s": self.bucket.time_s,
            "allreduce_algbw_Bps": self.bucket.algbw_Bps,
            "allreduce_busbw_Bps": self.bucket.busbw_Bps,
            "throughput_samples_per_s": global_batch / mean_step,
            "goodput_samples_per_s": global_batch * cfg.steps / self._job_time_s,
            "job_time_s": self._job_time_s,
            "startup_s": self.startup_s,
            "node_join_s": self.node_join_s,
            "token_refreshes": float(self._refreshes),
            "credential_expiries": float(self._expiries),
            "rdma_crypto_cpu_s_per_step": self.rdma_cpu_s,
        }
        if cfg.batch.tokens_per_sample is not None:
            out["throughput_tokens_per_s"] = out["throughput_samples_per_s"] * cfg.batch.tokens_per_sample
        if self.ckpt is not None:
            out.update(
                {
                    "checkpoint_bytes": self.ckpt.size_bytes,
                "checkpoint_time_s": self.ckpt.duration_s,
                    "checkpoint_overhead_s": self._ckpt_blocked_s,
                    "checkpoint_cpu_s": self.ckpt.cpu_s,
                    "checkpoints_total": float(self._ckpt_total),
                    "checkpoints_failed": float(self._ckpt_failed),
                }
            )
        return out
