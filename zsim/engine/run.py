"""Simulate one run: build a simpy Environment, start every workload, run it, collect metrics.

No I/O, no printing, no global state: the same RunSpec gives the same metrics, whichever process runs it.
"""

from __future__ import annotations

import dataclasses
import time

import simpy

from zsim.config.experiment import Experiment
from zsim.engine.workload import RunContext, workload_models
from zsim.rng import SeedTree
from zsim.runner.spec import RunResult, RunSpec


def simulate(experiment: Experiment, spec: RunSpec) -> RunResult:
    started = time.perf_counter()
    point = experiment.point(spec.point)
    tier = next(t for t in point.tiers if t.name == spec.tier)
    seeds = SeedTree(spec.root_seed).replication(spec.replication)
    ctx = RunContext(
        topology=experiment.topology, controls=tier.controls, seeds=seeds, base_dir=experiment.base_dir
    )
    env = simpy.Environment()
    models = workload_models()
    for name, config in point.workloads.items():
        # zoned tiers: a workload of a given sensitivity runs under that zone's controls
        level = getattr(config, "sensitivity", None)
        model_ctx = ctx if level is None else dataclasses.replace(ctx, controls=tier.controls.for_sensitivity(level))
        ctx.models[name] = models[name](config, model_ctx)
    for model in ctx.models.values():
        model.start(env)
    env.run()
    metrics: dict[str, float] = {}
    for name, model in ctx.models.items():
        for metric, value in model.metrics().items():
            metrics[f"{name}.{metric}"] = float(value)
    return RunResult(spec, seeds.seed, metrics, list(ctx.warnings), time.perf_counter() - started)
