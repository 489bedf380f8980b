"""Expand an experiment into RunSpecs: tiers × sweep points × replications, in a fixed order."""

from __future__ import annotations

from zsim.config.experiment import Experiment
from zsim.runner.spec import RunSpec


def expand(experiment: Experiment) -> list[RunSpec]:
    cfg = experiment.config
    return [
        RunSpec(cfg.name, tier.name, "", rep, cfg.seed)
        for rep in range(cfg.replications)
        for tier in experiment.tiers
    ]
