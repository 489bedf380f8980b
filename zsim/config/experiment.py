"""Experiment files: which topology, which tiers, which workloads, how many replications, which seed.

``load_experiment`` validates the file strictly (unknown keys are errors), resolves the topology and cost
profile relative to the experiment file, resolves every tier through the catalog, validates each workload
section against its model's schema, and checks cross references (reference tier, tier names, workloads known
to the engine). Every error names the file and the field path.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, model_validator

from zsim.config.base import StrictModel
from zsim.config.costs import load_cost_profile
from zsim.config.sweep import SweepSpec, apply_path, expand_points
from zsim.config.tiers import TierSpec, catalog, load_tier_file, resolve_tier
from zsim.config.topology import TopologyConfig, load_topology
from zsim.controls.registry import ControlSet
from zsim.engine.workload import RunContext, workload_models
from zsim.errors import InputError, from_validation_error
from zsim.rng import SeedTree
from zsim.yamlio import load_yaml_file


class ValidationRow(StrictModel):
    """A figure the model should reproduce: printed as predicted against published (or analytic)."""

    metric: str = Field(min_length=1)
    tier: str | None = None
    published: float
    tolerance_pct: float = Field(10.0, gt=0)
    kind: Literal["published", "analytic"] = "published"
    source: str = Field(min_length=1)
    label: str = ""
    point: str | None = None


class ExperimentConfig(StrictModel):
    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.\-]+$")
    description: str = ""
    topology: str | None = None
    costs: str | None = None
    seed: int = Field(0, ge=0)
    replications: int = Field(5, ge=1)
    reference_tier: str | None = None
    tiers: list[str | TierSpec] = Field(min_length=1)
    overrides: dict[str, dict[str, Any]] = Field(default_factory=dict)
    workloads: dict[str, dict[str, Any]] = Field(default_factory=dict)
    validation: list[ValidationRow] = Field(default_factory=list)
    sweep: SweepSpec | None = None

    @model_validator(mode="after")
    def _names_unique(self) -> ExperimentConfig:
        names = [t if isinstance(t, str) else t.name for t in self.tiers]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"tier names must be unique, repeated: {', '.join(dupes)}")
        return self


@dataclass
class ResolvedTier:
    name: str
    description: str
    controls: ControlSet


@dataclass
class Point:
    """One sweep point (the only one, labelled "", without a sweep): its resolved tiers and workloads."""

    label: str
    values: dict[str, Any]
    tiers: list[ResolvedTier]
    workloads: dict[str, StrictModel]


@dataclass
class Experiment:
    """A validated experiment, ready to expand into runs."""

    path: Path
    config: ExperimentConfig
    topology: TopologyConfig
    points: list[Point]

    @property
    def tiers(self) -> list[ResolvedTier]:
        return self.points[0].tiers

    @property
    def workloads(self) -> dict[str, StrictModel]:
        return self.points[0].workloads

    def point(self, label: str) -> Point:
        return next(p for p in self.points if p.label == label)

    @property
    def base_dir(self) -> Path:
        return self.path.parent

    @property
    def reference_tier(self) -> str:
        return self.config.reference_tier or self.tiers[0].name

    def config_hash(self) -> str:
        payload = {
            "experiment": self.config.model_dump(mode="json"),
            "topology": self.topology.model_dump(mode="json"),
            "tiers": {p.label: {t.name: t.controls.describe() for t in p.tiers} for p in self.points},
        }
        blob = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
        return hashlib.sha256(blob).hexdigest()


def _relative(base: Path, name: str) -> Path:
    path = Path(name)
    return path if path.is_absolute() else base / path


def load_experiment(path: str | Path, *, replications: int | None = None, seed: int | None = None) -> Experiment:
    path = Path(path)
    data = load_yaml_file(path)
    if not isinstance(data, dict):
        raise InputError("an experiment file must be a mapping", file=path)
    try:
        cfg = ExperimentConfig.model_validate(data)
    except ValidationError as exc:
        raise from_validation_error(exc, file=path) from None
    if replications is not None or seed is not None:
        cfg = cfg.model_copy(
            update={k: v for k, v in (("replications", replications), ("seed", seed)) if v is not None}
        )
    try:
        if cfg.sweep is None:
            return _resolve(path, cfg, "", {})
        return _resolve_sweep(path, data, cfg)
    except InputError as exc:
        raise exc.with_file(path) from None


def _resolve_sweep(path: Path, data: dict[str, Any], cfg: ExperimentConfig) -> Experiment:
    assert cfg.sweep is not None
    raw = {k: v for k, v in data.items() if k != "sweep"}
    points: list[Point] = []
    first: Experiment | None = None
    for i, (label, values) in enumerate(expand_points(cfg.sweep)):
        doc = raw
        for key, value in values.items():
            where = f"sweep.grid.{key}" if key in cfg.sweep.grid else f"sweep.points[{i - _n_grid(cfg)}].set.{key}"
            doc = apply_path(doc, key, value, field=where)
            try:
                point_cfg = ExperimentConfig.model_validate({**doc, "sweep": None})
            except ValidationError as exc:
                err = from_validation_error(exc)
                raise InputError(f"{err.field or ''}: {err.message}".strip(": "), field=where) from None
        point_cfg = point_cfg.model_copy(update={"replications": cfg.replications, "seed": cfg.seed})
        try:
            resolved = _resolve(path, point_cfg, label, values)
        except InputError as exc:
            raise InputError(f"{exc.field or ''}: {exc.message}".strip(": "), field=f"sweep ({label})") from None
        first = first or resolved
        points.extend(resolved.points)
    assert first is not None
    labels = [p.label for p in points]
    for i, row in enumerate(cfg.validation):
        if row.point not in labels:
            raise InputError(f"unknown point {row.point!r} (points: {', '.join(labels)})",
                             field=f"validation[{i}].point")
    return Experiment(path, cfg, first.topology, points)


def _n_grid(cfg: ExperimentConfig) -> int:
    assert cfg.sweep is not None
    n = 1
    for values in cfg.sweep.grid.values():
        n *= len(values)
    return n if cfg.sweep.grid else 0


def _resolve(path: Path, cfg: ExperimentConfig, label: str, values: dict[str, Any]) -> Experiment:
    base = path.parent
    if cfg.topology is not None:
        topo_path = _relative(base, cfg.topology)
        if not topo_path.is_file():
            raise InputError(f"topology file {topo_path} not found", field="topology")
        topology = load_topology(topo_path)
    else:
        topology = TopologyConfig(name=f"{cfg.name}-default")
    costs = load_cost_profile(_relative(base, cfg.costs)) if cfg.costs else {}
    known = dict(catalog())
    inline = {t.name: t for t in cfg.tiers if isinstance(t, TierSpec)}
    known.update(inline)
    tiers = []
    for i, entry in enumerate(cfg.tiers):
        field = f"tiers[{i}]"
        if isinstance(entry, str) and entry.endswith((".yaml", ".yml")):
            tier_path = _relative(base, entry)
            if not tier_path.is_file():
                raise InputError(f"tier file {tier_path} not found", field=field)
            spec = load_tier_file(tier_path)
            known[spec.name] = spec
        elif isinstance(entry, str):
            if entry not in known:
                raise InputError(f"unknown tier {entry!r} (catalog: {', '.join(sorted(catalog()))})", field=field)
            spec = known[entry]
        else:
            spec = entry
        controls = resolve_tier(spec, known, costs=costs, overrides=cfg.overrides, field=field)
        tiers.append(ResolvedTier(spec.name, spec.description, controls))
    names = [t.name for t in tiers]
    if len(set(names)) != len(names):
        raise InputError("tier names must be unique (a tier file repeats a name)", field="tiers")
    if cfg.reference_tier is not None and cfg.reference_tier not in names:
        raise InputError(f"{cfg.reference_tier!r} is not one of the tiers ({', '.join(names)})", field="reference_tier")
    for i, row in enumerate(cfg.validation):
        if row.tier is not None and row.tier not in names:
            raise InputError(f"unknown tier {row.tier!r}", field=f"validation[{i}].tier")
    for i, row in enumerate(cfg.validation):
        if label and row.point is None:
            raise InputError(
                "a sweep experiment's validation rows must name their point", field=f"validation[{i}].point"
            )
    workloads = _workloads(cfg, topology)
    _check_workloads(workloads, topology, tiers[0].controls, base)
    for i, row in enumerate(cfg.validation):
        prefix = row.metric.split(".", 1)[0]
        if prefix not in workloads and prefix != "attack":
            raise InputError(f"metric names workload {prefix!r}, which the experiment does not run",
                             field=f"validation[{i}].metric")
    return Experiment(path, cfg, topology, [Point(label, values, tiers, workloads)])


def _check_workloads(
    workloads: dict[str, StrictModel], topology: TopologyConfig, controls: ControlSet, base: Path
) -> None:
    """Cross-reference checks that need the topology (e.g. more GPUs than the cluster has)."""
    models = workload_models()
    ctx = RunContext(topology=topology, controls=controls, seeds=SeedTree(0).replication(0), base_dir=base)
    for name, config in workloads.items():
        try:
            models[name](config, ctx).check(topology)
        except InputError as exc:
            if not exc.field or not exc.field.startswith("workloads"):
                exc.prefixed(f"workloads.{name}")
            raise


def _workloads(cfg: ExperimentConfig, topology: TopologyConfig) -> dict[str, StrictModel]:
    models = workload_models()
    if not cfg.workloads:
        raise InputError("an experiment needs at least one workload", field="workloads")
    out = {}
    for name, section in cfg.workloads.items():
        if name not in models:
            raise InputError(f"unknown workload (known: {', '.join(sorted(models))})", field=f"workloads.{name}")
        try:
            out[name] = models[name].Config.model_validate(section)
        except ValidationError as exc:
            raise from_validation_error(exc, prefix=["workloads", name]) from None
    return out
