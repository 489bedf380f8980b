"""Expand an experiment into RunSpecs: tiers × sweep points × replications, in a fixed order."""

from __future__ import annotations

from zsim.config.experiment import Experiment
from zsim.runner.spec import RunSpec


def expand(experiment: Experiment) -> list[RunSpec]:
    cfg = experiment.config
    return [
        RunSpec(cfg.name, tier.name, point.label, rep, cfg.seed)
        for point in experiment.points
        for rep in range(cfg.replications)
        for tier in point.tiers
    ]
