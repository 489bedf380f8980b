"""The ``nccl`` workload: one nccl-tests measurement (``all_reduce_perf`` and friends) on the cluster.

It reports what nccl-tests prints for one size: ``time_s``, ``algbw_Bps`` = bytes / time and ``busbw_Bps`` =
algbw x 2(n-1)/n for allreduce, x (n-1)/n for reduce-scatter and all-gather (nccl-tests
``doc/PERFORMANCE.md``).
The validation experiments under ``experiments/validation/nccl-*.yaml`` use it to hold the collective model
against published nccl-tests rows; controls act through the same fabric hooks as in training (e.g. RDMA
encryption lowers busbw).
"""

from __future__ import annotations

from collections.abc import Generator

import simpy

from zsim.config.topology import TopologyConfig
from zsim.engine.workload import RunContext, WorkloadModel, register_workload
from zsim.platform.collective_plans import CollectiveModel
from zsim.platform.collectives import CollectiveResult
from zsim.platform.training import job_shape
from zsim.platform.training_config import NcclTestsConfig


@register_workload
class NcclTests(WorkloadModel):
    name = "nccl"
    Config = NcclTestsConfig
    config: NcclTestsConfig

    def __init__(self, config: NcclTestsConfig, ctx: RunContext) -> None:
        super().__init__(config, ctx)
        self.result: CollectiveResult | None = None

    def check(self, topology: TopologyConfig) -> None:
        job_shape(topology, self.config.nodes, self.config.gpus_per_node)

    def start(self, env: simpy.Environment) -> None:
        cfg = self.config
        cluster, n, g = job_shape(self.ctx.topology, cfg.nodes, cfg.gpus_per_node)
        model = CollectiveModel(cluster, nodes=n, gpus_per_node=g, controls=self.ctx.controls)
        self.result = model.time(cfg.op, cfg.bytes, cfg.algorithm, cfg.protocol, cfg.inter_node)
        env.process(self._run(env, self.result.time_s))

    @staticmethod
    def _run(env: simpy.Environment, duration_s: float) -> Generator[simpy.Event, object, None]:
        yield env.timeout(duration_s)

    def metrics(self) -> dict[str, float]:
        assert self.result is not None, "metrics() before start()"
        r = self.result
        return {
            "time_s": r.time_s,
            "algbw_Bps": r.algbw_Bps,
            "busbw_Bps": r.busbw_Bps,
            "ranks": float(r.ranks),
        }
